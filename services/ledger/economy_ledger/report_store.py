"""SQL of the economy reports: flow windows, balance figures, snapshots and digest sent marks.

Flows come from ``flow_totals`` (per channel, UTC hour and posting kind, written by ``record_flows``
in every posting's transaction, so they always match the journal, DECISIONS 4, 5); who earned comes
from the boards' ``daily_earnings``; who spent, gambled or tipped from the few non-earning journal
rows (index ``journal_not_earn``). The journal's per-minute presence rows are never scanned, so a
report costs milliseconds on a channel with millions of rows. System accounts (``~…``) are left out.
A snapshot is unique per (channel, slot), so a catch-up or a replay never writes twice;
a digest mark is unique per (channel, kind, period, user), so nobody gets a period's digest twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.db import Database
from economy_shared.schemas.ledger import is_system_account
from economy_shared.schemas.reports import Flows, Snapshot
from economy_shared.users import user_key

from .report_rules import flows_from_sums

_USERS = "a.channel = ? AND a.user_key NOT LIKE '~%'"
FLOW_KINDS = frozenset({"earn", "spend", "refund", "wager", "payout"})
HOUR_MS = 3_600_000
# postings a user caused besides earnings (journal_not_earn index): admin postings, decay and escrow
# bookkeeping are not activity
_ACTIVE_KINDS = "('spend', 'refund', 'wager', 'payout', 'transfer')"
# ``journal j CROSS JOIN accounts a`` keeps the journal first, so SQLite reads journal_not_earn's window
# (a plain JOIN starts from the channel's accounts and walks every row of each: 50x slower)
_ARCHIVE_KEEP_DAYS = 35


async def record_flows(conn: Any, channel: str, applied: Iterable[tuple[Any, Any]], now_ms: int) -> None:
    """Add a request's postings to its hour's totals per kind (users only), in the posting's transaction."""
    sums: dict[str, int] = {}
    for acct, p in applied:
        kind = p.kind.value
        if kind in FLOW_KINDS and not is_system_account(acct.key):
            sums[kind] = sums.get(kind, 0) + p.amount
    if sums:
        hour = now_ms // HOUR_MS * HOUR_MS
        await conn.executemany(
            "INSERT INTO flow_totals (channel, hour_ms, kind, amount) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(channel, hour_ms, kind) DO UPDATE SET amount = amount + excluded.amount",
            [(channel, hour, k, z) for k, z in sums.items()],
        )


@dataclass(frozen=True)
class UserDay:
    key: str
    display: str
    earned: int
    spent: int
    balance: int
    lifetime_earned: int
    rank_floor: str | None


class ReportStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- windows: flows from flow_totals (hour-aligned start), who from daily_earnings + journal_not_earn --
    async def flows(self, channel: str, start_ms: int, end_ms: int) -> Flows:
        rows = await self.db.fetchall(
            "SELECT kind, SUM(amount) AS z FROM flow_totals WHERE channel = ? AND hour_ms >= ? AND hour_ms < ? "
            "GROUP BY kind",
            (channel_key(channel), start_ms, end_ms),
        )
        return flows_from_sums({r["kind"]: int(r["z"]) for r in rows})

    async def active_users(self, channel: str, day: str, start_ms: int, end_ms: int) -> int:
        """Users who earned on ``day`` (the daily board's table) or spent, gambled or tipped in the window."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM (SELECT user_key FROM daily_earnings WHERE channel = ? AND day = ? AND earned > 0 "
            "UNION SELECT a.user_key FROM journal j CROSS JOIN accounts a ON a.id = j.account_id "
            f"WHERE j.kind <> 'earn' AND j.created_ms >= ? AND j.created_ms < ? AND {_USERS} "
            f"AND j.kind IN {_ACTIVE_KINDS})",
            (channel_key(channel), day, start_ms, end_ms, channel_key(channel)),
        )
        return int(row[0]) if row else 0

    async def top_earners_of_day(self, channel: str, day: str, limit: int) -> list[tuple[str, int]]:
        """The daily board's order (competition prizes aside, as on ``top``)."""
        rows = await self.db.fetchall(
            "SELECT a.display_name, d.earned FROM daily_earnings d CROSS JOIN accounts a "
            "ON a.channel = d.channel AND a.user_key = d.user_key WHERE d.channel = ? AND d.day = ? "
            "AND d.earned > 0 ORDER BY d.earned DESC, d.user_key LIMIT ?",
            (channel_key(channel), day, limit),
        )
        return [(r["display_name"], int(r["earned"])) for r in rows]

    async def top_earners_of_days(self, channel: str, first: str, last: str, limit: int) -> list[tuple[str, int]]:
        """Summed over the closed days ``first``..``last`` (earnings_days, see ``archive_days``)."""
        rows = await self.db.fetchall(
            "SELECT a.display_name, SUM(e.earned) AS z FROM earnings_days e JOIN accounts a "
            "ON a.channel = e.channel AND a.user_key = e.user_key WHERE e.channel = ? AND e.day >= ? AND e.day <= ? "
            "GROUP BY e.user_key HAVING z > 0 ORDER BY z DESC, e.user_key LIMIT ?",
            (channel_key(channel), first, last, limit),
        )
        return [(r["display_name"], int(r["z"])) for r in rows]

    async def archive_days(self, channel: str, today: str, oldest_kept: str) -> None:
        """Copy closed days still held by daily_earnings (3 days) into earnings_days; prune old ones."""
        ch = channel_key(channel)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO earnings_days (channel, day, user_key, earned) "
                "SELECT channel, day, user_key, earned FROM daily_earnings WHERE channel = ? AND day < ? "
                "AND day NOT IN (SELECT DISTINCT day FROM earnings_days WHERE channel = ? AND day < ?)",
                (ch, today, ch, today),
            )
            await conn.execute("DELETE FROM earnings_days WHERE channel = ? AND day < ?", (ch, oldest_kept))

    async def earners(self, channel: str, day: str, start_ms: int, end_ms: int) -> list[UserDay]:
        """Unbanned users who earned on ``day`` (the user digest's "active yesterday"), with what they spent
        in the window [start_ms, end_ms) of that day."""
        rows = await self.db.fetchall(
            "SELECT a.id, a.user_key, a.display_name, a.balance, a.lifetime_earned, a.rank_floor, d.earned "
            "FROM daily_earnings d CROSS JOIN accounts a ON a.channel = d.channel AND a.user_key = d.user_key "
            "WHERE d.channel = ? AND d.day = ? AND d.earned > 0 AND a.banned = 0 ORDER BY a.user_key",
            (channel_key(channel), day),
        )
        spent_rows = await self.db.fetchall(
            "SELECT j.account_id, -SUM(j.amount) AS spent "
            "FROM journal j CROSS JOIN accounts a ON a.id = j.account_id "
            f"WHERE j.kind <> 'earn' AND j.created_ms >= ? AND j.created_ms < ? AND {_USERS} "
            "AND j.kind IN ('spend', 'refund') GROUP BY j.account_id",
            (start_ms, end_ms, channel_key(channel)),
        )
        spent = {r["account_id"]: int(r["spent"]) for r in spent_rows}
        return [UserDay(r["user_key"], r["display_name"], int(r["earned"]), spent.get(r["id"], 0), r["balance"],
                        r["lifetime_earned"], r["rank_floor"]) for r in rows]

    async def balance_rank(self, channel: str, balance: int) -> int:
        """1 + how many users hold more (the richest list's place)."""
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM accounts a WHERE {_USERS} AND a.balance > ?", (channel_key(channel), balance)
        )
        return 1 + (int(row[0]) if row else 0)

    # ---- balances now ---------------------------------------------------------------------------
    async def totals(self, channel: str) -> tuple[int, int]:
        """(accounts, circulation) of users."""
        row = await self.db.fetchone(
            f"SELECT COUNT(*), COALESCE(SUM(a.balance), 0) FROM accounts a WHERE {_USERS}", (channel_key(channel),)
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def median_balance(self, channel: str) -> int:
        """The middle balance (even count: the floored mean of the two middle ones), by the balance index."""
        n, _ = await self.totals(channel)
        if n == 0:
            return 0
        rows = await self.db.fetchall(
            f"SELECT a.balance FROM accounts a WHERE {_USERS} ORDER BY a.balance LIMIT ? OFFSET ?",
            (channel_key(channel), 2 - n % 2, (n - 1) // 2),
        )
        values = [r["balance"] for r in rows]
        return sum(values) // len(values)

    async def new_accounts(self, channel: str, start_ms: int, end_ms: int) -> int:
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM accounts a WHERE {_USERS} AND a.created_ms >= ? AND a.created_ms < ?",
            (channel_key(channel), start_ms, end_ms),
        )
        return int(row[0]) if row else 0

    async def holders_among(self, channel: str, names: list[str]) -> int:
        """How many of ``names`` hold an account."""
        keys = sorted({user_key(n) for n in names})
        count = 0
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            row = await self.db.fetchone(
                f"SELECT COUNT(*) FROM accounts WHERE channel = ? AND user_key IN ({','.join('?' * len(chunk))})",
                (channel_key(channel), *chunk),
            )
            count += int(row[0]) if row else 0
        return count

    # ---- snapshots ------------------------------------------------------------------------------
    async def write_snapshot(self, s: Snapshot) -> bool:
        """Insert the slot's snapshot; False when the slot already has one (nothing written)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO economy_snapshots (channel, slot_ms, taken_ms, interval_hours, circulation, "
                "accounts, present, median_balance, earned, spent, gambled_in, gambled_out) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (channel_key(s.channel), s.slot_ms, s.taken_ms, s.interval_hours, s.circulation, s.accounts,
                 s.present, s.median_balance, s.flows.earned, s.flows.spent, s.flows.gambled_in,
                 s.flows.gambled_out),
            )
            return cur.rowcount > 0

    async def latest_snapshot(self, channel: str, at_ms: int | None = None) -> Snapshot | None:
        """The newest snapshot, or the newest whose slot starts at or before ``at_ms``."""
        row = await self.db.fetchone(
            "SELECT * FROM economy_snapshots WHERE channel = ? AND slot_ms <= ? ORDER BY slot_ms DESC LIMIT 1",
            (channel_key(channel), at_ms if at_ms is not None else 2**62),
        )
        return _snapshot(channel, row) if row else None

    async def snapshot_at(self, channel: str, slot_ms: int) -> Snapshot | None:
        row = await self.db.fetchone(
            "SELECT * FROM economy_snapshots WHERE channel = ? AND slot_ms = ?", (channel_key(channel), slot_ms)
        )
        return _snapshot(channel, row) if row else None

    async def first_snapshot_since(self, channel: str, start_ms: int) -> Snapshot | None:
        row = await self.db.fetchone(
            "SELECT * FROM economy_snapshots WHERE channel = ? AND slot_ms >= ? ORDER BY slot_ms LIMIT 1",
            (channel_key(channel), start_ms),
        )
        return _snapshot(channel, row) if row else None

    async def prune_snapshots(self, channel: str, before_ms: int) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM economy_snapshots WHERE channel = ? AND slot_ms < ?",
                                     (channel_key(channel), before_ms))
            return cur.rowcount

    # ---- digest marks ---------------------------------------------------------------------------
    async def sent(self, channel: str, kind: str, period: str) -> set[str]:
        rows = await self.db.fetchall(
            "SELECT user_key FROM digest_marks WHERE channel = ? AND kind = ? AND period = ?",
            (channel_key(channel), kind, period),
        )
        return {r["user_key"] for r in rows}

    async def mark_sent(self, channel: str, kind: str, period: str, name: str, now_ms: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO digest_marks (channel, kind, period, user_key, sent_ms) VALUES (?,?,?,?,?)",
            (channel_key(channel), kind, period, user_key(name), now_ms),
        )

    async def prune_marks(self, before_ms: int) -> None:
        await self.db.execute("DELETE FROM digest_marks WHERE sent_ms < ?", (before_ms,))


def _snapshot(channel: str, row: Any) -> Snapshot:
    return Snapshot(
        channel=channel, slot_ms=row["slot_ms"], taken_ms=row["taken_ms"], interval_hours=row["interval_hours"],
        circulation=row["circulation"], accounts=row["accounts"], present=row["present"],
        median_balance=row["median_balance"],
        flows=Flows(earned=row["earned"], spent=row["spent"], gambled_in=row["gambled_in"],
                    gambled_out=row["gambled_out"]),
    )
