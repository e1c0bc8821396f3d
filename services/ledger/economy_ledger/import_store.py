"""SQL of moving in (issue 14): one transaction per batch, every entry's outcome decided inside it first.

A batch (up to 500 entries) commits as ONE transaction: the entries' import keys and fingerprints are
read, every outcome is decided (the caller's ``plan``), then everything the imported entries write goes
in together — accounts, the opening postings (through ``LedgerStore.apply_in``, the one posting path,
so journal rows and balances agree: DECISIONS 4), counters, rank floor, ban, awarded achievements (told,
never paid: the original paid them into the balance), and the keys. Two identical batches at once are
serialised by the transaction: the second finds the keys and answers ``already``. A dry run decides
and writes nothing. Counters are added as counters (no journal rows), ``rank_reached`` is set without
a ``rank_notices`` row, so no rank-up is told for a rank the user already had.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.db import Database, select_in
from economy_shared.envelope import ServiceError
from economy_shared.import_marks import digest
from economy_shared.schemas.imports import ImportedAccount, ImportedBounty
from economy_shared.users import user_key

from .import_rules import (
    AccountPlan,
    BountyPlan,
    Holding,
    Prior,
    account_key,
    bounty_key,
    escrow_request,
    opening_request,
)
from .rules import COUNTERS
from .store import LedgerStore

PlanAccount = Callable[[ImportedAccount, Prior | None, Holding, set[str]], AccountPlan]
PlanBounty = Callable[[ImportedBounty, Prior | None, set[int]], BountyPlan]


class _ImportRollback(Exception):
    def __init__(self, error: ServiceError) -> None:
        super().__init__("rollback")
        self.error = error


async def _priors(conn: Any, channel: str, keys: list[str]) -> dict[str, Prior]:
    rows = await select_in(conn, "SELECT idem_key, body_hash, result FROM requests WHERE channel=? AND idem_key IN "
                                 "({marks})", (channel,), keys)
    return {r["idem_key"]: Prior(r["body_hash"], json.loads(r["result"])) for r in rows}


async def _holdings(conn: Any, channel: str, keys: list[str]) -> dict[str, Holding]:
    rows = await select_in(conn, "SELECT user_key, lifetime_earned, rank_floor, rank_reached FROM accounts "
                                 "WHERE channel=? AND user_key IN ({marks})", (channel,), keys)
    return {r["user_key"]: Holding(int(r["lifetime_earned"]), r["rank_floor"], r["rank_reached"]) for r in rows}


async def _remember(conn: Any, channel: str, plans: Iterable[AccountPlan | BountyPlan], now_ms: int) -> None:
    """The import keys with their fingerprints (the entry as imported: a later conflict names what differs)."""
    await conn.executemany(
        "INSERT INTO requests (channel, idem_key, body_hash, result, created_ms) VALUES (?, ?, ?, ?, ?)",
        [(channel, p.key, digest(p.fingerprint), json.dumps(p.fingerprint, sort_keys=True), now_ms) for p in plans],
    )


class ImportStore:
    def __init__(self, db: Database, ledger: LedgerStore) -> None:
        self._db = db
        self._ledger = ledger

    async def accounts(self, channel: str, source: str, entries: list[ImportedAccount], plan: PlanAccount,
                       dry_run: bool, now_ms: int) -> list[AccountPlan]:
        chan = channel_key(channel)
        try:
            async with self._db.transaction() as conn:
                priors = await _priors(conn, chan, [account_key(chan, e.user) for e in entries])
                holdings = await _holdings(conn, chan, [user_key(e.user) for e in entries])
                seen: set[str] = set()
                plans = []
                for e in entries:
                    holding = holdings.get(user_key(e.user), Holding())
                    plans.append(plan(e, priors.get(account_key(chan, e.user)), holding, seen))
                    seen.add(user_key(e.user))
                doing = [p for p in plans if p.writes]
                if dry_run or not doing:
                    return plans
                await self._write_accounts(conn, chan, channel, source, doing, now_ms)
        except _ImportRollback as rb:
            raise rb.error from None
        self._ledger.committed()
        return plans

    async def _write_accounts(self, conn: Any, chan: str, channel: str, source: str, doing: list[AccountPlan],
                              now_ms: int) -> None:
        await conn.executemany(
            "INSERT INTO accounts (channel, user_key, display_name, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(channel, user_key) DO NOTHING",
            [(chan, user_key(p.entry.user), p.entry.user, now_ms, now_ms) for p in doing],
        )
        opening = opening_request(channel, source, doing)
        if opening is not None:
            outcome = await self._ledger.apply_in(conn, opening, now_ms)
            if isinstance(outcome, ServiceError):  # admin postings of positive amounts: not expected
                raise _ImportRollback(outcome)
        sets = ", ".join(f"{c} = {c} + ?" for c in COUNTERS)
        await conn.executemany(
            f"UPDATE accounts SET {sets}, rank_floor = COALESCE(?, rank_floor), "
            "rank_reached = MAX(COALESCE(rank_reached, 0), ?), "
            "ban_reason = CASE WHEN banned = 0 AND ? = 1 THEN ? ELSE ban_reason END, banned = MAX(banned, ?), "
            "created_ms = MIN(created_ms, COALESCE(?, created_ms)), updated_ms = ? WHERE channel = ? AND user_key = ?",
            [(*p.counters(), p.rank.floor if p.rank else None, p.rank.reached if p.rank else 0,
              int(p.entry.banned), p.entry.ban_reason or f"banned in {source}"[:200], int(p.entry.banned),
              p.entry.first_seen_ms, now_ms, chan, user_key(p.entry.user)) for p in doing],
        )
        awarded = [(chan, user_key(p.entry.user), a_id, awarded_ms if awarded_ms is not None else now_ms)
                   for p in doing for a_id, awarded_ms in p.achievements]
        if awarded:  # told=1: never announced, never paid (the reward is in the imported balance)
            await conn.executemany(
                "INSERT OR IGNORE INTO achievements_awarded (channel, user_key, achievement_id, awarded_ms, told) "
                "VALUES (?, ?, ?, ?, 1)", awarded)
        await _remember(conn, chan, doing, now_ms)

    async def bounties(self, channel: str, source: str, entries: list[ImportedBounty], plan: PlanBounty,
                       dry_run: bool, now_ms: int) -> list[BountyPlan]:
        """Rows in ``bounties`` (open, ``create_key`` = the import key) and their escrow, in one transaction;
        claim, cancel and expiry then treat them like any bounty (bounty_store.resolve)."""
        chan = channel_key(channel)
        try:
            async with self._db.transaction() as conn:
                priors = await _priors(conn, chan, [bounty_key(chan, e.original_id) for e in entries])
                seen: set[int] = set()
                plans = []
                for e in entries:
                    plans.append(plan(e, priors.get(bounty_key(chan, e.original_id)), seen))
                    seen.add(e.original_id)
                doing = [p for p in plans if p.writes]
                if dry_run or not doing:
                    return plans
                rows = []
                for p in doing:
                    cur = await conn.execute(
                        "INSERT INTO bounties (channel, creator_key, creator, description, amount, status, created_ms, "
                        "expires_ms, create_key) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?)",
                        (chan, user_key(p.entry.creator), p.entry.creator, p.description, p.entry.amount,
                         p.entry.created_ms, p.expires_ms, p.key),
                    )
                    rows.append((p, int(cur.lastrowid or 0)))
                outcome = await self._ledger.apply_in(conn, escrow_request(channel, source, rows), now_ms)
                if isinstance(outcome, ServiceError):
                    raise _ImportRollback(outcome)
                await _remember(conn, chan, doing, now_ms)
        except _ImportRollback as rb:
            raise rb.error from None
        self._ledger.committed()
        return plans

