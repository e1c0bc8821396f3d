"""SQL of the member import (issue 14): the ``imported_members`` table (migrations.py) and, through the
timed rules' own SQL (timed/store.py ``TimedTx``), the streaks it merges into ``timed_streaks``.

A whole batch is read, decided and written in ONE transaction (``transaction``), so two identical
batches at once cannot both import: the second one reads the first one's rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.db import Database, select_in

from .timed.store import TimedTx
from .timed.streaks import StreakState


@dataclass(frozen=True)
class ImportedRow:
    user_key: str
    display: str
    entry_hash: str
    welcome_claimed: bool


async def _hashes(conn: Any, channel: str, keys: Sequence[str]) -> dict[str, str]:
    rows = await select_in(conn, "SELECT user_key, entry_hash FROM imported_members WHERE channel=? AND user_key IN "
                                 "({marks})", (channel,), keys)
    return {r["user_key"]: r["entry_hash"] for r in rows}


class MemberImportTx:
    """Reads and writes of one import transaction (``MemberImportStore.transaction``)."""

    def __init__(self, conn: Any, channel: str) -> None:
        self._conn = conn
        self._channel = channel
        self._timed = TimedTx(conn, channel)

    async def hashes(self, keys: Sequence[str]) -> dict[str, str]:
        return await _hashes(self._conn, self._channel, keys)

    async def streaks(self, keys: Sequence[str]) -> dict[str, StreakState]:
        return await self._timed.streaks(keys)

    async def save_streaks(self, states: dict[str, StreakState]) -> None:
        await self._timed.save_streaks(states)

    async def record(self, rows: Sequence[ImportedRow], now_ms: int) -> None:
        await self._conn.executemany(
            "INSERT INTO imported_members (channel, user_key, display, entry_hash, welcome_claimed, imported_ms) "
            "VALUES (?,?,?,?,?,?)",
            [(self._channel, r.user_key, r.display, r.entry_hash, int(r.welcome_claimed), now_ms) for r in rows],
        )


class MemberImportStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @asynccontextmanager
    async def transaction(self, channel: str) -> AsyncIterator[MemberImportTx]:
        async with self.db.transaction() as conn:
            yield MemberImportTx(conn, channel)

    async def hashes(self, channel: str, keys: Sequence[str]) -> dict[str, str]:
        """Outside a transaction (a dry run writes nothing and takes no write lock)."""
        return await _hashes(self.db.conn, channel, keys)

    async def streaks(self, channel: str, keys: Sequence[str]) -> dict[str, StreakState]:
        return await TimedTx(self.db.conn, channel).streaks(keys)

    async def welcomed(self) -> set[tuple[str, str]]:
        """(channel key, user key) of every member the original had already paid the welcome wallet."""
        rows = await self.db.fetchall("SELECT channel, user_key FROM imported_members WHERE welcome_claimed=1")
        return {(channel_key(r["channel"]), r["user_key"]) for r in rows}
