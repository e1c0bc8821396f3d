"""SQL of the daily balance maintenance: its run record, and reading balances and posting in one transaction.

The postings go through ``LedgerStore.apply_in``, the code ``LedgerStore.post`` runs (idempotency
key, stored refusals, journal, counters), not through ``post`` itself: ``post`` opens a transaction
of its own, and the balances must be read inside the transaction that applies the day's postings.
Read and post in one ``BEGIN IMMEDIATE`` transaction, nobody can spend between the read and the
decay (the ledger is the single writer), so the run is never refused as insufficient — a refusal
that would now be stored under the day's key, and the day could never run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from economy_shared.channels import channel_key
from economy_shared.db import Database
from economy_shared.envelope import ServiceError
from economy_shared.schemas.ledger import PostRequest, PostResult

from .store import LedgerStore

ID_BLOCK = 20_000  # accounts per request (PostRequest allows 20,000 postings)

Planner = Callable[[list[tuple[str, int]]], PostRequest | None]


class MaintenanceStore:
    def __init__(self, db: Database, ledger: LedgerStore) -> None:
        self.db = db
        self._ledger = ledger

    async def last_day(self, channel: str) -> date | None:
        row = await self.db.fetchone("SELECT last_day FROM maintenance_runs WHERE channel=?", (channel_key(channel),))
        return date.fromisoformat(row["last_day"]) if row else None

    async def record_run(self, channel: str, day: date, mode: str, now_ms: int, postings: int, total: int) -> None:
        await self.db.execute(
            "INSERT INTO maintenance_runs (channel, last_day, mode, ran_ms, postings, total) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(channel) DO UPDATE SET last_day=excluded.last_day, mode=excluded.mode, "
            "ran_ms=excluded.ran_ms, postings=excluded.postings, total=excluded.total",
            (channel_key(channel), day.isoformat(), mode, now_ms, postings, total),
        )

    async def blocks(self, channel: str, floor: int) -> list[int]:
        """Id blocks holding at least one unbanned user account with ``balance >= floor``."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT id / ? AS block FROM accounts WHERE channel=? AND banned=0 AND user_key NOT LIKE '~%' "
            "AND balance >= ? ORDER BY block",
            (ID_BLOCK, channel_key(channel), floor),
        )
        return [int(r["block"]) for r in rows]

    async def apply_block(
        self, channel: str, floor: int, block: int, plan: Planner, now_ms: int
    ) -> tuple[PostRequest, PostResult | ServiceError] | None:
        """Read one block's ``(display name, balance)`` accounts and apply ``plan``'s request atomically.

        None when ``plan`` has nothing to post; else the request and what the posting path answered."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT display_name, balance FROM accounts WHERE channel=? AND banned=0 AND user_key NOT LIKE '~%' "
                "AND balance >= ? AND id >= ? AND id < ? ORDER BY id",
                (channel_key(channel), floor, block * ID_BLOCK, (block + 1) * ID_BLOCK),
            ) as cur:
                accounts = [(r["display_name"], int(r["balance"])) for r in await cur.fetchall()]
            req = plan(accounts)
            if req is None:
                return None
            outcome = await self._ledger.apply_in(conn, req, now_ms)
        self._ledger.committed()  # interest is an earning: it may cross a rank
        return req, outcome
