"""Presence storage: users seen, live sessions (for restart continuity), carries, daily minutes, and the
ledger requests that got no answer (kept with their exact body until the ledger answers).

``MIGRATIONS`` lives in ``migrations.py``; it is re-exported here for the shared migration test.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from economy_shared.db import Database

from .migrations import MIGRATIONS

__all__ = ["MIGRATIONS", "KeptRequest", "PresenceStore", "TickRecord"]


@dataclass(frozen=True)
class KeptRequest:
    """A ledger request that got no answer: re-sent later with this very key and body (a PostItem's JSON)."""

    channel: str
    key: str
    source: str  # the metrics label of the money in it (presence, rain, chat …)
    body: str


@dataclass(frozen=True)
class TickRecord:
    """Everything one tick of one channel writes, in one transaction."""

    channel: str
    at_ms: int
    day: str
    carries: dict[str, int]  # user key -> milli-Z below one whole Z
    source: str
    minutes: list[tuple[str, int]]  # (user key, 1 if active else 0)
    kept: list[KeptRequest]  # this tick's requests that got no answer
    slot: int | None = None  # the scheduled slot; None for a manual tick
    manual: int | None = None  # the manual tick's number; None for a scheduled tick


class PresenceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def last_seen_all(self, channel: str) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT user_key, last_seen_ms FROM users WHERE channel=?", (channel,))
        return {r["user_key"]: r["last_seen_ms"] for r in rows}

    async def sessions(self, channel: str) -> list[dict[str, Any]]:
        rows = await self.db.fetchall("SELECT * FROM sessions WHERE channel=?", (channel,))
        return [dict(r) for r in rows]

    async def last_tick(self, channel: str) -> tuple[int, int] | None:
        row = await self.db.fetchone("SELECT last_slot, last_tick_ms FROM channel_ticks WHERE channel=?", (channel,))
        return (row["last_slot"], row["last_tick_ms"]) if row else None

    async def manual_ticks(self, channel: str) -> int:
        row = await self.db.fetchone("SELECT manual_ticks FROM channel_ticks WHERE channel=?", (channel,))
        return int(row["manual_ticks"]) if row else 0

    async def carries(self, channel: str, source: str) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT user_key, milli FROM carries WHERE channel=? AND source=?", (channel, source)
        )
        return {r["user_key"]: r["milli"] for r in rows}

    async def minutes_on(self, channel: str, user_key: str, day: str) -> int:
        row = await self.db.fetchone(
            "SELECT minutes FROM daily_presence WHERE channel=? AND user_key=? AND day=?", (channel, user_key, day)
        )
        return int(row["minutes"]) if row else 0

    async def record_sessions(
        self,
        channel: str,
        joined: Iterable[tuple[str, str, int, bool, int]],
        left: Iterable[tuple[str, int]],
    ) -> None:
        """Persist joins ``(key, display, started_ms, afk, rank)`` and leaves ``(key, left_ms)``."""
        joined, left = list(joined), list(left)
        if not joined and not left:
            return
        async with self.db.transaction() as conn:
            if joined:
                await conn.executemany(
                    "INSERT INTO sessions (channel, user_key, display, started_ms, afk, rank) VALUES (?,?,?,?,?,?) "
                    "ON CONFLICT(channel, user_key) DO UPDATE SET display=excluded.display, afk=excluded.afk, "
                    "rank=excluded.rank",
                    [(channel, k, d, s, int(a), r) for k, d, s, a, r in joined],
                )
                await conn.executemany(
                    "INSERT INTO users (channel, user_key, display, first_seen_ms, last_seen_ms) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(channel, user_key) DO UPDATE SET display=excluded.display, "
                    "last_seen_ms=MAX(last_seen_ms, excluded.last_seen_ms)",
                    [(channel, k, d, s, s) for k, d, s, _a, _r in joined],
                )
            if left:
                await conn.executemany(
                    "DELETE FROM sessions WHERE channel=? AND user_key=?", [(channel, k) for k, _ in left]
                )
                await conn.executemany(
                    "UPDATE users SET last_seen_ms=MAX(last_seen_ms, ?) WHERE channel=? AND user_key=?",
                    [(ms, channel, k) for k, ms in left],
                )

    async def commit_tick(self, tick: TickRecord) -> None:
        """One transaction per tick: the new carries, everyone's minute, unanswered requests, the tick marker."""
        channel = tick.channel
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO carries (channel, user_key, source, milli) VALUES (?,?,?,?) "
                "ON CONFLICT(channel, user_key, source) DO UPDATE SET milli=excluded.milli",
                [(channel, k, tick.source, m) for k, m in tick.carries.items()],
            )
            await conn.executemany(
                "INSERT INTO daily_presence (channel, user_key, day, minutes, active_minutes) VALUES (?,?,?,1,?) "
                "ON CONFLICT(channel, user_key, day) DO UPDATE SET minutes=minutes+1, "
                "active_minutes=active_minutes+excluded.active_minutes",
                [(channel, k, tick.day, active) for k, active in tick.minutes],
            )
            await _keep(conn, tick.kept, tick.at_ms)
            await conn.execute(
                "INSERT INTO channel_ticks (channel, last_slot, last_tick_ms) VALUES (?,?,?) "
                "ON CONFLICT(channel) DO NOTHING",
                (channel, tick.slot if tick.slot is not None else -1, tick.at_ms),
            )
            if tick.slot is not None:
                await conn.execute(
                    "UPDATE channel_ticks SET last_slot=?, last_tick_ms=? WHERE channel=?",
                    (tick.slot, tick.at_ms, channel),
                )
            if tick.manual is not None:
                await conn.execute("UPDATE channel_ticks SET manual_ticks=? WHERE channel=?", (tick.manual, channel))

    # ---- ledger requests that got no answer ---------------------------------------------------------
    async def keep(self, kept: Sequence[KeptRequest], now_ms: int) -> None:
        if kept:
            async with self.db.transaction() as conn:
                await _keep(conn, kept, now_ms)

    async def kept(self) -> list[KeptRequest]:
        rows = await self.db.fetchall("SELECT channel, idem_key, source, body FROM unanswered ORDER BY created_ms")
        return [KeptRequest(r["channel"], r["idem_key"], r["source"], r["body"]) for r in rows]

    async def settle_kept(self, answered: Sequence[KeptRequest], unanswered: Sequence[KeptRequest]) -> None:
        """Forget requests the ledger answered; count another attempt for the rest."""
        if not answered and not unanswered:
            return
        async with self.db.transaction() as conn:
            await conn.executemany(
                "DELETE FROM unanswered WHERE channel=? AND idem_key=?", [(k.channel, k.key) for k in answered]
            )
            await conn.executemany(
                "UPDATE unanswered SET attempts=attempts+1 WHERE channel=? AND idem_key=?",
                [(k.channel, k.key) for k in unanswered],
            )


async def _keep(conn: Any, kept: Sequence[KeptRequest], now_ms: int) -> None:
    """The first body kept under a key wins: a key is only ever re-sent with the body first sent."""
    await conn.executemany(
        "INSERT OR IGNORE INTO unanswered (channel, idem_key, source, body, created_ms) VALUES (?,?,?,?,?)",
        [(k.channel, k.key, k.source, k.body, now_ms) for k in kept],
    )
