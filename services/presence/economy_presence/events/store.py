"""Earning events in presence's database: every ad-hoc and scheduled event, its window and whether its
end was told. A scheduled event's row is unique per (channel, name, start), so a restart inside its
window finds it running and never starts (or pays its presence bonus) twice; the bonus's owed rows are
written in the same transaction as the event row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from economy_shared.db import Database

from ..timed.owed import Owed
from ..timed.store import TimedTx


@dataclass(frozen=True)
class EventRow:
    id: int
    channel: str
    kind: str  # "adhoc" | "scheduled"
    name: str
    multiplier: Decimal
    starts_ms: int
    ends_ms: int
    started_by: str = ""
    hidden: bool = False
    announce: bool = True


class EventStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def open_rows(self) -> list[EventRow]:
        """Every event whose end has not been told yet (running, or ended while we were down)."""
        rows = await self.db.fetchall("SELECT * FROM earning_events WHERE end_told = 0 ORDER BY starts_ms, id")
        return [
            EventRow(r["id"], r["channel"], r["kind"], r["name"], Decimal(r["multiplier"]), r["starts_ms"],
                     r["ends_ms"], r["started_by"], bool(r["hidden"]), bool(r["announce"]))
            for r in rows
        ]

    async def start(
        self, channel: str, kind: str, name: str, multiplier: Decimal, starts_ms: int, ends_ms: int, *,
        started_by: str = "", hidden: bool = False, announce: bool = True, owed: Sequence[Owed] = (),
        now_ms: int = 0, only_if_none_running: bool = False,
    ) -> int | None:
        """Insert the event (and its presence-bonus owed rows) in one transaction.

        Returns the new row id, or None when it already existed (same channel, kind, name and start)
        or, with ``only_if_none_running``, when an event of this kind is still running in the channel.
        """
        async with self.db.transaction() as conn:
            if only_if_none_running:
                cur = await conn.execute(
                    "SELECT 1 FROM earning_events WHERE channel=? AND kind=? AND ends_ms > ? AND stopped_by IS NULL",
                    (channel, kind, now_ms),
                )
                if await cur.fetchone() is not None:
                    return None
            cur = await conn.execute(
                "INSERT OR IGNORE INTO earning_events (channel, kind, name, multiplier, starts_ms, ends_ms, "
                "started_by, hidden, announce) VALUES (?,?,?,?,?,?,?,?,?)",
                (channel, kind, name, str(multiplier), starts_ms, ends_ms, started_by, int(hidden), int(announce)),
            )
            if cur.rowcount != 1:
                return None
            new_id = cur.lastrowid
            if kind == "scheduled":  # a new window of a recurring event ends the previous one (never both)
                await conn.execute(
                    "UPDATE earning_events SET ends_ms=?, end_told=1 WHERE channel=? AND kind=? AND name=? "
                    "AND id != ? AND ends_ms > ?",
                    (starts_ms, channel, kind, name, new_id, starts_ms),
                )
            if owed:
                await TimedTx(conn, channel).add_owed(owed, now_ms)
            return new_id

    async def stop(self, event_id: int, at_ms: int, by: str) -> bool:
        """End a running event now (its end is told by the caller). False if it had already ended."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE earning_events SET ends_ms=?, stopped_by=?, end_told=1 WHERE id=? AND ends_ms > ? "
                "AND end_told=0",
                (at_ms, by, event_id, at_ms),
            )
            return cur.rowcount == 1

    async def mark_told(self, event_ids: Sequence[int]) -> None:
        if event_ids:
            async with self.db.transaction() as conn:
                await conn.executemany("UPDATE earning_events SET end_told=1 WHERE id=?", [(i,) for i in event_ids])

    async def prune(self, before_ms: int) -> None:
        """Forget events that ended and were told long ago."""
        await self.db.execute("DELETE FROM earning_events WHERE end_told=1 AND ends_ms < ?", (before_ms,))
