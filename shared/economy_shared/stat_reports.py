"""Batched, restart-safe reports of achievement statistics to the ledger (``ledger.report_stats``).

A service that owns a statistic marks a user dirty in its own database, in the transaction that
changed the value (a ``stat_dirty(channel, user_key, mark)`` table, filled by triggers). A pass reads
the dirty users, computes their absolute values and sends one request per channel (up to BATCH
users); a user is cleaned only when the ledger answered and the mark did not move meanwhile. A report
that got no answer is sent again on a later pass with the latest values (absolute, so resending is
harmless); users the ledger has no account for stay dirty until it has one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .db import Database
from .runtime.logging import get_logger
from .runtime.requests import call
from .schemas.ledger import ReportStatsRequest, StatReport
from .subjects import service_subject
from .users import user_key
from .wakeable import WakeableLoop

log = get_logger("economy.stat_reports")
BATCH = 500
Values = Callable[[str, list[str]], Awaitable[dict[str, dict[str, float]]]]  # channel, keys -> key -> stats
Names = Callable[[str, list[str]], Awaitable[dict[str, str]]]  # channel, keys -> key -> display name


class StatReporter:
    def __init__(self, db: Database, client: Any, values: Values, names: Names, *, timeout: float = 5.0,
                 every_seconds: float = 5.0) -> None:
        self._db = db
        self._client = client
        self._values = values
        self._names = names
        self.timeout = timeout
        self._loop = WakeableLoop("stat-reports", self.report_once, every_seconds)

    async def report_once(self) -> int:
        """One pass over the dirty users; returns how many the ledger acknowledged."""
        rows = await self._db.fetchall("SELECT channel, user_key, mark FROM stat_dirty ORDER BY channel LIMIT ?",
                                       (BATCH * 4,))
        by_channel: dict[str, list[Any]] = {}
        for r in rows:
            by_channel.setdefault(r["channel"], []).append(r)
        done = 0
        for channel, users in by_channel.items():
            for i in range(0, len(users), BATCH):
                done += await self._send(channel, users[i : i + BATCH])
        return done

    async def _send(self, channel: str, part: list[Any]) -> int:
        keys = [r["user_key"] for r in part]
        values = await self._values(channel, keys)
        names = await self._names(channel, keys)
        reports = [StatReport(user=names.get(k, k), stats=values.get(k, {})) for k in keys]
        reply = await call(self._client, service_subject("ledger"),
                           ReportStatsRequest(channel=channel, reports=reports), self.timeout)
        if not reply.success:
            log.warning("stat_report_unanswered", channel=channel, users=len(part), error=reply.error)
            return 0  # still dirty: sent again next pass, with the latest values
        unknown = {user_key(str(u)) for u in reply.data.get("unknown", [])}
        acked = [r for r in part if r["user_key"] not in unknown]
        async with self._db.transaction() as conn:
            await conn.executemany("DELETE FROM stat_dirty WHERE channel=? AND user_key=? AND mark=?",
                                   [(channel, r["user_key"], r["mark"]) for r in acked])
        return len(acked)

    async def start(self) -> None:
        self._loop.start()
        self._loop.poke()  # the first pass at once: changes left dirty before a stop go out now

    async def stop(self) -> None:
        await self._loop.stop()


def dirty_triggers(table: str, when: str = "", ops: tuple[str, ...] = ("INSERT", "UPDATE")) -> list[str]:
    """Triggers marking ``new.user_key`` dirty. No OR REPLACE inside a trigger: the firing statement's
    conflict clause would override it (an upsert would then fail on a second mark)."""
    cond = f" WHEN {when}" if when else ""
    return [f"""CREATE TRIGGER {table}_{op.lower()}_dirty AFTER {op} ON {table}{cond} BEGIN
        DELETE FROM stat_dirty WHERE channel = new.channel AND user_key = new.user_key;
        INSERT INTO stat_dirty (channel, user_key, mark) VALUES (new.channel, new.user_key, random());
    END""" for op in ops]


STAT_DIRTY_TABLE = """CREATE TABLE stat_dirty (
    channel TEXT NOT NULL, user_key TEXT NOT NULL, mark INTEGER NOT NULL,
    PRIMARY KEY (channel, user_key)
) WITHOUT ROWID"""
