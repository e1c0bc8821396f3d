"""Achievements use case (DECISIONS 5, 6, 17): evaluate, award once, tell, list.

The ledger owns the awarded set and pays each reward once (achievements_store.py). Values come from
the ledger itself (lifetime earned/spent/gambled, rank, unique tip partners) and from the services
owning the rest, which report absolute values (``ledger.report_stats``). After any posting commits,
``LedgerStore.on_change`` hands over the accounts whose postings may have met a ledger-held condition
(achievement_rules.Watch: a counter or the rank crossed a threshold, or a tip), and ``start()`` adds
those already past a threshold without the award; a background task checks just those, coalesced.
An award is itself an earning: it may cross a rank (the posting path records it) or meet another
achievement (the account is checked again); each achievement is awarded at most once,
so this converges.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.config.progression import Achievement
from economy_shared.runtime.logging import get_logger
from economy_shared.users import user_key
from economy_shared.voice import Voice
from economy_shared.wakeable import WakeableLoop

from .achievement_rules import REPORTED_STATS, listing, newly_met, reported_crossing, unlocked_pm
from .achievements_store import AchievementsStore
from .metrics import LedgerMetrics
from .rank_rules import rank_index

log = get_logger("economy.ledger.achievements")


@dataclass(frozen=True)
class AchievementView:
    text: str
    earned: dict[str, int]  # achievement id -> awarded ms
    values: dict[str, float]


class Achievements:
    def __init__(self, store: AchievementsStore, voice: Voice, config: Callable[[], EconomyConfig], clock: Clock,
                 metrics: LedgerMetrics, channels: ChannelDirectory, poll_seconds: float = 30.0) -> None:
        self._store = store
        self._voice = voice
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._channels = channels
        self._pending: set[tuple[str, str]] = set()
        self._lock = asyncio.Lock()  # one drain at a time (the worker, or a caller waiting for it)
        self._telling = asyncio.Lock()  # one PM pass at a time: an award is told once
        self._loop = WakeableLoop("achievements", self._pass, poll_seconds)

    # ---- evaluation -------------------------------------------------------------------------------
    async def values(self, channel: str, name: str) -> dict[str, float]:
        raw, floor = await self._store.values(channel, name)
        if "lifetime_earned" in raw:
            raw["rank_reached"] = float(rank_index(self._config().ranks, int(raw["lifetime_earned"]), floor))
        return raw

    async def check(self, channel: str, name: str) -> list[Achievement]:
        """Award every achievement the user now meets; returns the ones awarded by this call."""
        cfg = self._config()
        if not cfg.achievements:
            return []
        done: list[Achievement] = []
        for _ in range(len(cfg.achievements) + 1):  # a reward may meet another: bounded by the list
            met = newly_met(cfg.achievements, await self.values(channel, name),
                            await self._store.earned(channel, name))
            fresh = [a for a in met if await self._store.award(channel, name, a, to_ms(self._clock.now())) == "awarded"]
            if not fresh:
                break
            done.extend(fresh)
        for a in done:
            self._metrics.achievements.labels(channel_key(channel), a.id).inc()
            log.info("achievement_awarded", channel=channel, user=name, achievement=a.id, reward=a.reward)
        if done:
            await self.tell_due()
        return done

    async def tell_due(self) -> int:
        """PM every award not told yet (and its public line); one the announcer cannot take now stays
        untold and is told on a later pass, like rank-ups (rank_notifier.py)."""
        async with self._telling:
            cfg = self._config()
            by_id = {a.id: a for a in cfg.achievements}
            told = 0
            for row in await self._store.untold():
                a = by_id.get(row["achievement_id"])
                display = self._channels.display(row["channel"])
                if a is not None:
                    if not await self._voice.notify(display, row["display"], unlocked_pm(a, cfg.currency.symbol)):
                        log.warning("achievement_not_told_yet", user=row["display"], achievement=a.id)
                        return told
                    if a.announce_public:  # the announcer's gate for "achievement" has the last word (§9 E18)
                        await self._voice.announce(display, "achievement", user=row["display"],
                                                   achievement=a.description or a.id, amount=a.reward)
                await self._store.mark_told(row["channel"], row["user_key"], row["achievement_id"])
                told += 1
            return told

    async def report(self, channel: str, reports: Mapping[str, Mapping[str, float]]) -> list[str]:
        """Store reported values for users that have an account and award what is met; returns the
        users without an account (nothing stored). Unknown stat types are ignored; accounts are never
        created."""
        known = await self._store.existing(channel, list(reports))
        clean = {user_key(u): {k: float(v) for k, v in stats.items() if k in REPORTED_STATS and v >= 0}
                 for u, stats in reports.items() if user_key(u) in known}
        before = await self._store.stored(channel, list(clean))
        await self._store.record(channel, clean, to_ms(self._clock.now()))
        configured = self._config().achievements
        for key, stats in clean.items():
            if reported_crossing(configured, before.get(key, {}), stats):
                await self.check(channel, known[key])
        return [u for u in reports if user_key(u) not in known]

    async def view(self, channel: str, name: str) -> AchievementView:
        earned = await self._store.earned(channel, name)
        values = await self.values(channel, name)
        return AchievementView(listing(self._config().achievements, earned, values), earned, values)

    async def count(self, channel: str, name: str) -> int:
        """How many achievements a user has (for ``profile``)."""
        return len(await self._store.earned(channel, name))

    # ---- background worker: accounts touched by postings --------------------------------------------
    def changed(self, accounts: set[tuple[str, str]]) -> None:
        """Post-commit hook (LedgerStore.on_change): remember the accounts, check them soon."""
        self._pending |= accounts
        self._loop.poke()

    async def drain(self) -> None:
        """Check every account touched since the last drain (and those its awards touch)."""
        async with self._lock:
            while self._pending:
                batch, self._pending = self._pending, set()
                for chan, key in sorted(batch):
                    acct = await self._store.account(chan, key)
                    if acct is not None:
                        await self.check(chan, acct["display_name"])

    async def start(self) -> None:
        await self.tell_due()  # awards committed before a stop whose PM did not go out
        cfg = self._config()  # thresholds passed while the achievement was not configured yet
        tiers = cfg.ranks.tiers
        reach = {a.condition.threshold: tiers[min(len(tiers) - 1, math.ceil(a.condition.threshold))].min_lifetime_earned
                 for a in cfg.achievements if a.condition.type == "rank_reached" and tiers}
        self.changed(await self._store.unmet_candidates(list(cfg.achievements), reach))
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _pass(self) -> None:
        await self.drain()
        await self.tell_due()
