"""SQL of the vanity import (issue 14): ``imported_vanity`` (store.py), quiet mode (``quiet_users``) and
imported pending GIFs (``gif_approvals``, through approval_store.create_pending).

A whole batch is read, decided and written in ONE transaction (``transaction``), so two identical
batches at once cannot both import: the second one reads the first one's rows. Owned items are
written by the shop's VanityStore inside the same transaction (``ImportTx.conn``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiosqlite

from economy_shared.db import Database, select_in

from .approval_store import create_pending


@dataclass(frozen=True)
class ImportedUser:
    user_key: str
    display: str
    entry_hash: str


async def _hashes(conn: Any, channel: str, keys: Sequence[str]) -> dict[str, str]:
    rows = await select_in(conn, "SELECT user_key, entry_hash FROM imported_vanity WHERE channel=? AND user_key IN "
                                 "({marks})", (channel,), keys)
    return {r["user_key"]: r["entry_hash"] for r in rows}


class ImportTx:
    """Reads and writes of one import transaction; ``channel`` is the channel key."""

    def __init__(self, conn: aiosqlite.Connection, channel: str) -> None:
        self.conn = conn
        self._channel = channel

    async def hashes(self, keys: Sequence[str]) -> dict[str, str]:
        return await _hashes(self.conn, self._channel, keys)

    async def quiet(self, key: str, display: str, now_ms: int) -> None:
        """Quiet mode on (a user already quiet here stays as they are)."""
        await self.conn.execute(
            "INSERT INTO quiet_users (channel, user_key, display_name, since_ms) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (channel, user_key) DO NOTHING", (self._channel, key, display, now_ms))

    async def pending_gif(self, display: str, url: str, cost: int, created_ms: int) -> int:
        """A pending GIF paid for in the original: no purchase here, ``cost`` is what a rejection refunds."""
        return await create_pending(self.conn, self._channel, display, display, url, cost, None, created_ms)

    async def record(self, users: Sequence[ImportedUser], now_ms: int) -> None:
        await self.conn.executemany(
            "INSERT INTO imported_vanity (channel, user_key, display_name, entry_hash, imported_ms) VALUES (?,?,?,?,?)",
            [(self._channel, u.user_key, u.display, u.entry_hash, now_ms) for u in users],
        )


class VanityImportStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    @asynccontextmanager
    async def transaction(self, channel: str) -> AsyncIterator[ImportTx]:
        async with self._db.transaction() as conn:
            yield ImportTx(conn, channel)

    async def hashes(self, channel: str, keys: Sequence[str]) -> dict[str, str]:
        """Outside a transaction (a dry run writes nothing and takes no write lock)."""
        return await _hashes(self._db.conn, channel, keys)
