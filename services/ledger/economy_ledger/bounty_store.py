"""SQL for bounties: each state change and its money in ONE ledger transaction (DECISIONS 4, 6).

``create`` inserts the row and applies the escrow request together (the open limit is counted in the
same transaction, so concurrent creates cannot pass it together); ``resolve`` flips an open row with a
conditional UPDATE (``WHERE status='open'``; rowcount 1 or nothing else happens) and applies the
payout or refund in the same transaction. A ledger refusal rolls the row change back, so nothing
changes at all. The postings go through ``LedgerStore.apply_in``, the one posting path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.db import Database
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.schemas.ledger import PostRequest, PostResult
from economy_shared.users import user_key

from .bounty_rules import BountyRefusal
from .store import LedgerStore

_COLUMNS = ("id, channel, creator_key, creator, description, amount, status, winner, created_ms, expires_ms, "
            "resolved_by, resolved_ms")


class _BountyRollback(Exception):
    def __init__(self, outcome: BountyRefusal | ServiceError) -> None:
        super().__init__("rollback")
        self.outcome = outcome


@dataclass(frozen=True)
class Created:
    bounty: dict[str, Any]
    result: PostResult
    replayed: bool


@dataclass(frozen=True)
class Resolved:
    bounty: dict[str, Any]  # the row as it was before the change (status 'open')
    result: PostResult


class BountyStore:
    def __init__(self, db: Database, ledger: LedgerStore) -> None:
        self._db = db
        self._ledger = ledger

    async def account(self, channel: str, name: str) -> dict[str, Any] | None:
        return await self._ledger.account(channel, name)

    async def create(self, channel: str, key: str, creator: str, description: str, amount: int, now_ms: int,
                     expires_at_ms: int, max_open: int,
                     check_open: Callable[[int, int], BountyRefusal | None],
                     request: Callable[[int], PostRequest]) -> Created | BountyRefusal | ServiceError:
        """Insert + escrow together; the same ``key`` again returns the first bounty (replayed)."""
        chan = channel_key(channel)
        try:
            async with self._db.transaction() as conn:
                prior = await _one(conn, f"SELECT {_COLUMNS} FROM bounties WHERE channel=? AND create_key=?",
                                   (chan, key))
                if prior is not None:
                    return Created(prior, PostResult(replayed=True), replayed=True)
                async with conn.execute(
                    "SELECT COUNT(*) FROM bounties WHERE channel=? AND creator_key=? AND status='open'",
                    (chan, user_key(creator)),
                ) as cur:
                    row = await cur.fetchone()
                refusal = check_open(int(row[0]) if row else 0, max_open)
                if refusal is not None:
                    return refusal
                cur = await conn.execute(
                    "INSERT INTO bounties (channel, creator_key, creator, description, amount, status, created_ms, "
                    "expires_ms, create_key) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?)",
                    (chan, user_key(creator), creator, description, amount, now_ms, expires_at_ms, key),
                )
                bounty_id = int(cur.lastrowid or 0)
                outcome = await self._ledger.apply_in(conn, request(bounty_id), now_ms)
                if isinstance(outcome, ServiceError):
                    raise _BountyRollback(outcome)  # banned / no funds: the row goes too
                bounty = await _one(conn, f"SELECT {_COLUMNS} FROM bounties WHERE id=?", (bounty_id,))
        except _BountyRollback as rb:
            return rb.outcome
        self._ledger.committed()
        assert bounty is not None
        return Created(bounty, outcome, replayed=outcome.replayed)

    async def resolve(self, channel: str, bounty_id: int, status: str, winner: str | None, resolved_by: str,
                      now_ms: int, decide: Callable[[dict[str, Any]], BountyRefusal | PostRequest | None]
                      ) -> Resolved | BountyRefusal | ServiceError | None:
        """Flip an open bounty to ``status`` and apply ``decide(row)``'s request, all or nothing.

        ``decide`` sees the row (None: not found) and returns a refusal or the postings; ``None`` back
        means the bounty was not found.
        """
        chan = channel_key(channel)
        try:
            async with self._db.transaction() as conn:
                row = await _one(conn, f"SELECT {_COLUMNS} FROM bounties WHERE channel=? AND id=?", (chan, bounty_id))
                if row is None:
                    return None
                decision = decide(row)
                if not isinstance(decision, PostRequest):
                    return decision
                cur = await conn.execute(
                    "UPDATE bounties SET status=?, winner=?, resolved_by=?, resolved_ms=? "
                    "WHERE channel=? AND id=? AND status='open'",
                    (status, winner, resolved_by, now_ms, chan, bounty_id),
                )
                if cur.rowcount != 1:
                    raise _BountyRollback(ServiceError(ErrorCode.CONFLICT, "bounty is no longer open"))
                outcome = await self._ledger.apply_in(conn, decision, now_ms)
                if isinstance(outcome, ServiceError):
                    raise _BountyRollback(outcome)
        except _BountyRollback as rb:
            return rb.outcome
        self._ledger.committed()
        return Resolved(row, outcome)

    async def get(self, channel: str, bounty_id: int) -> dict[str, Any] | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM bounties WHERE channel=? AND id=?",
                                      (channel_key(channel), bounty_id))
        return dict(row) if row else None

    async def open_list(self, channel: str, limit: int) -> list[dict[str, Any]]:
        """Open bounties, newest first (index bounties_status)."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM bounties WHERE channel=? AND status='open' ORDER BY id DESC LIMIT ?",
            (channel_key(channel), limit),
        )
        return [dict(r) for r in rows]

    async def due(self, channel: str, now_ms: int) -> list[int]:
        """Open bounties whose expiry has come (integer ms compare: no string-format pitfalls)."""
        rows = await self._db.fetchall(
            "SELECT id FROM bounties WHERE channel=? AND status='open' AND expires_ms <= ? ORDER BY id",
            (channel_key(channel), now_ms),
        )
        return [int(r[0]) for r in rows]

    async def open_totals(self, channel: str) -> tuple[int, int]:
        """(open bounties, Z escrowed in them)."""
        row = await self._db.fetchone(
            "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM bounties WHERE channel=? AND status='open'",
            (channel_key(channel),),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)


async def _one(conn: Any, sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return dict(row) if row else None
