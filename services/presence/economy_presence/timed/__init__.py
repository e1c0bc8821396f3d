"""Time-based earning (sprint 2): streaks, dwell milestones, bridge, rain, welcome back.

``TimedRewards`` holds the hooks the presence tick and arrivals call. The rules are pure modules
(``streaks``, ``milestones``, ``bridge``, ``welcome_back``, ``rain.split``/``next_rain``); SQL is in
``store``; every earning is an idempotent ledger posting keyed by its business fact, paid through the
one credit path (``..credit``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from economy_shared.clock import Clock, to_ms, utc_day
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.ledger_client import LedgerClient
from economy_shared.voice import Voice

from ..credit import CreditPath
from ..sessions import Arrival, Session
from .admin_rain import AdminRain
from .daily import DailyRules
from .owed import BoostFn, no_boost
from .payout import OwedPayer
from .rain import Rain
from .store import TimedStore
from .streaks import effective_streak
from .welcome_back import welcome_back_owed

__all__ = ["TimedRewards"]


class TimedRewards:
    """Hooks: ``start``, ``on_minutes``, ``on_arrival``, ``streak_days``.

    Parts: ``store``, ``payer``, ``daily``, ``rain``, ``admin_rain``.
    """

    def __init__(
        self,
        database: Database,
        credits: CreditPath,
        ledger: LedgerClient,
        voice: Voice,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        spawn: Callable[..., Any],
        channels: Sequence[str],
        present_names: Callable[[str], list[str]],
        log: Any,
        boost_for: Callable[[str], BoostFn] = lambda _channel: no_boost,
    ) -> None:
        self._config = config
        self._boost_for = boost_for  # the channel's earning multipliers now (events/boosts.py)
        self._clock = clock
        self._channels = list(channels)
        self._log = log
        self.store = TimedStore(database)
        self.payer = OwedPayer(self.store, credits, voice, clock, spawn, log)

        def notify(channel: str, user: str, text: str) -> None:
            spawn(voice.notify(channel, user, text), name="bridge-reminder")

        self.daily = DailyRules(self.store, config, clock, notify, boost_for)
        self.rain = Rain(self.store, credits, voice, config, clock, spawn, channels, log,
                         perks=ledger.rank_perks_many,  # the rank rain bonus, one request per rain
                         boost_for=boost_for)
        self.admin_rain = AdminRain(self.rain, ledger, credits, present_names, clock)

    async def start(self) -> None:
        """Seed today's progress (settling anything a crash left), load the rain schedule, pay what is owed."""
        now = self._clock.now()
        for channel in self._channels:
            await self.daily.seed(channel, now)
        await self.rain.start()
        self.payer.kick()

    async def on_minutes(self, channel: str, present: dict[str, Session], at: datetime) -> None:
        """After every tick: dwell milestones, streaks and the bridge on threshold crossings; rain when due.

        A failure here never breaks the tick: crossers not evaluated stay pending and are retried next minute.
        """
        try:
            await self.daily.on_minutes(channel, present, at)
        except Exception:
            self._log.exception("timed_rules_failed", channel=channel)
        self.payer.kick()  # pays what this tick made owed, and retries what an outage left
        self.rain.on_tick(channel, present, at)

    async def on_arrival(self, channel: str, arrival: Arrival) -> None:
        """After the welcome wallet on a genuine arrival: welcome back."""
        now = self._clock.now()
        owed = welcome_back_owed(self._config(), channel, arrival, utc_day(now), self._boost_for(channel))
        if owed is not None:
            await self.store.add_owed(channel, [owed], to_ms(now))
            self.payer.kick()

    async def streak_days(self, channel: str, key: str) -> int:
        state = await self.store.streak(channel, key)
        return effective_streak(state, utc_day(self._clock.now()))
