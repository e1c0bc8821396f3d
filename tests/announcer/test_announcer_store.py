"""The announcer's SQLite file: migrations from empty, quiet mode written through and reloaded."""

from __future__ import annotations

from pathlib import Path

from economy_announcer.store import MIGRATIONS, AnnouncerStore
from economy_shared.db import Database


async def test_quiet_users_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "announcer.db"
    db = Database(path, MIGRATIONS)
    await db.open()
    assert await db.schema_version() == len(MIGRATIONS)
    store = AnnouncerStore(db)
    await store.load()
    await store.set_quiet("TestChan", "Alice", True, 1_000)
    await store.set_quiet("testchan", "alice", True, 2_000)  # keeps the first time, latest spelling
    await store.set_quiet("testchan", "bob", True, 3_000)
    await store.set_quiet("testchan", "Bob", False, 4_000)
    await db.close()

    db = Database(path, MIGRATIONS)
    await db.open()
    store = AnnouncerStore(db)
    await store.load()
    assert store.is_quiet("testchan", "ALICE")
    assert not store.is_quiet("otherchan", "alice")  # quiet is per channel
    assert not store.is_quiet("testchan", "bob")
    assert store.quiet_count() == 1
    row = await db.fetchone("SELECT display_name, since_ms FROM quiet_users")
    assert row is not None and (row["display_name"], row["since_ms"]) == ("alice", 1_000)
    await db.close()
