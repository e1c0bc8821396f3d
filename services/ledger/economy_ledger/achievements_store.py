"""SQL for achievements: the awarded set, reported stats, and the award in one transaction.

An award is ONE ``earn`` posting (DECISIONS 5) under ``achievement:<id>:<chan>:<user>`` applied by
``LedgerStore.apply_in`` with the awarded row in the same transaction (DECISIONS 6), so a reward is
paid once. A banned user gets neither: nothing is written, and the award can happen after unban.
Reported values only ever rise (MAX), so a replayed or out-of-order report is harmless.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from economy_shared.channels import channel_key
from economy_shared.config.progression import Achievement
from economy_shared.db import Database
from economy_shared.envelope import ServiceError
from economy_shared.schemas.ledger import Posting, PostingKind, PostRequest
from economy_shared.users import user_key

from .achievement_rules import COUNTER_STATS, TIP_STATS
from .store import LedgerStore

AwardOutcome = Literal["awarded", "already", "banned", "no_account"]


class _Rollback(Exception):
    pass


def award_key(achievement_id: str, channel: str, user: str) -> str:
    return f"achievement:{achievement_id}:{channel_key(channel)}:{user_key(user)}"


class AchievementsStore:
    def __init__(self, db: Database, ledger: LedgerStore) -> None:
        self._db = db
        self._ledger = ledger

    async def account(self, channel: str, name: str) -> dict[str, Any] | None:
        return await self._ledger.account(channel, name)

    async def existing(self, channel: str, names: list[str]) -> dict[str, str]:
        """user key -> display name, for the names that have an account (reports never create one)."""
        keys = sorted({user_key(n) for n in names})
        out: dict[str, str] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            rows = await self._db.fetchall(
                f"SELECT user_key, display_name FROM accounts WHERE channel=? AND user_key IN "
                f"({','.join('?' * len(part))})", (channel_key(channel), *part))
            out.update({r["user_key"]: r["display_name"] for r in rows})
        return out

    async def unmet_candidates(self, achievements: list[Achievement], rank_floors: Mapping[float, int]
                               ) -> set[tuple[str, str]]:
        """Accounts that may meet a condition they were not awarded for — e.g. an achievement
        added to the config after they passed its threshold. Read once at start; the posting path
        finds every later crossing (achievement_rules.Watch). ``rank_floors`` maps a rank_reached
        threshold to the lifetime that reaches it (accounts with an admin floor are always included)."""
        out: set[tuple[str, str]] = set()
        not_awarded = ("NOT EXISTS (SELECT 1 FROM achievements_awarded w WHERE w.channel = a.channel "
                       "AND w.user_key = a.user_key AND w.achievement_id = ?) AND a.user_key NOT LIKE '~%'")
        for a in achievements:
            kind, th = a.condition.type, a.condition.threshold
            if kind in COUNTER_STATS:
                where, args = f"a.{COUNTER_STATS[kind]} >= ?", (th,)
            elif kind == "rank_reached":
                where, args = "(a.lifetime_earned >= ? OR a.rank_floor IS NOT NULL)", (rank_floors.get(th, 0),)
            elif kind in TIP_STATS:
                where, args = ("a.id IN (SELECT DISTINCT account_id FROM journal WHERE kind = 'transfer')", ())
            else:  # a reported stat, as last reported
                where, args = ("a.user_key IN (SELECT s.user_key FROM achievement_stats s WHERE s.channel = a.channel "
                               "AND s.stat = ? AND s.value >= ?)", (kind, th))
            rows = await self._db.fetchall(
                f"SELECT a.channel, a.user_key FROM accounts a WHERE {where} AND {not_awarded}", (*args, a.id))
            out.update((r["channel"], r["user_key"]) for r in rows)
        return out

    async def stored(self, channel: str, keys: list[str]) -> dict[str, dict[str, float]]:
        """The reported values held now (user key -> {type: value}), read before a report is recorded."""
        out: dict[str, dict[str, float]] = {k: {} for k in keys}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            rows = await self._db.fetchall(
                f"SELECT user_key, stat, value FROM achievement_stats WHERE channel=? AND user_key IN "
                f"({','.join('?' * len(part))})", (channel_key(channel), *part))
            for r in rows:
                out[r["user_key"]][r["stat"]] = float(r["value"])
        return out

    async def record(self, channel: str, reports: Mapping[str, Mapping[str, float]], now_ms: int) -> None:
        """Store reported values (user key -> {type: value}); a value never goes down."""
        chan = channel_key(channel)
        rows = [(chan, key, stat, float(v), now_ms) for key, stats in reports.items() for stat, v in stats.items()]
        if rows:
            async with self._db.transaction() as conn:
                await conn.executemany(
                    "INSERT INTO achievement_stats (channel, user_key, stat, value, updated_ms) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(channel, user_key, stat) DO UPDATE SET value = MAX(value, excluded.value), "
                    "updated_ms = excluded.updated_ms", rows)

    async def earned(self, channel: str, name: str) -> dict[str, int]:
        rows = await self._db.fetchall(
            "SELECT achievement_id, awarded_ms FROM achievements_awarded WHERE channel=? AND user_key=?",
            (channel_key(channel), user_key(name)))
        return {r["achievement_id"]: int(r["awarded_ms"]) for r in rows}

    async def values(self, channel: str, name: str) -> tuple[dict[str, float], str | None]:
        """Every stat value known for a user (reported ones, then the ledger's own counters), and the
        admin rank floor (the use case turns it into ``rank_reached`` with rank_rules)."""
        chan, key = channel_key(channel), user_key(name)
        rows = await self._db.fetchall(
            "SELECT stat, value FROM achievement_stats WHERE channel=? AND user_key=?", (chan, key))
        out = {r["stat"]: float(r["value"]) for r in rows}
        acct = await self._db.fetchone(
            "SELECT id, lifetime_earned, lifetime_spent, lifetime_gambled_in, rank_floor FROM accounts "
            "WHERE channel=? AND user_key=?", (chan, key))
        if acct is None:
            return out, None
        out["lifetime_earned"] = float(acct["lifetime_earned"])
        out["lifetime_spent"] = float(acct["lifetime_spent"])
        out["lifetime_gambled"] = max(out.get("lifetime_gambled", 0.0), float(acct["lifetime_gambled_in"]))
        for stat, sign in (("unique_tip_recipients", "<"), ("unique_tip_senders", ">")):
            row = await self._db.fetchone(
                f"SELECT COUNT(DISTINCT lower(related_user)) FROM journal WHERE account_id=? AND kind='transfer' "
                f"AND amount {sign} 0 AND related_user IS NOT NULL", (acct["id"],))
            out[stat] = float(row[0]) if row else 0.0
        return out, acct["rank_floor"]

    async def untold(self, limit: int = 100) -> list[dict[str, Any]]:
        """Awards whose PM has not gone out yet (the announcer was down), oldest first."""
        rows = await self._db.fetchall(
            "SELECT w.channel, w.user_key, w.achievement_id, COALESCE(a.display_name, w.user_key) AS display "
            "FROM achievements_awarded w LEFT JOIN accounts a ON a.channel = w.channel AND a.user_key = w.user_key "
            "WHERE w.told = 0 ORDER BY w.awarded_ms LIMIT ?", (limit,))
        return [dict(r) for r in rows]

    async def mark_told(self, channel: str, key: str, achievement_id: str) -> None:
        await self._db.execute("UPDATE achievements_awarded SET told = 1 WHERE channel=? AND user_key=? "
                               "AND achievement_id=?", (channel, key, achievement_id))

    async def award(self, channel: str, name: str, a: Achievement, now_ms: int) -> AwardOutcome:
        chan, key = channel_key(channel), user_key(name)
        try:
            async with self._db.transaction() as conn:
                async with conn.execute("SELECT display_name, banned FROM accounts WHERE channel=? AND user_key=?",
                                        (chan, key)) as cur:
                    acct = await cur.fetchone()
                if acct is None:
                    return "no_account"
                if acct["banned"]:
                    return "banned"  # nothing written: it can be awarded after an unban
                cur = await conn.execute(
                    "INSERT OR IGNORE INTO achievements_awarded (channel, user_key, achievement_id, awarded_ms) "
                    "VALUES (?,?,?,?)", (chan, key, a.id, now_ms))
                if cur.rowcount == 0:
                    return "already"
                if a.reward > 0:
                    req = PostRequest(channel=channel, idempotency_key=award_key(a.id, channel, name), postings=[
                        Posting(user=acct["display_name"], amount=a.reward, kind=PostingKind.EARN,
                                trigger_id=f"achievement.{a.id}", reason=f"achievement: {a.description or a.id}")])
                    if isinstance(await self._ledger.apply_in(conn, req, now_ms), ServiceError):
                        raise _Rollback
        except _Rollback:
            return "banned"
        finally:
            self._ledger.committed()
        return "awarded"
