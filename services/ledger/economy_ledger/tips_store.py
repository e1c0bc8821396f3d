"""SQL for tips and history: the daily cap and the transfer in one transaction, and journal pages.

A tip is one ledger request (both postings, one commit) applied by ``LedgerStore.apply_in``, the one
posting path. It runs inside a transaction that first reads the sender's tips of the day, so the
daily cap is claimed atomically: concurrent tips cannot pass the cap together. A key the ledger has
already answered skips the cap check and replays (a replay must return the first answer, not a cap
refusal caused by the tip itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.db import Database
from economy_shared.envelope import ServiceError
from economy_shared.schemas.ledger import PostRequest, PostResult
from economy_shared.users import user_key

from .store import LedgerStore


@dataclass(frozen=True)
class TransferOutcome:
    result: PostResult | None  # applied now or replayed
    refusal: ServiceError | None  # the ledger's answer: banned, insufficient funds, key reused
    sent_today: int  # the sender's tips today, this one included when it applied
    over_cap: bool = False  # refused by the daily cap; nothing was asked of the ledger


class TipsStore:
    def __init__(self, db: Database, ledger: LedgerStore) -> None:
        self._db = db
        self._ledger = ledger

    async def account(self, channel: str, name: str) -> dict[str, Any] | None:
        return await self._ledger.account(channel, name)

    async def transfer(self, req: PostRequest, sender: str, amount: int, day_ms: tuple[int, int],
                       within_cap: Callable[[int], bool], now_ms: int) -> TransferOutcome:
        """Apply the tip unless ``within_cap(Z the sender tipped today)`` says no (then nothing is asked)."""
        chan = channel_key(req.channel)
        async with self._db.transaction() as conn:
            seen = await self._seen(conn, chan, req.idempotency_key)
            sent = await self._sent_in(conn, chan, sender, day_ms)
            if not seen and not within_cap(sent):
                return TransferOutcome(None, None, sent, over_cap=True)
            outcome = await self._ledger.apply_in(conn, req, now_ms)
        self._ledger.committed()
        if isinstance(outcome, ServiceError):
            return TransferOutcome(None, outcome, sent)
        return TransferOutcome(outcome, None, sent if outcome.replayed else sent + amount)

    async def _seen(self, conn: Any, chan: str, key: str) -> bool:
        async with conn.execute("SELECT 1 FROM requests WHERE channel=? AND idem_key=?", (chan, key)) as cur:
            return await cur.fetchone() is not None

    async def _sent_in(self, conn: Any, chan: str, sender: str, day_ms: tuple[int, int]) -> int:
        """Z the sender tipped in [start, end): their transfer debits (index journal_transfers)."""
        async with conn.execute(
            "SELECT COALESCE(-SUM(j.amount), 0) FROM journal j JOIN accounts a ON a.id = j.account_id "
            "WHERE a.channel=? AND a.user_key=? AND j.kind='transfer' AND j.amount < 0 "
            "AND j.created_ms >= ? AND j.created_ms < ?",
            (chan, user_key(sender), *day_ms),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def journal_page(self, channel: str, name: str, limit: int, before_id: int | None = None
                           ) -> list[dict[str, Any]]:
        """One user's journal rows, newest first; ``before_id`` pages back from the last row seen."""
        sql = (
            "SELECT j.id, j.amount, j.kind, j.trigger_id, j.reason, j.related_user, j.created_ms "
            "FROM journal j JOIN accounts a ON a.id = j.account_id WHERE a.channel=? AND a.user_key=?"
        )
        params: list[Any] = [channel_key(channel), user_key(name)]
        if before_id is not None:
            sql += " AND j.id < ?"
            params.append(before_id)
        rows = await self._db.fetchall(sql + " ORDER BY j.id DESC LIMIT ?", (*params, limit))
        return [dict(r) for r in rows]
