"""Tell rank-ups and carry out the CyTube promotions they grant (DECISIONS 17, 18).

The posting path writes a notice in the posting's transaction (rank_store.py); this drains them: one
PM to the user (unsolicited, so quiet mode applies) and one public ``rank_up`` announcement for the
highest tier crossed (the announcer's gates decide if it reaches chat). A notice stays untold while
the announcer cannot take the PM, and is told on a later pass. A tier that grants a CyTube
level asks the robot for it with ``safe_set_channel_rank(..., check_rank=False)`` — kryten-py's own
rank check does not match kryten-robot — unless the user's CyTube rank (robot userlist) is already at
or above it: a promotion never lowers anyone. A promotion the robot refuses is retried with back-off
and given up after a few attempts, logged and counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger
from economy_shared.voice import Voice
from economy_shared.wakeable import WakeableLoop

from .metrics import LedgerMetrics
from .promoter import CytubePromoter, RankOf
from .rank_store import RankNotice, RankStore

log = get_logger("economy.ledger.ranks")

PROMOTION_RETRY_MS = (60_000, 300_000, 1_800_000)  # then it is given up
__all__ = ["PROMOTION_RETRY_MS", "RankNotifier", "RankOf", "rank_up_pm"]


def rank_up_pm(config: EconomyConfig, notice: RankNotice) -> str:
    ranks = config.ranks
    perks = ranks.perks_at(notice.to_index).describe()
    lines = [f"⭐ Rank up! You're now a {notice.rank_name}."]
    lines.append(f"Perks: {', '.join(perks)}." if perks else "No extra perks at this rank yet.")
    nxt = ranks.next_tier(notice.to_index)
    if nxt is not None:
        lines.append(f"Next: {nxt.name} at {nxt.min_lifetime_earned:,} {config.currency.symbol} earned. PM me: rank")
    return "\n".join(lines)


class RankNotifier:
    def __init__(self, *, store: RankStore, voice: Voice, robot: Any, rank_of: RankOf,
                 config: Callable[[], EconomyConfig], clock: Clock, metrics: LedgerMetrics,
                 channels: ChannelDirectory, poll_seconds: float = 5.0) -> None:
        self._store = store
        self._voice = voice
        self._promoter = CytubePromoter(robot, rank_of)  # promote unless already at or above (promoter.py)
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._channels = channels
        self._lock = asyncio.Lock()
        self._loop = WakeableLoop("rank-notices", self.drain, poll_seconds)

    def poke(self) -> None:
        """A rank-up was just committed: drain now rather than at the next poll."""
        self._loop.poke()

    async def start(self) -> None:
        await self.drain()
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def drain(self) -> int:
        """Tell every notice due and settle due promotions; returns how many notices were handled."""
        async with self._lock:
            due = await self._store.due(to_ms(self._clock.now()))
            for notice in due:
                if not notice.told:
                    await self._tell(notice)
                if notice.promotion == "pending":
                    await self._promote(notice)
            return len(due)

    async def _tell(self, notice: RankNotice) -> None:
        channel = self._channels.display(notice.channel)
        cfg = self._config()
        if not await self._voice.notify(channel, notice.user, rank_up_pm(cfg, notice)):
            log.warning("rank_up_not_told_yet", user=notice.user, rank=notice.rank_name)  # announcer down: later
            return
        await self._voice.announce(channel, "rank_up", user=notice.user, rank=notice.rank_name)
        await self._store.mark_told(notice.id)
        self._metrics.rank_ups.labels(notice.channel, notice.rank_name).inc()
        log.info("rank_up", channel=notice.channel, user=notice.user, rank=notice.rank_name,
                 crossed=notice.to_index - notice.from_index)

    async def _promote(self, notice: RankNotice) -> None:
        level = notice.cytube_level or 0
        channel = self._channels.display(notice.channel)
        attempt = await self._promoter.promote(channel, notice.user, level)
        if attempt.outcome == "skipped":
            await self._store.settle_promotion(notice.id, "skipped")
            self._metrics.cytube_promotions.labels(notice.channel, "skipped").inc()
            return
        if attempt.outcome == "done":
            await self._store.settle_promotion(notice.id, "done")
            self._metrics.cytube_promotions.labels(notice.channel, "done").inc()
            await self._voice.notify(channel, notice.user,
                                     f"🎬 Your rank comes with CyTube level {level}: enjoy the shiny name!")
            await self._voice.announce(channel, "rank_up", user=notice.user, rank=f"CyTube Level {level}")
            return
        error = attempt.error
        if notice.attempts < len(PROMOTION_RETRY_MS):
            retry = to_ms(self._clock.now()) + PROMOTION_RETRY_MS[notice.attempts]
            await self._store.settle_promotion(notice.id, "pending", retry)
            log.warning("cytube_promotion_retry", user=notice.user, level=level, error=error,
                        attempt=notice.attempts + 1)
        else:
            await self._store.settle_promotion(notice.id, "failed")
            self._metrics.cytube_promotions.labels(notice.channel, "failed").inc()
            log.error("cytube_promotion_failed", user=notice.user, level=level, error=error)
