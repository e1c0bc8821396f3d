"""SQL of daily competitions: the day's figures, the evaluated days and winners, the owed awards.

``record`` writes, in ONE transaction, the (channel, competition, day) rows, the winners and the
owed payments (the time-based rewards' ``timed_owed`` table, paid by their ``OwedPayer``), so a crash
or a ledger outage can delay an award but never lose or double it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from economy_shared.db import Database

from ..timed.owed import Owed
from ..timed.store import TimedTx
from .rules import Award, Figure

# competition field -> (table, column); the names are whitelisted by ``CompetitionField``
_COLUMNS: dict[str, tuple[str, str]] = {
    **{f: ("daily_activity", f) for f in (
        "messages_sent", "long_messages", "gifs_posted", "unique_emotes_used", "kudos_given", "kudos_received",
        "laughs_received", "bot_interactions")},
    "minutes_present": ("daily_presence", "minutes"),
    "minutes_active": ("daily_presence", "active_minutes"),
}
KEEP_DAYS = 35  # winners and "reached" order kept this long


@dataclass(frozen=True)
class Winner:
    competition: str
    user_key: str
    display: str
    value: int
    reward: int


class CompetitionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def figures(self, channel: str, day: str, field: str) -> list[Figure]:
        """Everyone's value of ``field`` on ``day`` with the order it was reached in (not ``z_earned``)."""
        table, column = _COLUMNS[field]
        rows = await self.db.fetchall(
            f"SELECT t.user_key, t.{column} AS value, r.at_ms, COALESCE(u.display, t.user_key) AS display "
            f"FROM {table} t LEFT JOIN users u ON u.channel = t.channel AND u.user_key = t.user_key "
            "LEFT JOIN competition_reached r ON r.channel = t.channel AND r.user_key = t.user_key "
            f"AND r.day = t.day AND r.field = ? WHERE t.channel = ? AND t.day = ? AND t.{column} > 0",
            (field, channel, day),
        )
        return [Figure(r["user_key"], r["display"], int(r["value"]), r["at_ms"]) for r in rows]

    async def displays(self, channel: str, keys: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        keys = sorted(set(keys))
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            rows = await self.db.fetchall(
                f"SELECT user_key, display FROM users WHERE channel = ? AND user_key IN ({','.join('?' * len(chunk))})",
                (channel, *chunk),
            )
            out.update({r["user_key"]: r["display"] for r in rows})
        return out

    async def evaluated(self, channel: str, day: str) -> set[str]:
        rows = await self.db.fetchall(
            "SELECT competition FROM competition_days WHERE channel = ? AND day = ?", (channel, day)
        )
        return {r["competition"] for r in rows}

    async def last_day(self, channel: str) -> str | None:
        row = await self.db.fetchone("SELECT last_day FROM competition_last WHERE channel = ?", (channel,))
        return row["last_day"] if row else None

    async def set_last_day(self, channel: str, day: str) -> None:
        await self.db.execute(
            "INSERT INTO competition_last (channel, last_day) VALUES (?, ?) "
            "ON CONFLICT(channel) DO UPDATE SET last_day = MAX(last_day, excluded.last_day)",
            (channel, day),
        )

    async def record(
        self, channel: str, day: str, competitions: Sequence[str], awards: Sequence[Award], owed: Sequence[Owed],
        now_ms: int,
    ) -> list[str]:
        """Mark ``competitions`` evaluated for ``day`` with their awards and owed payments, in one
        transaction; returns the competitions this call recorded (a replay records none)."""
        async with self.db.transaction() as conn:
            marks = ",".join("?" * len(competitions))
            async with conn.execute(
                f"SELECT competition FROM competition_days WHERE channel = ? AND day = ? AND competition IN ({marks})",
                (channel, day, *competitions),
            ) as cur:
                done = {r[0] for r in await cur.fetchall()}
            fresh = [c for c in competitions if c not in done]
            if not fresh:
                return []
            await conn.executemany(
                "INSERT INTO competition_days (channel, competition, day, evaluated_ms) VALUES (?,?,?,?)",
                [(channel, c, day, now_ms) for c in fresh],
            )
            mine = [a for a in awards if a.competition in fresh]
            await conn.executemany(
                "INSERT OR IGNORE INTO competition_winners (channel, day, competition, user_key, display, value, "
                "reward) VALUES (?,?,?,?,?,?,?)",
                [(channel, day, a.competition, a.user_key, a.display, a.value, a.reward) for a in mine],
            )
            trig = {f"competition.{c}" for c in fresh}
            await TimedTx(conn, channel).add_owed([o for o in owed if o.trigger_id in trig], now_ms)
            return fresh

    async def winners(self, channel: str, day: str) -> list[Winner]:
        rows = await self.db.fetchall(
            "SELECT competition, user_key, display, value, reward FROM competition_winners "
            "WHERE channel = ? AND day = ? ORDER BY competition, value DESC, user_key",
            (channel, day),
        )
        return [Winner(r["competition"], r["user_key"], r["display"], r["value"], r["reward"]) for r in rows]

    async def prune(self, before_day: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM competition_reached WHERE day < ?", (before_day,))
            await conn.execute("DELETE FROM competition_winners WHERE day < ?", (before_day,))
            await conn.execute("DELETE FROM competition_days WHERE day < ?", (before_day,))
