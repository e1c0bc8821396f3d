"""SQLite through aiosqlite: one long-lived connection per service, WAL, versioned migrations.

A service is the single writer of its own file. ``transaction()`` serialises writers inside the
process with a lock, so a read-check-write inside it is atomic with respect to other coroutines.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

# A migration is a list of SQL statements; migration N brings the schema to user_version N.
Migration = Sequence[str]

IN_CHUNK = 500  # keys per ``IN (…)``: well under SQLite's bound-parameter limit


async def select_in(conn: aiosqlite.Connection, sql: str, params_before: Sequence[object], keys: Iterable[str],
                    chunk: int = IN_CHUNK) -> list[aiosqlite.Row]:
    """``sql`` (``... WHERE channel=? AND <column> IN ({marks})``) for every distinct key, in chunks of
    ``chunk``; ``params_before`` bind the marks before the ``IN``. Works inside a transaction or outside."""
    rows: list[aiosqlite.Row] = []
    wanted = sorted(set(keys))
    for i in range(0, len(wanted), chunk):
        part = wanted[i : i + chunk]
        async with conn.execute(sql.format(marks=",".join("?" * len(part))), (*params_before, *part)) as cur:
            rows.extend(await cur.fetchall())
    return rows


class Database:
    def __init__(
        self,
        path: str | Path,
        migrations: Sequence[Migration],
        *,
        busy_timeout_ms: int = 5000,
        synchronous: str = "NORMAL",
    ) -> None:
        self.path = str(path)
        self._migrations = list(migrations)
        self._busy_timeout_ms = busy_timeout_ms
        self._synchronous = synchronous
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("PRAGMA journal_mode=WAL")
        await self._conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute(f"PRAGMA synchronous={self._synchronous}")
        await self.migrate()

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every migration past the file's ``user_version``, each in its own transaction."""
        current = await self.schema_version()
        if current > len(self._migrations):
            raise RuntimeError(
                f"{self.path} has schema version {current}, newer than this code ({len(self._migrations)})"
            )
        for version in range(current + 1, len(self._migrations) + 1):
            async with self.transaction() as conn:
                for statement in self._migrations[version - 1]:
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version={version}")
        return len(self._migrations)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any error."""
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def fetchone(self, sql: str, params: Sequence[object] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[object] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """A single autocommitted write, serialised with transactions."""
        async with self._lock:
            await self.conn.execute(sql, params)
