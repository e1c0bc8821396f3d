"""Gambling storage: plays (claims, results, stats), challenges and heists, in one SQLite file.

A *play* is one user's part in one game. Inserting it is the claim: the cooldown and daily-limit
checks and the insert run in one ``BEGIN IMMEDIATE`` transaction, so two concurrent requests cannot
both pass (DECISIONS 15). A play is ``open`` while its money is in flight or in escrow, ``settled``
once the ledger has applied it (only settled plays count in stats), and ``void`` when the ledger
refused it or its stake was refunded (void plays free the cooldown and the daily allowance).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

import aiosqlite

from economy_shared.clock import day_str, to_ms
from economy_shared.db import Database
from economy_shared.stat_reports import STAT_DIRTY_TABLE, dirty_triggers
from economy_shared.users import user_key

MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE plays (
            id INTEGER PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL, user_key TEXT NOT NULL, display TEXT NOT NULL,
            game TEXT NOT NULL, day TEXT NOT NULL, at_ms INTEGER NOT NULL,
            wager INTEGER NOT NULL DEFAULT 0, payout INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled', 'void')),
            ref INTEGER,
            detail TEXT,
            settled_ms INTEGER
        )""",
        "CREATE INDEX plays_by_user ON plays(channel, user_key, game, day)",
        "CREATE INDEX plays_recent ON plays(channel, user_key, game, at_ms)",
        "CREATE INDEX plays_open ON plays(status, at_ms) WHERE status = 'open'",
        "CREATE INDEX plays_settled ON plays(channel, settled_ms)",
        """CREATE TABLE challenges (
            id INTEGER PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            challenger_key TEXT NOT NULL, challenger TEXT NOT NULL,
            target_key TEXT NOT NULL, target TEXT NOT NULL,
            wager INTEGER NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
            challenger_play INTEGER NOT NULL, target_play INTEGER,
            winner_key TEXT, rake INTEGER, prize INTEGER
        )""",
        "CREATE INDEX challenges_by_status ON challenges(status, expires_ms)",
        "CREATE INDEX challenges_by_target ON challenges(channel, target_key, status)",
        "CREATE INDEX challenges_by_challenger ON challenges(channel, challenger_key, status)",
        """CREATE TABLE heists (
            id INTEGER PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            initiator_key TEXT NOT NULL, initiator TEXT NOT NULL,
            wager INTEGER NOT NULL,
            multiplier REAL NOT NULL,
            status TEXT NOT NULL,
            outcome TEXT,
            created_ms INTEGER NOT NULL, deadline_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL
        )""",
        # One live heist per channel, enforced by SQLite rather than by a check-then-insert.
        "CREATE UNIQUE INDEX heists_one_live ON heists(channel) WHERE status IN ('opening', 'open', 'resolving')",
        "CREATE INDEX heists_by_status ON heists(status, deadline_ms)",
        """CREATE TABLE heist_members (
            heist_id INTEGER NOT NULL REFERENCES heists(id),
            user_key TEXT NOT NULL, display TEXT NOT NULL,
            play_id INTEGER NOT NULL, stake INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('escrowing', 'staked', 'void')),
            refund INTEGER NOT NULL DEFAULT 0,
            joined_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
            PRIMARY KEY (heist_id, user_key)
        )""",
    ],
    [  # 2: the ledger stores refusals, so a settlement attempt after a refused one needs its own key
        # (Duel.settle_key, Heist.resolve_key); round 0 keeps the key of version 1, so a settlement that
        # was in flight during the upgrade is replayed under the key it was first sent with.
        "ALTER TABLE challenges ADD COLUMN settle_round INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE heists ADD COLUMN settle_round INTEGER NOT NULL DEFAULT 0",
    ],
    [  # achievements (stat_reporter.py): a settled play marks its player dirty; everyone reports once
        STAT_DIRTY_TABLE,
        *dirty_triggers("plays", "new.status = 'settled'", ("INSERT",)),
        *dirty_triggers("plays", "new.status = 'settled' AND old.status <> 'settled'", ("UPDATE",)),
        "INSERT OR IGNORE INTO stat_dirty (channel, user_key, mark) "
        "SELECT DISTINCT channel, user_key, 0 FROM plays WHERE status = 'settled'",
    ],
]

T = TypeVar("T")
Extra = Callable[[aiosqlite.Connection, int], Awaitable[T]]


