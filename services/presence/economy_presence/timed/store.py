"""SQL for the time-based rules: streaks, dwell claims, bridge weeks, the rain schedule, owed payments.

Everything a tick decides is written through ``TimedTx`` inside one transaction; reads of many users
are chunked ``IN (...)`` queries, so a tick costs a handful of statements whatever the crowd size.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from economy_shared.db import Database

from .bridge import BridgeState
from .owed import Announcement, Owed
from .streaks import StreakState

_CHUNK = 500


def _chunks(keys: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(keys), _CHUNK):
        yield keys[i : i + _CHUNK]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class OwedRow:
    id: int
    channel: str
    owed: Owed
    attempts: int


class TimedTx:
    """Reads and writes of one transaction (``TimedStore.transaction``)."""

    def __init__(self, conn: Any, channel: str) -> None:
        self.conn = conn
        self.channel = channel

    async def _rows(self, sql: str, keys: Sequence[str], *head: object) -> list[Any]:
        out: list[Any] = []
        for chunk in _chunks(sorted(set(keys))):
            marks = ",".join("?" * len(chunk))
            async with self.conn.execute(sql.format(marks=marks), (self.channel, *head, *chunk)) as cur:
                out.extend(await cur.fetchall())
        return out

    async def streaks(self, keys: Sequence[str]) -> dict[str, StreakState]:
        rows = await self._rows(
            "SELECT user_key, current, longest, last_day FROM timed_streaks WHERE channel=? AND user_key IN ({marks})",
            keys,
        )
        return {r["user_key"]: StreakState(r["current"], r["longest"], _day(r["last_day"])) for r in rows}

    async def save_streaks(self, states: dict[str, StreakState]) -> None:
        await self.conn.executemany(
            "INSERT INTO timed_streaks (channel, user_key, current, longest, last_day) VALUES (?,?,?,?,?) "
            "ON CONFLICT(channel, user_key) DO UPDATE SET current=excluded.current, longest=excluded.longest, "
            "last_day=excluded.last_day",
            [
                (self.channel, k, s.current, s.longest, s.last_day.isoformat() if s.last_day else None)
                for k, s in states.items()
            ],
        )

    async def dwell_claims(self, day: str, keys: Sequence[str]) -> dict[str, set[int]]:
        rows = await self._rows(
            "SELECT user_key, hours FROM timed_dwell WHERE channel=? AND day=? AND user_key IN ({marks})", keys, day
        )
        out: dict[str, set[int]] = {}
        for r in rows:
            out.setdefault(r["user_key"], set()).add(r["hours"])
        return out

    async def add_dwell_claims(self, day: str, claims: Iterable[tuple[str, int]]) -> None:
        await self.conn.executemany(
            "INSERT OR IGNORE INTO timed_dwell (channel, day, user_key, hours) VALUES (?,?,?,?)",
            [(self.channel, day, k, h) for k, h in claims],
        )

    async def bridge(self, week: str, keys: Sequence[str]) -> dict[str, BridgeState]:
        rows = await self._rows(
            "SELECT user_key, weekend, weekday, claimed, reminded FROM timed_bridge "
            "WHERE channel=? AND week=? AND user_key IN ({marks})",
            keys,
            week,
        )
        return {
            r["user_key"]: BridgeState(bool(r["weekend"]), bool(r["weekday"]), bool(r["claimed"]), bool(r["reminded"]))
            for r in rows
        }

    async def save_bridge(self, week: str, states: dict[str, BridgeState]) -> None:
        await self.conn.executemany(
            "INSERT INTO timed_bridge (channel, week, user_key, weekend, weekday, claimed, reminded) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(channel, week, user_key) DO UPDATE SET weekend=excluded.weekend, "
            "weekday=excluded.weekday, claimed=excluded.claimed, reminded=excluded.reminded",
            [
                (self.channel, week, k, int(s.weekend), int(s.weekday), int(s.claimed), int(s.reminded))
                for k, s in states.items()
            ],
        )

    async def add_owed(self, owed: Iterable[Owed], now_ms: int) -> None:
        await self.conn.executemany(
            "INSERT OR IGNORE INTO timed_owed (channel, idem_key, user_display, amount, trigger_id, reason, notice, "
            "announce, created_ms, metadata) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    self.channel, o.key, o.user, o.amount, o.trigger_id, o.reason, o.notice,
                    json.dumps({"template": o.announce.template, "context": o.announce.context})
                    if o.announce else None,
                    now_ms,
                    json.dumps(o.metadata, sort_keys=True) if o.metadata else None,
                )
                for o in owed
            ],
        )


class TimedStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @asynccontextmanager
    async def transaction(self, channel: str) -> AsyncIterator[TimedTx]:
        async with self.db.transaction() as conn:
            yield TimedTx(conn, channel)

    # ---- presence minutes (the tick's table, read only) ---------------------------------------
    async def day_minutes(self, channel: str, day: str) -> dict[str, tuple[int, str]]:
        """Everyone's cumulative minutes on ``day`` with their display name."""
        rows = await self.db.fetchall(
            "SELECT d.user_key, d.minutes, COALESCE(u.display, d.user_key) AS display FROM daily_presence d "
            "LEFT JOIN users u ON u.channel = d.channel AND u.user_key = d.user_key WHERE d.channel=? AND d.day=?",
            (channel, day),
        )
        return {r["user_key"]: (int(r["minutes"]), r["display"]) for r in rows}

    async def streak(self, channel: str, key: str) -> StreakState:
        row = await self.db.fetchone(
            "SELECT current, longest, last_day FROM timed_streaks WHERE channel=? AND user_key=?", (channel, key)
        )
        return StreakState(row["current"], row["longest"], _day(row["last_day"])) if row else StreakState()

    async def prune(self, channel: str, keep_day: str, keep_week: str) -> None:
        """Drop dwell claims before ``keep_day`` and bridge weeks before ``keep_week`` (they never matter again)."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM timed_dwell WHERE channel=? AND day < ?", (channel, keep_day))
            await conn.execute("DELETE FROM timed_bridge WHERE channel=? AND week < ?", (channel, keep_week))

    # ---- owed payments ------------------------------------------------------------------------
    async def add_owed(self, channel: str, owed: Iterable[Owed], now_ms: int) -> None:
        async with self.transaction(channel) as tx:
            await tx.add_owed(owed, now_ms)

    async def owed_due(self, now_ms: int, limit: int) -> list[OwedRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM timed_owed WHERE retry_ms <= ? ORDER BY id LIMIT ?", (now_ms, limit)
        )
        out = []
        for r in rows:
            ann = json.loads(r["announce"]) if r["announce"] else None
            owed = Owed(
                key=r["idem_key"], user=r["user_display"], amount=r["amount"], trigger_id=r["trigger_id"],
                reason=r["reason"], notice=r["notice"],
                announce=Announcement(ann["template"], ann["context"]) if ann else None,
                metadata=json.loads(r["metadata"]) if r["metadata"] else None,
            )
            out.append(OwedRow(r["id"], r["channel"], owed, r["attempts"]))
        return out

    async def owed_settled(self, done: Sequence[int], retry: Sequence[tuple[int, int]]) -> None:
        """Delete paid/refused rows; push back ``(id, retry_ms)`` rows that failed."""
        if not done and not retry:
            return
        async with self.db.transaction() as conn:
            await conn.executemany("DELETE FROM timed_owed WHERE id=?", [(i,) for i in done])
            await conn.executemany(
                "UPDATE timed_owed SET attempts=attempts+1, retry_ms=? WHERE id=?", [(ms, i) for i, ms in retry]
            )

    async def owed_count(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM timed_owed")
        return int(row[0]) if row else 0

    # ---- rain schedule --------------------------------------------------------------------------
    async def rain_next(self, channel: str) -> int | None:
        row = await self.db.fetchone("SELECT next_run_ms FROM timed_rain WHERE channel=?", (channel,))
        return int(row["next_run_ms"]) if row else None

    async def set_rain_next(self, channel: str, next_ms: int) -> None:
        """The next rain; a new schedule drops the shares of the previous one."""
        await self.db.execute(
            "INSERT INTO timed_rain (channel, next_run_ms) VALUES (?,?) "
            "ON CONFLICT(channel) DO UPDATE SET next_run_ms=excluded.next_run_ms, pending=NULL",
            (channel, next_ms),
        )

    async def rain_pending(self, channel: str) -> dict[str, Any] | None:
        """The due rain whose requests got no answer, as stored (rain.py ``pending_shares`` reads it)."""
        row = await self.db.fetchone("SELECT pending FROM timed_rain WHERE channel=?", (channel,))
        return json.loads(row["pending"]) if row and row["pending"] else None

    async def set_rain_pending(self, channel: str, shares_json: str) -> None:
        await self.db.execute("UPDATE timed_rain SET pending=? WHERE channel=?", (shares_json, channel))
