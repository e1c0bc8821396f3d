"""Time-based earning (sprint 2): streaks, dwell milestones, bridge, rain, welcome back.

``TimedRewards`` is the hook object the presence service calls. The rules are pure modules
(``streaks``, ``milestones``, ``bridge``, ``welcome_back``, ``rain.split``/``next_rain``); SQL is
in ``store``; every earning is an idempotent ledger posting keyed by its business fact.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from economy_shared.clock import to_ms, utc_day

from . import commands
from .daily import DailyRules
from .payout import Payer
from .rain import Rain
from .store import MIGRATION, TimedStore
from .streaks import effective_streak
from .welcome_back import welcome_back_owed

if TYPE_CHECKING:
    from ..service import PresenceService
    from ..sessions import Arrival, Session

__all__ = ["MIGRATION", "TimedRewards"]


class TimedRewards:
    """Hooks the presence service calls: ``setup``, ``start``, ``on_minutes``, ``on_arrival``, ``streak_days``."""

    def __init__(self, service: PresenceService) -> None:
        self.service = service

    async def setup(self) -> None:
        """Build the parts and register the admin ``rain`` PM command."""
        self.store: TimedStore = TimedStore(self.service.database)
        self.payer: Payer = Payer(self.service, self.store)
        self.daily: DailyRules = DailyRules(self.service, self.store)
        self.rain: Rain = Rain(self.service, self.store)
        commands.register(self.service, self.rain)

    async def start(self) -> None:
        """Seed today's progress (settling anything a crash left), load the rain schedule, pay what is owed."""
        now = self.service.clock.now()
        for channel in self.service.config.channel_names():
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
            self.service.log.exception("timed_rules_failed", channel=channel)
        self.payer.kick()  # pays what this tick made owed, and retries what an outage left
        self.rain.on_tick(channel, present, at)

    async def on_arrival(self, channel: str, arrival: Arrival) -> None:
        """After the welcome wallet on a genuine arrival: welcome back."""
        now = self.service.clock.now()
        owed = welcome_back_owed(self.service.config, channel, arrival, utc_day(now))
        if owed is not None:
            await self.store.add_owed(channel, [owed], to_ms(now))
            self.payer.kick()

    async def streak_days(self, channel: str, key: str) -> int:
        state = await self.store.streak(channel, key)
        return effective_streak(state, utc_day(self.service.clock.now()))
