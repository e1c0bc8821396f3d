"""Media storage: queue requests, which are also the claims on the cooldown and the daily allowance.

A request is written *before* its money moves (its ledger keys come from its token), so a restart
finds every request whose charge, robot answer or refund was in flight (DECISIONS 19):

``charging`` → (``void`` | ``awaiting_approval`` | ``adding``) → (``completed`` | ``refunding`` → ``refunded``)

Inserting the request is the claim: the cooldown and daily-allowance checks and the insert run in one
``BEGIN IMMEDIATE`` transaction, so two concurrent requests of one user cannot both pass. Requests in
``charging``, ``awaiting_approval``, ``adding`` and ``completed`` count toward the limits; ``void``,
``refunding`` and ``refunded`` give their slot back. Every status change is conditional on the
status it leaves, so exactly one path can finish a request.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import aiosqlite

from economy_shared.clock import day_str, to_ms
from economy_shared.db import Database
from economy_shared.schemas.media import MediaAction, RequestStatus
from economy_shared.users import user_key

from .limits import Usage

MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL, display TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('queue', 'playnext', 'forcenow')),
            media_id TEXT NOT NULL, title TEXT NOT NULL, duration INTEGER NOT NULL,
            cytube_type TEXT NOT NULL, cytube_id TEXT NOT NULL,
            tier TEXT NOT NULL, base_cost INTEGER NOT NULL, discount INTEGER NOT NULL, cost INTEGER NOT NULL,
            rank_name TEXT NOT NULL DEFAULT '',
            needs_approval INTEGER NOT NULL DEFAULT 0,
            client_ref TEXT,
            day TEXT NOT NULL, at_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('charging', 'awaiting_approval', 'adding', 'completed',
                                                   'refunding', 'refunded', 'void')),
            balance INTEGER,
            uid TEXT,
            played_now INTEGER NOT NULL DEFAULT 0,
            error_code TEXT, error TEXT,
            refund_reason TEXT,
            resolved_by TEXT, resolved_ms INTEGER
        )""",
        "CREATE UNIQUE INDEX requests_client_ref ON requests(channel, client_ref) WHERE client_ref IS NOT NULL",
        "CREATE INDEX requests_usage ON requests(channel, user_key, day)",
        "CREATE INDEX requests_recent ON requests(channel, user_key, at_ms)",
        "CREATE INDEX requests_open ON requests(status, updated_ms) "
        "WHERE status IN ('charging', 'adding', 'refunding')",
        "CREATE INDEX requests_approvals ON requests(channel, status, id) WHERE status = 'awaiting_approval'",
    ],
]

Status = Literal["charging", "awaiting_approval", "adding", "completed", "refunding", "refunded", "void"]
COUNTED: tuple[Status, ...] = ("charging", "awaiting_approval", "adding", "completed")
IN_FLIGHT: tuple[Status, ...] = ("charging", "adding", "refunding")
_PUBLIC: dict[str, RequestStatus] = {
    "charging": "pending", "adding": "pending", "awaiting_approval": "awaiting_approval", "completed": "queued",
    "refunding": "refunding", "refunded": "refunded", "void": "refused",
}
_FIELDS = frozenset({"balance", "uid", "played_now", "error_code", "error", "refund_reason", "resolved_by",
                     "resolved_ms"})


class ClaimRefused(Exception):
    """The cooldown or the day's allowance stopped the claim; nothing was written."""

    def __init__(self, reason: Literal["cooldown", "daily"], usage: Usage) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage


class DuplicateRef(Exception):
    """A request with this ``client_ref`` already exists (an idempotent retry of a caller)."""


@dataclass(frozen=True)
class NewRequest:
    channel: str  # channel key
    user: str  # display name
    action: MediaAction
    media_id: str
    title: str
    duration: int
    cytube_type: str
    cytube_id: str
    tier: str
    base_cost: int
    discount: int
    cost: int
    rank_name: str
    needs_approval: bool
    client_ref: str | None = None


@dataclass(frozen=True)
class MediaRequest:
    id: int
    token: str
    channel: str
    user_key: str
    display: str
    action: MediaAction
    media_id: str
    title: str
    duration: int
    cytube_type: str
    cytube_id: str
    tier: str
    base_cost: int
    discount: int
    cost: int
    rank_name: str
    needs_approval: bool
    client_ref: str | None
    at_ms: int
    updated_ms: int
    status: Status
    balance: int | None
    uid: int | str | None
    played_now: bool
    error_code: str | None
    error: str | None
    refund_reason: str | None
    resolved_by: str | None

    @classmethod
    def from_row(cls, r: Any) -> MediaRequest:
        uid = r["uid"]
        return cls(
            r["id"], r["token"], r["channel"], r["user_key"], r["display"], r["action"], r["media_id"], r["title"],
            r["duration"], r["cytube_type"], r["cytube_id"], r["tier"], r["base_cost"], r["discount"], r["cost"],
            r["rank_name"], bool(r["needs_approval"]), r["client_ref"], r["at_ms"], r["updated_ms"], r["status"],
            r["balance"], int(uid) if isinstance(uid, str) and uid.isdigit() else uid, bool(r["played_now"]),
            r["error_code"], r["error"], r["refund_reason"], r["resolved_by"],
        )

    @property
    def public_status(self) -> RequestStatus:
        return _PUBLIC[self.status]


class RequestStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def usage(self, channel: str, user: str, now: datetime) -> Usage:
        """An advisory read (previews, early refusals); ``claim`` checks again inside its transaction."""
        return await _usage(self.db.conn, channel, user_key(user), day_str(now))

    async def claim(self, new: NewRequest, now: datetime, allowance: int, cooldown_seconds: int) -> MediaRequest:
        """Check the cooldown and the day's allowance and insert the request, in one transaction.

        Raises ``ClaimRefused`` (nothing written) or ``DuplicateRef`` (the caller's ref exists).
        """
        key, now_ms, day = user_key(new.user), to_ms(now), day_str(now)
        async with self.db.transaction() as conn:
            if new.client_ref is not None:
                async with conn.execute("SELECT 1 FROM requests WHERE channel=? AND client_ref=?",
                                        (new.channel, new.client_ref)) as cur:
                    if await cur.fetchone() is not None:
                        raise DuplicateRef(new.client_ref)
            usage = await _usage(conn, new.channel, key, day)
            if cooldown_seconds > 0 and usage.last_ms is not None and now_ms - usage.last_ms < cooldown_seconds * 1000:
                raise ClaimRefused("cooldown", usage)
            if usage.today >= allowance:
                raise ClaimRefused("daily", usage)
            cur = await conn.execute(
                "INSERT INTO requests (token, channel, user_key, display, action, media_id, title, duration, "
                "cytube_type, cytube_id, tier, base_cost, discount, cost, rank_name, needs_approval, client_ref, day, "
                "at_ms, updated_ms, status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'charging')",
                (uuid.uuid4().hex, new.channel, key, new.user, new.action, new.media_id, new.title, new.duration,
                 new.cytube_type, new.cytube_id, new.tier, new.base_cost, new.discount, new.cost, new.rank_name,
                 1 if new.needs_approval else 0, new.client_ref, day, now_ms, now_ms),
            )
            row_id = int(cur.lastrowid or 0)
            async with conn.execute("SELECT * FROM requests WHERE id=?", (row_id,)) as cur2:
                row = await cur2.fetchone()
        return MediaRequest.from_row(row)

    async def get(self, request_id: int) -> MediaRequest | None:
        row = await self.db.fetchone("SELECT * FROM requests WHERE id=?", (request_id,))
        return MediaRequest.from_row(row) if row else None

    async def by_ref(self, channel: str, client_ref: str) -> MediaRequest | None:
        row = await self.db.fetchone("SELECT * FROM requests WHERE channel=? AND client_ref=?", (channel, client_ref))
        return MediaRequest.from_row(row) if row else None

    async def move(self, request_id: int, leaving: Iterable[Status], to: Status, now: datetime,
                   **fields: Any) -> MediaRequest | None:
        """Move the request to ``to`` if it is in one of ``leaving``; the updated request, or None if it was not."""
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(f"unknown request fields: {sorted(unknown)}")
        states = tuple(leaving)
        values = [str(v) if k == "uid" and v is not None else v for k, v in fields.items()]
        sets = "".join(f", {k}=?" for k in fields)
        marks = ",".join("?" for _ in states)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE requests SET status=?, updated_ms=?{sets} WHERE id=? AND status IN ({marks})",
                (to, to_ms(now), *values, request_id, *states),
            )
            if cur.rowcount != 1:
                return None
            async with conn.execute("SELECT * FROM requests WHERE id=?", (request_id,)) as cur2:
                row = await cur2.fetchone()
        return MediaRequest.from_row(row)

    async def in_flight(self, updated_before_ms: int) -> list[MediaRequest]:
        """Requests whose charge, robot answer or refund is unconfirmed, not touched since ``updated_before_ms``."""
        rows = await self.db.fetchall(
            "SELECT * FROM requests WHERE status IN ('charging', 'adding', 'refunding') AND updated_ms <= ? "
            "ORDER BY id",
            (updated_before_ms,),
        )
        return [MediaRequest.from_row(r) for r in rows]

    async def awaiting_approval(self, channel: str) -> list[MediaRequest]:
        rows = await self.db.fetchall(
            "SELECT * FROM requests WHERE channel=? AND status='awaiting_approval' ORDER BY id", (channel,)
        )
        return [MediaRequest.from_row(r) for r in rows]

    async def open_counts(self) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM requests WHERE status IN "
            "('charging', 'adding', 'awaiting_approval', 'refunding') GROUP BY status"
        )
        return {r["status"]: int(r["n"]) for r in rows}


async def _usage(conn: aiosqlite.Connection, channel: str, key: str, day: str) -> Usage:
    marks = ",".join("?" for _ in COUNTED)
    async with conn.execute(
        f"SELECT MAX(at_ms) FROM requests WHERE channel=? AND user_key=? AND status IN ({marks})",
        (channel, key, *COUNTED),
    ) as cur:
        row = await cur.fetchone()
    last = row[0] if row else None
    async with conn.execute(
        f"SELECT COUNT(*) FROM requests WHERE channel=? AND user_key=? AND day=? AND status IN ({marks})",
        (channel, key, day, *COUNTED),
    ) as cur:
        row = await cur.fetchone()
    return Usage(today=int(row[0]) if row else 0, last_ms=int(last) if last is not None else None)
