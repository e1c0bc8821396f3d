"""Ledger storage: accounts, journal and idempotency keys in one SQLite file (synchronous=FULL).

``apply_in()`` is the whole money path: every posting of a request, its journal rows and its
idempotency key commit together, or nothing does (a stored refusal is the key's answer instead).
``post()`` runs it in a transaction of its own, ``post_many()`` runs it once per item in one
transaction, and the daily maintenance runs it inside the transaction that read the balances
(maintenance_store.py); nothing else writes a balance or the journal, except the journal
retention's fold (rollup_store.py), which rewrites rows without changing any sum.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.config.progression import Achievement, RankSettings
from economy_shared.db import Database
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.schemas.ledger import AuditResult, PostRequest, PostResult, is_system_account
from economy_shared.users import user_key

from .achievement_rules import Watch
from .boards_store import record_daily_earnings
from .rank_store import record_rank_ups
from .report_store import record_flows
from .rules import COUNTERS, ban_applies, body_hash, counter_deltas

# Refusals stored as the key's first answer, as payment APIs do: replaying the key returns the same
# refusal even after the user got the money or was unbanned. A new attempt needs a new business fact.
STORED_REFUSALS = frozenset({ErrorCode.BANNED.value, ErrorCode.INSUFFICIENT_FUNDS.value})

_CHUNK = 500


@dataclass
class _Acct:
    id: int | None
    key: str
    display: str
    balance: int
    banned: bool
    deltas: dict[str, int]
    lifetime_earned: int = 0
    rank_reached: int | None = None
    rank_floor: str | None = None
    lifetime_spent: int = 0
    lifetime_gambled_in: int = 0


def _chunks(items: list[str], size: int = _CHUNK) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class LedgerStore:
    """``ranks`` (the config's ladder, read at use) turns on rank-up detection on earning postings;
    ``on_rank_up`` is called after a commit that recorded one (the notifier wakes up).
    ``achievements`` (the configured list, read at use) turns on the achievement watch: ``on_change``
    gets, after a commit, the (channel, user key) pairs whose postings may have met a ledger-held
    condition (achievement_rules.Watch) — never every account a tick touched."""

    def __init__(self, db: Database, ranks: Callable[[], RankSettings] | None = None,
                 on_rank_up: Callable[[], None] | None = None,
                 achievements: Callable[[], Iterable[Achievement]] | None = None,
                 on_change: Callable[[set[tuple[str, str]]], None] | None = None) -> None:
        self.db = db
        self._ranks = ranks
        self.on_rank_up = on_rank_up
        self._ranked = False  # a rank notice was written in the transaction that is open
        self._achievements = achievements
        self.on_change = on_change
        self._changed: set[tuple[str, str]] = set()  # accounts to re-check once the transaction commits

    async def post(self, req: PostRequest, now_ms: int) -> PostResult:
        """Apply one request; a refusal is committed as the key's answer, then raised."""
        async with self.db.transaction() as conn:
            outcome = await self.apply_in(conn, req, now_ms)
        self.committed()
        if isinstance(outcome, ServiceError):
            raise outcome
        return outcome

    def committed(self) -> None:
        """Called after every transaction that applied postings: wake the rank notifier if it has work."""
        if self._changed:
            changed, self._changed = self._changed, set()
            if self.on_change is not None:
                self.on_change(changed)
        if self._ranked:
            self._ranked = False
            if self.on_rank_up is not None:
                self.on_rank_up()

    async def post_many(self, reqs: list[PostRequest], now_ms: int) -> list[PostResult | ServiceError]:
        """Apply independent requests in one transaction; each in a savepoint, so one failure undoes only itself."""
        async with self.db.transaction() as conn:
            out = [await self.apply_in(conn, req, now_ms) for req in reqs]
        self.committed()
        return out

    async def apply_in(self, conn: Any, req: PostRequest, now_ms: int) -> PostResult | ServiceError:
        """Apply one request inside the caller's transaction (a savepoint of its own): the one posting path."""
        await conn.execute("SAVEPOINT item")
        try:
            result = await self._apply(conn, req, now_ms)
        except ServiceError as err:
            await conn.execute("ROLLBACK TO item")
            if err.code in STORED_REFUSALS and not err.data.get("replayed"):
                await conn.execute(
                    "INSERT INTO requests (channel, idem_key, body_hash, result, created_ms, error_code) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (channel_key(req.channel), req.idempotency_key, body_hash(req),
                     json.dumps({"error": err.message, "data": err.data}, sort_keys=True), now_ms, err.code),
                )
            await conn.execute("RELEASE item")
            return err
        await conn.execute("RELEASE item")
        return result

    async def _apply(self, conn: Any, req: PostRequest, now_ms: int) -> PostResult:
        digest = body_hash(req)
        channel = channel_key(req.channel)
        async with conn.execute(
            "SELECT body_hash, result, error_code FROM requests WHERE channel=? AND idem_key=?",
            (channel, req.idempotency_key),
        ) as cur:
            prior = await cur.fetchone()
        if prior is not None:
            if prior["body_hash"] != digest:
                raise ServiceError(
                    ErrorCode.IDEMPOTENCY_CONFLICT,
                    f"idempotency key {req.idempotency_key!r} was already used for a different request",
                )
            if prior["error_code"]:
                refusal = json.loads(prior["result"])
                raise ServiceError(prior["error_code"], refusal.get("error", "refused"),
                                   data={**refusal.get("data", {}), "replayed": True})
            stored = PostResult.model_validate_json(prior["result"])
            return stored.model_copy(update={"replayed": True})

        accounts = await self._load(conn, channel, [p.user for p in req.postings])
        applied: list[tuple[_Acct, Any]] = []
        skipped: list[str] = []
        for p in req.postings:
            key = user_key(p.user)
            acct = accounts.get(key)
            if acct is None:
                acct = accounts[key] = _Acct(None, key, p.user, 0, False, {})
            if acct.banned and ban_applies(p):
                if req.on_banned == "reject":
                    raise ServiceError(ErrorCode.BANNED, f"{acct.display} is banned from the economy")
                skipped.append(key)
                continue
            acct.balance += p.amount
            if acct.balance < 0:
                raise ServiceError(
                    ErrorCode.INSUFFICIENT_FUNDS,
                    f"{acct.display} does not have enough",
                    data={"user": key, "short_by": -acct.balance},
                )
            for col, delta in counter_deltas(p.kind, p.amount).items():
                acct.deltas[col] = acct.deltas.get(col, 0) + delta
            applied.append((acct, p))

        touched = {id(a): a for a, _ in applied}.values()
        new = [a for a in touched if a.id is None]
        if new:
            await conn.executemany(
                "INSERT INTO accounts (channel, user_key, display_name, created_ms, updated_ms) "
                "VALUES (?, ?, ?, ?, ?)",
                [(channel, a.key, a.display, now_ms, now_ms) for a in new],
            )
            ids = await self._ids(conn, channel, [a.key for a in new])
            for a in new:
                a.id = ids[a.key]

        result = PostResult(
            applied=len(applied),
            skipped=sorted(set(skipped)),
            balances={a.key: a.balance for a in touched} if req.want_balances else {},
        )
        cur = await conn.execute(
            "INSERT INTO requests (channel, idem_key, body_hash, result, created_ms) VALUES (?, ?, ?, ?, ?)",
            (channel, req.idempotency_key, digest, result.model_dump_json(), now_ms),
        )
        request_id = cur.lastrowid
        await conn.executemany(
            "INSERT INTO journal (account_id, request_id, amount, kind, trigger_id, reason, related_user, "
            "metadata, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    a.id, request_id, p.amount, p.kind.value, p.trigger_id or None, p.reason or None,
                    p.related_user, json.dumps(p.metadata, sort_keys=True) if p.metadata else None, now_ms,
                )
                for a, p in applied
            ],
        )
        reached: dict[str, int] = {}
        if self._ranks is not None:
            reached, noticed = await record_rank_ups(conn, self._ranks(), channel, touched, now_ms)
            self._ranked = self._ranked or noticed
        await record_daily_earnings(conn, channel, touched, now_ms, applied)  # today's board (boards_store.py)
        await record_flows(conn, channel, applied, now_ms)  # hourly totals per kind (report_store.py)
        if self._achievements is not None:
            self._watch(channel, touched, applied, reached)
        sets = ", ".join(f"{c} = {c} + ?" for c in COUNTERS)
        await conn.executemany(
            f"UPDATE accounts SET balance = ?, {sets}, rank_reached = COALESCE(?, rank_reached), updated_ms = ? "
            "WHERE id = ?",
            [(a.balance, *(a.deltas.get(c, 0) for c in COUNTERS), reached.get(a.key), now_ms, a.id) for a in touched],
        )
        return result

    def _watch(self, channel: str, touched: Iterable[_Acct], applied: list[tuple[_Acct, Any]],
               reached: dict[str, int]) -> None:
        assert self._achievements is not None
        watch = Watch.of(self._achievements())
        tippers = {a.key for a, p in applied if p.kind.value == "transfer"}
        for a in touched:
            before = {"lifetime_earned": a.lifetime_earned, "lifetime_spent": a.lifetime_spent,
                      "lifetime_gambled_in": a.lifetime_gambled_in}
            if not is_system_account(a.key) and watch.may_meet(before, a.deltas, a.rank_reached,
                                                                reached.get(a.key), a.key in tippers):
                self._changed.add((channel, a.key))

    async def _load(self, conn: Any, channel: str, names: list[str]) -> dict[str, _Acct]:
        keys = sorted({user_key(n) for n in names})
        found: dict[str, _Acct] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            async with conn.execute(
                f"SELECT id, user_key, display_name, balance, banned, lifetime_earned, rank_reached, rank_floor, "
                f"lifetime_spent, lifetime_gambled_in "
                f"FROM accounts WHERE channel=? AND user_key IN ({marks})",
                (channel, *chunk),
            ) as cur:
                for row in await cur.fetchall():
                    found[row["user_key"]] = _Acct(
                        row["id"], row["user_key"], row["display_name"], row["balance"], bool(row["banned"]), {},
                        row["lifetime_earned"], row["rank_reached"], row["rank_floor"],
                        row["lifetime_spent"], row["lifetime_gambled_in"],
                    )
        return found

    async def _ids(self, conn: Any, channel: str, keys: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            async with conn.execute(
                f"SELECT id, user_key FROM accounts WHERE channel=? AND user_key IN ({marks})", (channel, *chunk)
            ) as cur:
                out.update({r["user_key"]: r["id"] for r in await cur.fetchall()})
        return out

    # ---- reads ------------------------------------------------------------------------------
    async def account(self, channel: str, name: str) -> dict[str, Any] | None:
        row = await self.db.fetchone(
            "SELECT * FROM accounts WHERE channel=? AND user_key=?", (channel_key(channel), user_key(name))
        )
        return dict(row) if row else None

    async def balances(self, channel: str, names: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        keys = sorted({user_key(n) for n in names})
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            rows = await self.db.fetchall(
                f"SELECT user_key, balance FROM accounts WHERE channel=? AND user_key IN ({marks})",
                (channel_key(channel), *chunk),
            )
            out.update({r["user_key"]: r["balance"] for r in rows})
        return out

    async def banned_among(self, channel: str, names: list[str]) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT user_key FROM accounts WHERE channel=? AND banned=1", (channel_key(channel),)
        )
        banned = {r["user_key"] for r in rows}
        if not names:
            return sorted(banned)
        return sorted(banned & {user_key(n) for n in names})

    async def set_banned(self, channel: str, name: str, banned: bool, reason: str | None, now_ms: int,
                         create: bool = True) -> bool:
        """Ban state changes no balance; a banned user's balance is kept (DECISIONS 7). With
        ``create=False`` (the admin words, admin.py, unless the user is present: DECISIONS 1) an unknown
        name changes nothing and the answer is False; test set-ups keep the old opening default."""
        async with self.db.transaction() as conn:
            if create:
                await conn.execute(
                    "INSERT INTO accounts (channel, user_key, display_name, created_ms, updated_ms) "
                    "VALUES (?,?,?,?,?) ON CONFLICT(channel, user_key) DO NOTHING",
                    (channel_key(channel), user_key(name), name, now_ms, now_ms),
                )
            cur = await conn.execute(
                "UPDATE accounts SET banned=?, ban_reason=?, updated_ms=? WHERE channel=? AND user_key=?",
                (1 if banned else 0, reason, now_ms, channel_key(channel), user_key(name)),
            )
            if cur.rowcount == 0:
                return False
        if not banned and self._achievements is not None:  # achievements the ban held back are due now
            self._changed.add((channel_key(channel), user_key(name)))
            self.committed()
        return True

    async def audit(self, channel: str) -> AuditResult:
        rows = await self.db.fetchall(
            """SELECT a.user_key, a.balance, COALESCE(SUM(j.amount), 0) AS journal_sum, COUNT(j.id) AS n
               FROM accounts a LEFT JOIN journal j ON j.account_id = a.id
               WHERE a.channel = ? GROUP BY a.id""",
            (channel_key(channel),),
        )
        mismatches = [
            {"user": r["user_key"], "balance": r["balance"], "journal_sum": r["journal_sum"]}
            for r in rows
            if r["balance"] != r["journal_sum"]
        ]
        negative = [r["user_key"] for r in rows if r["balance"] < 0]
        return AuditResult(
            ok=not mismatches and not negative,
            accounts_checked=len(rows),
            journal_rows=sum(r["n"] for r in rows),
            mismatches=mismatches,
            negative=negative,
            total_balance=sum(r["balance"] for r in rows if not is_system_account(r["user_key"])),
        )

    async def summary(self, channel: str) -> tuple[int, int]:
        """(accounts, Z held by users) — cheap enough for every health check and scrape."""
        row = await self.db.fetchone(
            "SELECT COUNT(*), COALESCE(SUM(balance), 0) FROM accounts WHERE channel=? AND user_key NOT LIKE '~%'",
            (channel_key(channel),),
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def journal(self, channel: str, name: str, limit: int, trigger_id: str | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT j.id, j.amount, j.kind, j.trigger_id, j.reason, j.related_user, j.created_ms "
            "FROM journal j JOIN accounts a ON a.id = j.account_id WHERE a.channel=? AND a.user_key=?"
        )
        params: list[Any] = [channel_key(channel), user_key(name)]
        if trigger_id:
            sql += " AND j.trigger_id=?"
            params.append(trigger_id)
        rows = await self.db.fetchall(sql + " ORDER BY j.id DESC LIMIT ?", (*params, limit))
        return [dict(r) for r in rows]

    async def account_count(self, channel: str) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM accounts WHERE channel=?", (channel_key(channel),))
        return int(row[0]) if row else 0
