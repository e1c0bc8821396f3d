"""Journal retention: fold old per-minute rows into one row per account, trigger and UTC day.

The presence tick writes a journal row per user per minute (~84 KiB per user-day). After
``journal.rollup_after_days`` those rows are replaced, in one transaction per channel and day, by
rows holding the same sums, so ``balance == SUM(journal)`` still holds for every account and the
lifetime counters (kept on the accounts) are untouched. The SQL is in rollup_store.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from economy_shared.clock import Clock, to_ms, utc_day
from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger
from economy_shared.schedule import PeriodicJob

from .rollup_store import RollupStore

log = get_logger("economy.ledger.rollup")


@dataclass(frozen=True)
class Folded:
    channel: str
    day: date
    rows_folded: int
    rows_written: int


def day_bounds(day: date) -> tuple[int, int]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return to_ms(start), to_ms(start + timedelta(days=1))


def last_foldable_day(today: date, after_days: int) -> date:
    """The newest day whose rows may be folded: rows strictly older than ``after_days`` days."""
    return today - timedelta(days=after_days + 1)


class JournalRollup(PeriodicJob):
    """Hourly; its first run is in the background (a long backlog must not delay start-up)."""

    name = "journal-rollup"
    catch_up_in_start = False

    def __init__(
        self,
        store: RollupStore,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        poll_seconds: float = 3600.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(clock, poll_seconds, sleep)
        self._store = store
        self._config = config

    async def run_due(self) -> list[Folded]:
        cfg = self._config()
        settings = cfg.journal
        if settings.rollup_after_days <= 0 or not settings.rollup_triggers:
            return []
        newest = last_foldable_day(utc_day(self.clock.now()), settings.rollup_after_days)
        done = []
        for channel in cfg.channel_names():
            day = await self._store.first_unfolded(channel, list(settings.rollup_triggers))
            while day is not None and day <= newest:
                done.append(await self.fold(channel, day))
                await asyncio.sleep(0)  # let requests in between days
                day = day + timedelta(days=1)
        return done

    async def fold(self, channel: str, day: date) -> Folded:
        """Fold one channel's rows of ``day`` (idempotent)."""
        triggers = list(self._config().journal.rollup_triggers)
        counts = await self._store.fold_day(channel, day, day_bounds(day), triggers, to_ms(self.clock.now()))
        if counts.rows_folded:
            log.info("journal_rollup", channel=channel, day=day.isoformat(), rows_folded=counts.rows_folded,
                     rows_written=counts.rows_written)
        return Folded(channel, day, counts.rows_folded, counts.rows_written)
