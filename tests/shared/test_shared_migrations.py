"""Every service's schema migrates from an empty file and from every earlier version."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

from economy_shared.db import Database
from economy_shared.subjects import SERVICE_NAMES


def _migrations() -> list[tuple[str, list[list[str]]]]:
    out = []
    for name in SERVICE_NAMES:
        if importlib.util.find_spec(f"economy_{name}") is None:
            continue
        # a service keeps its list in migrations.py, or in store.py while it is short
        module = f"economy_{name}.migrations"
        if importlib.util.find_spec(module) is None:
            module = f"economy_{name}.store"
        out.append((name, importlib.import_module(module).MIGRATIONS))
    return out


@pytest.mark.parametrize(("name", "migrations"), _migrations(), ids=[n for n, _ in _migrations()])
async def test_migrates_from_every_earlier_version(tmp_path: Path, name: str, migrations: list[list[str]]) -> None:
    for start in range(len(migrations) + 1):
        path = tmp_path / f"{name}-{start}.db"
        partial = Database(path, migrations[:start])
        await partial.open()
        assert await partial.schema_version() == start
        await partial.close()
        full = Database(path, migrations)
        await full.open()
        assert await full.schema_version() == len(migrations)
        tables = await full.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
        assert tables or not any(migrations)
        await full.close()


async def test_newer_file_than_code_is_refused(tmp_path: Path) -> None:
    db = Database(tmp_path / "x.db", [["CREATE TABLE a (x)"], ["CREATE TABLE b (x)"]])
    await db.open()
    await db.close()
    old = Database(tmp_path / "x.db", [["CREATE TABLE a (x)"]])
    with pytest.raises(RuntimeError, match="newer"):
        await old.open()
    await old.close()
