"""SQL for CyTube promotion purchases: the purchase row and the charge in one transaction, the settlement
(and its refund) in another.

A purchase is written in the charge's own transaction (state ``charged``), so a crash can never keep
the money without a row saying a promotion is owed; ``unfinished()`` lists those rows at start, and the
use case promotes or refunds them. Settling writes the refund posting (when there is one) and the
final state together. Both postings go through ``LedgerStore.apply_in``, the one posting path, with
keys derived from the request id, so a replay moves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.db import Database
from economy_shared.envelope import ServiceError
from economy_shared.schemas.ledger import PostRequest, PostResult
from economy_shared.users import user_key

from .store import LedgerStore


@dataclass(frozen=True)
class Purchase:
    channel: str  # the channel key
    request_id: str
    user: str  # display name
    level: int
    price: int
    state: str  # charged, done, refunded
    reason: str


class PromotionStore:
    def __init__(self, db: Database, ledger: LedgerStore) -> None:
        self._db = db
        self._ledger = ledger

    async def get(self, channel: str, request_id: str) -> Purchase | None:
        row = await self._db.fetchone("SELECT * FROM promotion_purchases WHERE channel=? AND request_id=?",
                                      (channel_key(channel), request_id))
        return _purchase(row) if row else None

    async def unfinished(self) -> list[Purchase]:
        rows = await self._db.fetchall("SELECT * FROM promotion_purchases WHERE state='charged' ORDER BY created_ms")
        return [_purchase(r) for r in rows]

    async def balance(self, channel: str, name: str) -> int | None:
        acct = await self._ledger.account(channel, name)
        return int(acct["balance"]) if acct else None

    async def charge(self, req: PostRequest, request_id: str, user: str, level: int, price: int,
                     now_ms: int) -> PostResult | ServiceError:
        """Write the purchase and apply its spend together; a refused spend writes no purchase."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO promotion_purchases (channel, request_id, user_key, display_name, level, price, state, "
                "created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, 'charged', ?, ?)",
                (channel_key(req.channel), request_id, user_key(user), user, level, price, now_ms, now_ms),
            )
            outcome = await self._ledger.apply_in(conn, req, now_ms)
            if isinstance(outcome, ServiceError):  # no purchase; the ledger's stored refusal stays the key's answer
                await conn.execute("DELETE FROM promotion_purchases WHERE channel=? AND request_id=?",
                                   (channel_key(req.channel), request_id))
        self._ledger.committed()
        return outcome

    async def settle(self, channel: str, request_id: str, state: str, reason: str, refund: PostRequest | None,
                     now_ms: int) -> PostResult | ServiceError | None:
        """Mark the purchase ``done`` or ``refunded``; the refund posting, if any, in the same transaction."""
        outcome: PostResult | ServiceError | None = None
        async with self._db.transaction() as conn:
            if refund is not None:
                outcome = await self._ledger.apply_in(conn, refund, now_ms)
                if isinstance(outcome, ServiceError):
                    return outcome  # left ``charged``: tried again at the next start
            await conn.execute(
                "UPDATE promotion_purchases SET state=?, reason=?, updated_ms=? WHERE channel=? AND request_id=?",
                (state, reason, now_ms, channel_key(channel), request_id),
            )
        self._ledger.committed()
        return outcome


def _purchase(r: Any) -> Purchase:  # an aiosqlite.Row
    return Purchase(r["channel"], r["request_id"], r["display_name"], int(r["level"]), int(r["price"]), r["state"],
                    r["reason"])
