"""SQL of the GIF approvals (the ``gif_approvals`` table, store.py migration 2) and the approved GIF's
``vanity_items`` row.

A GIF bought with ``buy gif <url>`` is one ``pending`` row; an admin moves it to ``approved`` or
``rejected`` with a conditional update (``WHERE status = 'pending'``), so two admins at once cannot
both resolve it (sprint5 §14 item 17). A rejected GIF's refund is ``owed`` in the same transaction and
``done`` once the ledger applied it (``failed`` if the ledger refused it for good).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import aiosqlite

from economy_shared.channels import channel_key
from economy_shared.db import Database
from economy_shared.users import user_key

GifStatus = Literal["pending", "approved", "rejected"]
RefundState = Literal["", "owed", "done", "failed"]
InTransaction = Callable[[aiosqlite.Connection], Awaitable[None]]


@dataclass(frozen=True)
class GifRow:
    id: int
    channel: str  # channel key
    user_key: str
    display: str
    url: str
    cost: int
    purchase_id: int | None
    status: GifStatus
    created_ms: int
    resolved_by: str
    resolved_ms: int | None
    refund_state: RefundState

    @classmethod
    def from_row(cls, r: Any) -> GifRow:
        return cls(r["id"], r["channel"], r["user_key"], r["display_name"], r["url"], r["cost"], r["purchase_id"],
                   r["status"], r["created_ms"], r["resolved_by"], r["resolved_ms"], r["refund_state"])


async def create_pending(conn: aiosqlite.Connection, channel: str, user: str, display: str, url: str, cost: int,
                         purchase_id: int | None, now_ms: int) -> int:
    """A new pending GIF (the shop's ``buy gif`` calls this inside its own transaction); returns its id.

    ``user`` is any spelling of the buyer (keyed case-folded), ``display`` the name shown to admins,
    ``cost`` what was charged (the amount a rejection refunds)."""
    cur = await conn.execute(
        """INSERT INTO gif_approvals (channel, user_key, display_name, url, cost, purchase_id, status, created_ms)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)""",
        (channel_key(channel), user_key(user), display.strip() or user.strip(), url, cost, purchase_id, now_ms),
    )
    if cur.lastrowid is None:
        raise RuntimeError("gif_approvals insert returned no id")
    return int(cur.lastrowid)


class ApprovalStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_pending(self, channel: str, user: str, display: str, url: str, cost: int,
                             purchase_id: int | None, now_ms: int) -> int:
        """``create_pending`` in a transaction of its own (tests, tools)."""
        async with self._db.transaction() as conn:
            return await create_pending(conn, channel, user, display, url, cost, purchase_id, now_ms)

    async def get(self, approval_id: int) -> GifRow | None:
        row = await self._db.fetchone("SELECT * FROM gif_approvals WHERE id = ?", (approval_id,))
        return GifRow.from_row(row) if row is not None else None

    async def pending(self, channel: str, limit: int = 200) -> list[GifRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM gif_approvals WHERE channel = ? AND status = 'pending' ORDER BY id LIMIT ?",
            (channel_key(channel), limit),
        )
        return [GifRow.from_row(r) for r in rows]

    async def pending_of(self, channel: str, user: str) -> list[GifRow]:
        """One user's pending GIFs, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM gif_approvals WHERE channel = ? AND status = 'pending' AND user_key = ? ORDER BY id",
            (channel_key(channel), user_key(user)),
        )
        return [GifRow.from_row(r) for r in rows]

    async def latest_resolved(self, channel: str, user: str) -> GifRow | None:
        """The user's most recently resolved GIF (to name who beat a second admin to it)."""
        row = await self._db.fetchone(
            """SELECT * FROM gif_approvals WHERE channel = ? AND user_key = ? AND status != 'pending'
               ORDER BY resolved_ms DESC, id DESC LIMIT 1""",
            (channel_key(channel), user_key(user)),
        )
        return GifRow.from_row(row) if row is not None else None

    async def resolve(self, approval_id: int, status: GifStatus, admin: str, now_ms: int,
                      refund_state: RefundState = "", also: InTransaction | None = None) -> bool:
        """Move a pending GIF to ``status``; False when it was not pending any more (someone else won).
        ``also`` runs in the same transaction, only for the winner (the approved GIF's vanity item)."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                """UPDATE gif_approvals SET status = ?, resolved_by = ?, resolved_ms = ?, refund_state = ?
                   WHERE id = ? AND status = 'pending'""",
                (status, admin, now_ms, refund_state, approval_id),
            )
            if cur.rowcount != 1:
                return False
            if also is not None:
                await also(conn)
            return True

    async def settle_refund(self, approval_id: int, state: Literal["done", "failed"]) -> bool:
        """``owed`` → ``done``/``failed``; False when it was settled already (the user is told once)."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE gif_approvals SET refund_state = ? WHERE id = ? AND refund_state = 'owed'",
                (state, approval_id),
            )
            return cur.rowcount == 1

    async def owed(self, limit: int = 100) -> list[GifRow]:
        rows = await self._db.fetchall(
            "SELECT * FROM gif_approvals WHERE refund_state = 'owed' ORDER BY id LIMIT ?", (limit,)
        )
        return [GifRow.from_row(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        """Pending GIFs and refunds owed, over every channel (health and tests)."""
        row = await self._db.fetchone(
            """SELECT SUM(status = 'pending') AS pending, SUM(refund_state = 'owed') AS owed FROM gif_approvals"""
        )
        return {"pending": int(row["pending"] or 0), "owed": int(row["owed"] or 0)} if row else {}
