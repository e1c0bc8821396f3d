"""SQL of the admin words: the rank floor, ``set_balance``'s read-then-post in one transaction, reads.

Money still moves only through ``LedgerStore.apply_in`` (one journal row per change, DECISIONS 4).
"""

from __future__ import annotations

from typing import Any

from economy_shared.channels import channel_key
from economy_shared.envelope import ServiceError
from economy_shared.schemas.ledger import Posting, PostingKind, PostRequest, PostResult
from economy_shared.users import user_key

from .store import LedgerStore


class AdminStore:
    def __init__(self, ledger: LedgerStore) -> None:
        self.ledger = ledger
        self.db = ledger.db

    async def account(self, channel: str, name: str) -> dict[str, Any] | None:
        return await self.ledger.account(channel, name)

    async def post(self, req: PostRequest, now_ms: int) -> PostResult:
        return await self.ledger.post(req, now_ms)

    async def set_balance(self, channel: str, name: str, amount: int, key: str, trigger_id: str, reason: str,
                          now_ms: int) -> tuple[int, PostResult | None]:
        """(old balance, result): ONE admin posting of the difference, read and written in one
        transaction; no posting when the balance already is ``amount`` (result None)."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT display_name, balance FROM accounts WHERE channel=? AND user_key=?",
                                    (channel_key(channel), user_key(name))) as cur:
                row = await cur.fetchone()
            display, old = (row["display_name"], int(row["balance"])) if row else (name, 0)
            if old == amount:
                return old, None
            req = PostRequest(channel=channel, idempotency_key=key, want_balances=True, postings=[
                Posting(user=display, amount=amount - old, kind=PostingKind.ADMIN, trigger_id=trigger_id,
                        reason=reason)])
            outcome = await self.ledger.apply_in(conn, req, now_ms)
        self.ledger.committed()
        if isinstance(outcome, ServiceError):
            raise outcome
        return old, outcome

    async def set_floor(self, channel: str, name: str, floor: str | None, reached: int, now_ms: int) -> bool:
        """Store the admin rank floor. ``rank_reached`` is lifted to where the user now stands (``reached``)
        so the next earning does not announce the floor as a fresh rank-up; False when there is no account."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE accounts SET rank_floor=?, rank_reached=MAX(COALESCE(rank_reached, 0), ?), updated_ms=? "
                "WHERE channel=? AND user_key=?",
                (floor, reached, now_ms, channel_key(channel), user_key(name)))
            return cur.rowcount > 0

    async def open_account(self, channel: str, name: str, now_ms: int) -> None:
        """Open an empty account for a user present now (DECISIONS 1: known users only)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO accounts (channel, user_key, display_name, created_ms, updated_ms) VALUES (?,?,?,?,?) "
                "ON CONFLICT(channel, user_key) DO NOTHING",
                (channel_key(channel), user_key(name), name, now_ms, now_ms))

    async def journal(self, channel: str, name: str, limit: int) -> list[dict[str, Any]]:
        return await self.ledger.journal(channel, name, limit)
