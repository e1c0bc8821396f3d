"""Presence storage: users seen, live sessions (for restart continuity), carries and daily minutes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from economy_shared.db import Database
from economy_shared.schemas.ledger import PostItem

from .chat import MIGRATION as CHAT_MIGRATION
from .timed import MIGRATION as TIMED_MIGRATION

MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE users (
            channel TEXT NOT NULL, user_key TEXT NOT NULL, display TEXT NOT NULL,
            first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, user_key)
        ) WITHOUT ROWID""",
        """CREATE TABLE sessions (
            channel TEXT NOT NULL, user_key TEXT NOT NULL, display TEXT NOT NULL,
            started_ms INTEGER NOT NULL, afk INTEGER NOT NULL DEFAULT 0, rank INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (channel, user_key)
        ) WITHOUT ROWID""",
        """CREATE TABLE channel_ticks (
            channel TEXT PRIMARY KEY, last_slot INTEGER NOT NULL, last_tick_ms INTEGER NOT NULL
        )""",
        """CREATE TABLE carries (
            channel TEXT NOT NULL, user_key TEXT NOT NULL, source TEXT NOT NULL, milli INTEGER NOT NULL,
            PRIMARY KEY (channel, user_key, source)
        ) WITHOUT ROWID""",
        """CREATE TABLE daily_presence (
            channel TEXT NOT NULL, user_key TEXT NOT NULL, day TEXT NOT NULL,
            minutes INTEGER NOT NULL DEFAULT 0, active_minutes INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (channel, user_key, day)
        ) WITHOUT ROWID""",
    ],
    TIMED_MIGRATION,  # 2: streaks, milestones, bridge, rain schedule, welcome back
    CHAT_MIGRATION,  # 3: trigger cooldowns, caps, daily activity, analytics
    [  # 4: tick credits the ledger did not answer, kept with their exact key and body until it does
        """CREATE TABLE pending_posts (
            channel TEXT NOT NULL, idem_key TEXT NOT NULL, body TEXT NOT NULL, created_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, idem_key)
        ) WITHOUT ROWID""",
    ],
]


class PresenceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def last_seen_all(self, channel: str) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT user_key, last_seen_ms FROM users WHERE channel=?", (channel,))
        return {r["user_key"]: r["last_seen_ms"] for r in rows}

    async def sessions(self, channel: str) -> list[dict[str, Any]]:
        rows = await self.db.fetchall("SELECT * FROM sessions WHERE channel=?", (channel,))
        return [dict(r) for r in rows]

    async def pending_posts(self, channel: str) -> list[PostItem]:
        """Credits sent but never answered, oldest first: re-sent as they are (same key, same body)."""
        rows = await self.db.fetchall(
            "SELECT body FROM pending_posts WHERE channel=? ORDER BY created_ms, idem_key", (channel,)
        )
        return [PostItem.model_validate_json(r["body"]) for r in rows]

    async def drop_pending(self, channel: str, keys: Iterable[str]) -> None:
        async with self.db.transaction() as conn:
            await conn.executemany(
                "DELETE FROM pending_posts WHERE channel=? AND idem_key=?", [(channel, k) for k in keys]
            )

    async def last_tick(self, channel: str) -> tuple[int, int] | None:
        row = await self.db.fetchone("SELECT last_slot, last_tick_ms FROM channel_ticks WHERE channel=?", (channel,))
        return (row["last_slot"], row["last_tick_ms"]) if row else None

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

    async def commit_tick(
        self,
        channel: str,
        slot: int,
        at_ms: int,
        day: str,
        carries: dict[str, int],
        source: str,
        minutes: Iterable[tuple[str, int]],
        pending: Iterable[PostItem] = (),
    ) -> None:
        """One transaction per tick: the new carries, everyone's minute, unanswered credits, the tick marker."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO pending_posts (channel, idem_key, body, created_ms) VALUES (?,?,?,?) "
                "ON CONFLICT(channel, idem_key) DO NOTHING",
                [(channel, item.idempotency_key, item.model_dump_json(), at_ms) for item in pending],
            )
            await conn.executemany(
                "INSERT INTO carries (channel, user_key, source, milli) VALUES (?,?,?,?) "
                "ON CONFLICT(channel, user_key, source) DO UPDATE SET milli=excluded.milli",
                [(channel, k, source, m) for k, m in carries.items()],
            )
            await conn.executemany(
                "INSERT INTO daily_presence (channel, user_key, day, minutes, active_minutes) VALUES (?,?,?,1,?) "
                "ON CONFLICT(channel, user_key, day) DO UPDATE SET minutes=minutes+1, "
                "active_minutes=active_minutes+excluded.active_minutes",
                [(channel, k, day, active) for k, active in minutes],
            )
            await conn.execute(
                "INSERT INTO channel_ticks (channel, last_slot, last_tick_ms) VALUES (?,?,?) "
                "ON CONFLICT(channel) DO UPDATE SET last_slot=excluded.last_slot, last_tick_ms=excluded.last_tick_ms",
                (channel, slot, at_ms),
            )
