"""Journal retention: fold old per-minute rows into one row per account, trigger and UTC day.

The presence tick writes a journal row per user per minute (~84 KiB per user-day). After
``journal.rollup_after_days`` those rows are replaced, in one transaction per channel and day, by
rows holding the same sums, so ``balance == SUM(journal)`` still holds for every account and the
lifetime counters (kept on the accounts) are untouched. A fold is idempotent: its day is recorded
under the request key ``rollup:<channel>:<day>``, so a crash or a second run changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from economy_shared.clock import to_ms, utc_day
from economy_shared.schedule import PeriodicJob

if TYPE_CHECKING:
    from .service import LedgerService


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
        service: LedgerService,
        poll_seconds: float = 3600.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(service.clock, poll_seconds, sleep)
        self.service = service

    async def run_due(self) -> list[Folded]:
        settings = self.service.config.journal
        if settings.rollup_after_days <= 0 or not settings.rollup_triggers:
            return []
        newest = last_foldable_day(utc_day(self.service.clock.now()), settings.rollup_after_days)
        done = []
        for channel in self.service.config.channel_names():
            day = await self._first_unfolded(channel.casefold(), settings.rollup_triggers)
            while day is not None and day <= newest:
                done.append(await self.fold(channel, day))
                await asyncio.sleep(0)  # let requests in between days
                day = day + timedelta(days=1)
        return done

    async def _first_unfolded(self, chan: str, triggers: list[str]) -> date | None:
        db = self.service.database
        row = await db.fetchone("SELECT MAX(day) AS day FROM journal_rollups WHERE channel=?", (chan,))
        if row and row["day"]:
            return date.fromisoformat(row["day"]) + timedelta(days=1)
        marks = ",".join("?" * len(triggers))
        row = await db.fetchone(
            f"SELECT MIN(j.created_ms) AS first FROM journal j JOIN accounts a ON a.id = j.account_id "
            f"WHERE a.channel=? AND j.trigger_id IN ({marks})",
            (chan, *triggers),
        )
        if not row or row["first"] is None:
            return None
        return datetime.fromtimestamp(row["first"] / 1000, tz=UTC).date()

    async def fold(self, channel: str, day: date) -> Folded:
        """Fold one channel's rows of ``day`` (idempotent)."""
        chan = channel.casefold()
        triggers = list(self.service.config.journal.rollup_triggers)
        marks = ",".join("?" * len(triggers))
        start, end = day_bounds(day)
        now_ms = to_ms(self.service.clock.now())
        key = f"rollup:{chan}:{day.isoformat()}"
        where = (
            f"j.created_ms >= ? AND j.created_ms < ? AND j.trigger_id IN ({marks}) "
            f"AND j.account_id IN (SELECT id FROM accounts WHERE channel=?)"
        )
        params = (start, end, *triggers, chan)
        async with self.service.database.transaction() as conn:
            async with conn.execute("SELECT 1 FROM requests WHERE channel=? AND idem_key=?", (chan, key)) as cur:
                if await cur.fetchone() is not None:
                    return Folded(channel, day, 0, 0)
            async with conn.execute("SELECT COALESCE(MAX(id), 0) FROM journal") as cur:
                max_id = int((await cur.fetchone())[0])
            async with conn.execute(
                f"SELECT j.account_id, j.trigger_id, j.kind, SUM(j.amount) AS total, COUNT(*) AS n "
                f"FROM journal j WHERE {where} GROUP BY j.account_id, j.trigger_id, j.kind",
                params,
            ) as cur:
                groups = list(await cur.fetchall())
            folded = sum(int(g["n"]) for g in groups)
            kept = [g for g in groups if int(g["total"]) != 0]
            if folded:
                await self._replace(conn, chan, key, folded, kept, start, now_ms, where, (max_id, *params))
            await conn.execute(
                "INSERT INTO journal_rollups (channel, day, rows_folded, rows_written, ran_ms) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(channel, day) DO NOTHING",
                (chan, day.isoformat(), folded, len(kept), now_ms),
            )
        if folded:
            self.service.log.info("journal_rollup", channel=channel, day=day.isoformat(), rows_folded=folded,
                                  rows_written=len(kept))
        return Folded(channel, day, folded, len(kept))

    @staticmethod
    async def _replace(
        conn: Any, chan: str, key: str, folded: int, kept: list[Any], start: int, now_ms: int, where: str,
        params: tuple[Any, ...],
    ) -> None:
        """Write the day's sums and delete the rows they replace (inside the caller's transaction)."""
        cur = await conn.execute(
            "INSERT INTO requests (channel, idem_key, body_hash, result, created_ms) VALUES (?, ?, ?, ?, ?)",
            (chan, key, "rollup", f'{{"rows_folded": {folded}}}', now_ms),
        )
        request_id = cur.lastrowid
        await conn.executemany(
            "INSERT INTO journal (account_id, request_id, amount, kind, trigger_id, reason, created_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (g["account_id"], request_id, int(g["total"]), g["kind"], g["trigger_id"],
                 f"rollup of {g['n']} rows", start)
                for g in kept
            ],
        )
        await conn.execute(f"DELETE FROM journal AS j WHERE j.id <= ? AND {where}", params)
