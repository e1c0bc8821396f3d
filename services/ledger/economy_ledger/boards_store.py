"""Leaderboard SQL: today's earnings kept per (channel, UTC day, account) in the posting's own
transaction, and the board reads, each served by an index so 100,000 accounts stay fast.

``record_daily_earnings`` is called by ``LedgerStore._apply`` beside ``record_rank_ups``: only the
``lifetime_earned`` delta of a posting (kind ``earn``, DECISIONS 5) counts, so tips, gambling
payouts, refunds and admin grants never reach today's board. Reads skip system accounts, economy-
banned accounts and ignored users; ties are broken by the user key, so a board is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from economy_shared.channels import channel_key
from economy_shared.db import Database
from economy_shared.schemas.ledger import SYSTEM_PREFIX, is_system_account
from economy_shared.users import user_key

from .board_rules import day_of_ms


class EarningAccount(Protocol):
    key: str
    deltas: dict[str, int]


# Daily competition awards (presence, trigger ``competition.<id>``) are earnings (DECISIONS 5) but not
# the day's earnings: the "top earner" competition pays a share of them, so counting them would feed it.
NOT_DAILY_EARNINGS_PREFIX = "competition."


def _not_daily(applied: Iterable[tuple[EarningAccount, Any]] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for a, p in applied or ():
        if p.kind.value == "earn" and (p.trigger_id or "").startswith(NOT_DAILY_EARNINGS_PREFIX):
            out[a.key] = out.get(a.key, 0) + p.amount
    return out


async def record_daily_earnings(conn: Any, channel: str, touched: Iterable[EarningAccount], now_ms: int,
                                applied: Iterable[tuple[EarningAccount, Any]] | None = None) -> None:
    """Add each account's earnings of this posting to its total of the UTC day (one upsert per earner);
    competition awards among ``applied`` (account, posting) pairs are left out."""
    day = day_of_ms(now_ms)
    skip = _not_daily(applied)
    rows = [(channel, day, a.key, earned) for a in touched
            if (earned := a.deltas.get("lifetime_earned", 0) - skip.get(a.key, 0)) > 0
            and not is_system_account(a.key)]
    if rows:
        await conn.executemany(
            "INSERT INTO daily_earnings (channel, day, user_key, earned) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(channel, day, user_key) DO UPDATE SET earned = earned + excluded.earned",
            rows,
        )


@dataclass(frozen=True)
class Standing:
    """One account as the boards and the profile see it."""

    user: str  # display name
    amount: int  # the board's figure (today's earnings, balance or lifetime)
    lifetime_earned: int
    rank_floor: str | None
    banned: bool = False
    balance: int = 0


def _tier(thresholds: list[int], lifetime: int) -> int:
    """The tier index by lifetime alone, as the range counts place it."""
    return max([i for i, t in enumerate(thresholds) if i == 0 or lifetime >= t])


def _visible(alias: str, ignored: list[str]) -> tuple[str, list[str]]:
    """The WHERE clause that keeps system, banned and ignored accounts off every board."""
    sql = f"{alias}.banned = 0 AND substr({alias}.user_key, 1, 1) != ?"
    params = [SYSTEM_PREFIX]
    if ignored:
        sql += f" AND {alias}.user_key NOT IN ({','.join('?' * len(ignored))})"
        params.extend(ignored)
    return sql, params


class BoardsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def top_earners(self, channel: str, day: str, limit: int, ignored: list[str]) -> list[Standing]:
        """Today's earners (index daily_earnings_top; CROSS JOIN keeps that table first)."""
        where, params = _visible("a", ignored)
        rows = await self.db.fetchall(
            "SELECT a.display_name, d.earned, a.lifetime_earned, a.rank_floor FROM daily_earnings d "
            "CROSS JOIN accounts a ON a.channel = d.channel AND a.user_key = d.user_key "
            f"WHERE d.channel = ? AND d.day = ? AND {where} ORDER BY d.earned DESC, d.user_key LIMIT ?",
            (channel_key(channel), day, *params, limit),
        )
        return [Standing(r["display_name"], r["earned"], r["lifetime_earned"], r["rank_floor"]) for r in rows]

    async def daily_earnings(self, channel: str, day: str) -> list[tuple[str, int]]:
        """``(user key, earned)`` of every earner of ``day`` (daily competitions), biggest first, then by key."""
        rows = await self.db.fetchall(
            "SELECT user_key, earned FROM daily_earnings WHERE channel = ? AND day = ? AND earned > 0 "
            "ORDER BY earned DESC, user_key",
            (channel_key(channel), day),
        )
        return [(r["user_key"], int(r["earned"])) for r in rows]

    async def top_by(self, channel: str, column: str, limit: int, ignored: list[str]) -> list[Standing]:
        """Accounts by ``balance`` or ``lifetime_earned`` (indexes accounts_by_balance / _by_lifetime)."""
        if column not in ("balance", "lifetime_earned"):
            raise ValueError(column)
        where, params = _visible("a", ignored)
        rows = await self.db.fetchall(
            f"SELECT a.display_name, a.{column} AS amount, a.lifetime_earned, a.rank_floor FROM accounts a "
            f"WHERE a.channel = ? AND {where} ORDER BY a.{column} DESC, a.user_key LIMIT ?",
            (channel_key(channel), *params, limit),
        )
        return [Standing(r["display_name"], r["amount"], r["lifetime_earned"], r["rank_floor"]) for r in rows]

    async def rank_groups(self, channel: str, thresholds: list[int], ignored: list[str]
                          ) -> list[tuple[int, str | None, int]]:
        """``(tier index by lifetime, rank floor, accounts)`` groups for the distribution (thresholds
        ascending). Every account is first counted by lifetime range (index counts, no row reads); the
        few set apart — banned, system, ignored or with a floor (index accounts_apart, the key range)
        — are then taken out again (a negative count) and, when they belong, put back at their floor."""
        chan = channel_key(channel)
        ranges, params = [], []
        for i in range(len(thresholds)):
            low = "" if i == 0 else " AND lifetime_earned >= ?"
            high = "" if i + 1 == len(thresholds) else " AND lifetime_earned < ?"
            ranges.append(f"(SELECT COUNT(*) FROM accounts WHERE channel = ?{low}{high})")
            params += [chan, *([thresholds[i]] if low else []), *([thresholds[i + 1]] if high else [])]
        counts = await self.db.fetchone("SELECT " + ", ".join(ranges), params)
        groups: list[tuple[int, str | None, int]] = [(i, None, int(n)) for i, n in enumerate(counts or []) if n]
        cols = "SELECT id, user_key, lifetime_earned, rank_floor, banned FROM accounts WHERE channel = ?"
        marks = ",".join("?" * len(ignored))
        apart = await self.db.fetchall(
            f"{cols} AND (banned = 1 OR rank_floor IS NOT NULL) UNION "
            f"{cols} AND user_key >= ? AND user_key < char(127)"
            + (f" UNION {cols} AND user_key IN ({marks})" if ignored else ""),
            (chan, chan, SYSTEM_PREFIX, *([chan, *ignored] if ignored else [])),
        )
        skip = set(ignored)
        for r in apart:
            tier = _tier(thresholds, r["lifetime_earned"])
            groups.append((tier, None, -1))
            if not r["banned"] and not is_system_account(r["user_key"]) and r["user_key"] not in skip:
                groups.append((tier, r["rank_floor"], 1))
        return groups

    async def account(self, channel: str, name: str) -> Standing | None:
        """One account by name (case-insensitive); None when there is none. Never creates one."""
        row = await self.db.fetchone(
            "SELECT display_name, balance, lifetime_earned, rank_floor, banned FROM accounts "
            "WHERE channel = ? AND user_key = ?",
            (channel_key(channel), user_key(name)),
        )
        if row is None:
            return None
        return Standing(row["display_name"], row["balance"], row["lifetime_earned"], row["rank_floor"],
                        bool(row["banned"]), row["balance"])

    async def prune(self, oldest_kept: str) -> int:
        """Forget days before ``oldest_kept``; returns the rows removed."""
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM daily_earnings WHERE day < ?", (oldest_kept,))
            return int(cur.rowcount or 0)