class ClaimRefused(Exception):
    """A cooldown or daily limit stopped the claim; nothing was written."""

    def __init__(self, reason: Literal["cooldown", "daily"], wait_seconds: int = 0, limit: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait_seconds = wait_seconds
        self.limit = limit


@dataclass(frozen=True)
class Claim:
    channel: str
    user: str  # display name
    game: str
    wager: int = 0
    payout: int = 0
    detail: dict[str, Any] | None = None
    ref: int | None = None
    cooldown_seconds: int = 0
    daily_limit: int | None = None


@dataclass(frozen=True)
class Play:
    id: int
    token: str
    channel: str
    user_key: str
    display: str
    game: str
    wager: int
    payout: int
    status: str
    ref: int | None
    detail: dict[str, Any]
    at_ms: int

    @classmethod
    def from_row(cls, r: Any) -> Play:
        return cls(
            r["id"], r["token"], r["channel"], r["user_key"], r["display"], r["game"], r["wager"], r["payout"],
            r["status"], r["ref"], json.loads(r["detail"]) if r["detail"] else {}, r["at_ms"],
        )

    @property
    def key(self) -> str:
        """The ledger idempotency key of a stand-alone play (spin, free spin, flip)."""
        return f"{self.game}:{self.token}"


async def link_play(conn: aiosqlite.Connection, play_id: int, ref: int) -> None:
    """Point a challenge or heist play at its game (the game row is written after the claim)."""
    await conn.execute("UPDATE plays SET ref=? WHERE id=?", (ref, play_id))


async def mark_play(conn: aiosqlite.Connection, play_id: int, status: str, now_ms: int,
                    payout: int | None = None) -> bool:
    """Move an open play to ``settled`` or ``void`` (inside the caller's transaction). True if it moved."""
    cur = await conn.execute(
        "UPDATE plays SET status=?, payout=COALESCE(?, payout), settled_ms=? WHERE id=? AND status='open'",
        (status, payout, now_ms, play_id),
    )
    return cur.rowcount == 1


class PlayStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, c: Claim, now: datetime, extra: Extra[T] | None = None) -> tuple[Play, T | None]:
        """Check cooldown and daily limit, insert the open play, then run ``extra`` — all in one transaction.

        ``extra(conn, play_id)`` writes the game's own state (a challenge, a heist seat); if it
        raises, the claim is rolled back with it.
        """
        key, now_ms, day, token = user_key(c.user), to_ms(now), day_str(now), uuid.uuid4().hex
        scope = (c.channel, key, c.game)
        async with self.db.transaction() as conn:
            if c.cooldown_seconds > 0:
                async with conn.execute(
                    "SELECT MAX(at_ms) FROM plays WHERE channel=? AND user_key=? AND game=? AND status!='void'", scope
                ) as cur:
                    row = await cur.fetchone()
                last = row[0] if row else None
                if last is not None and now_ms - last < c.cooldown_seconds * 1000:
                    wait = -(-(c.cooldown_seconds * 1000 - (now_ms - last)) // 1000)
                    raise ClaimRefused("cooldown", wait_seconds=int(wait))
            if c.daily_limit is not None:
                async with conn.execute(
                    "SELECT COUNT(*) FROM plays WHERE channel=? AND user_key=? AND game=? AND day=? "
                    "AND status!='void'",
                    (*scope, day),
                ) as cur:
                    row = await cur.fetchone()
                if row and row[0] >= c.daily_limit:
                    raise ClaimRefused("daily", limit=c.daily_limit)
            detail = json.dumps(c.detail, sort_keys=True, ensure_ascii=False) if c.detail else None
            cur = await conn.execute(
                "INSERT INTO plays (token, channel, user_key, display, game, day, at_ms, wager, payout, ref, detail) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (token, c.channel, key, c.user, c.game, day, now_ms, c.wager, c.payout, c.ref, detail),
            )
            play_id = int(cur.lastrowid or 0)
            result = await extra(conn, play_id) if extra is not None else None
        play = Play(play_id, token, c.channel, key, c.user, c.game, c.wager, c.payout, "open", c.ref,
                    c.detail or {}, now_ms)
        return play, result

    async def mark(self, play_id: int, status: str, now: datetime, payout: int | None = None) -> bool:
        async with self.db.transaction() as conn:
            return await mark_play(conn, play_id, status, to_ms(now), payout)

    async def stale_open(self, before_ms: int) -> list[Play]:
        """Stand-alone plays (no challenge or heist) still open: their ledger outcome is unknown."""
        rows = await self.db.fetchall(
            "SELECT * FROM plays WHERE status='open' AND game IN ('spin', 'free_spin', 'flip') AND at_ms <= ? "
            "ORDER BY id",
            (before_ms,),
        )
        return [Play.from_row(r) for r in rows]

    async def user_games(self, channel: str, key: str) -> dict[str, dict[str, int]]:
        rows = await self.db.fetchall(
            """SELECT game, COUNT(*) AS plays, SUM(wager) AS wagered, SUM(payout) AS paid,
                      MAX(payout - wager) AS best, MIN(payout - wager) AS worst
               FROM plays WHERE channel=? AND user_key=? AND status='settled' GROUP BY game""",
            (channel, key),
        )
        return {r["game"]: {k: int(r[k] or 0) for k in ("plays", "wagered", "paid", "best", "worst")} for r in rows}

    async def house(self, channel: str) -> dict[str, dict[str, int]]:
        rows = await self.db.fetchall(
            """SELECT game, COUNT(*) AS plays, COUNT(DISTINCT user_key) AS players,
                      SUM(wager) AS wagered, SUM(payout) AS paid
               FROM plays WHERE channel=? AND status='settled' GROUP BY game""",
            (channel,),
        )
        return {r["game"]: {k: int(r[k] or 0) for k in ("plays", "players", "wagered", "paid")} for r in rows}

    async def active_gamblers(self, channel: str, since_ms: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(DISTINCT user_key) FROM plays WHERE channel=? AND status='settled' AND settled_ms >= ?",
            (channel, since_ms),
        )
        return int(row[0]) if row else 0
