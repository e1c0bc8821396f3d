"""Reading the original's database (issue 14): read-only (also while the original runs), older files, wrong files."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from economy_ops import original_db
from economy_ops.import_plan import plan_import
from economy_ops.original_db import NotAnOriginalDatabase, OriginalReadError, read_original
from tests.ops import original_fixture

HOLD_OPEN = """
import asyncio, sys
from kryten_economy.database import EconomyDatabase

async def main():
    db = EconomyDatabase(sys.argv[1])
    hold = db._get_connection()  # the original's own settings: WAL, busy timeout
    hold.execute("SELECT count(*) FROM accounts").fetchone()
    await db.credit("Zed", "RichChan", 7, tx_type="presence")  # committed to the WAL, not yet to the file
    print("ready", flush=True)
    sys.stdin.readline()
    hold.close()

asyncio.run(main())
"""


def _copy(rich_original: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    target = tmp_path / "economy.db"
    shutil.copy2(rich_original[0], target)
    return target


def _fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def _zed(dump: original_db.OriginalDump) -> int:
    return next(a.balance for a in dump.accounts if a.username == "Zed" and a.channel == "RichChan")


def test_reading_leaves_the_file_untouched(rich_original: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    db = _copy(rich_original, tmp_path)
    before = _fingerprint(db)
    dump = read_original(db)
    assert _fingerprint(db) == before
    assert len(dump.accounts) == sum(len(c["users"]) for c in rich_original[1]["channels"].values())


def test_reading_while_the_original_holds_it_open_in_wal_mode(
        rich_original: tuple[Path, dict[str, Any]], original_python: Path, tmp_path: Path) -> None:
    db = _copy(rich_original, tmp_path)
    script = tmp_path / "hold_open.py"
    script.write_text(HOLD_OPEN, encoding="utf-8")
    proc = subprocess.Popen([str(original_python), str(script), str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        assert Path(str(db) + "-wal").stat().st_size > 0  # the credit lives in the WAL only
        before = _fingerprint(db)
        dump = read_original(db)
        assert _fingerprint(db) == before
        assert _zed(dump) == 7  # the snapshot includes what the running original committed
    finally:
        if proc.stdin is not None:
            proc.stdin.write("\n")
            proc.stdin.close()
        assert proc.wait(timeout=60) == 0


def test_a_read_only_location_falls_back_to_a_scratch_copy(
        rich_original: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _copy(rich_original, tmp_path)
    want = read_original(db)
    real = original_db._backup_into
    calls: list[bool] = []

    def no_read_only_open(source: str, mem: sqlite3.Connection, uri: bool = False) -> None:
        calls.append(uri)
        if uri:  # as in a read-only directory without the -shm a WAL reader needs
            raise sqlite3.OperationalError("attempt to write a readonly database")
        assert Path(source).parent != db.parent  # a scratch copy, never the original file
        real(source, mem, uri)

    monkeypatch.setattr(original_db, "_backup_into", no_read_only_open)
    before = _fingerprint(db)
    assert read_original(db) == want
    assert calls == [True, False] and _fingerprint(db) == before


def test_an_older_file_without_later_tables_and_columns(
        rich_original: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    db = _copy(rich_original, tmp_path)
    conn = sqlite3.connect(db)
    for table in ("vanity_items", "pending_approvals", "bounties", "banned_users", "achievements",
                  "tip_history", "pending_challenges", "transactions"):
        conn.execute(f"DROP TABLE {table}")
    for column in ("quiet_mode", "lifetime_gambled_in", "personal_currency_name", "first_seen"):
        conn.execute(f"ALTER TABLE accounts DROP COLUMN {column}")
    conn.commit()
    conn.close()
    dump = read_original(db)
    assert dump.accounts and not dump.vanity_items and not dump.bounties and not dump.bans
    assert all(not a.quiet_mode and a.lifetime_gambled_in == 0 and a.first_seen_ms is None for a in dump.accounts)
    plan = plan_import(dump, ["RichChan"], "RichChan", 0, "t")
    assert plan.channels[0].total_z > 0


def test_not_an_original_database(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE accounts (id INTEGER, name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAnOriginalDatabase, match="not an original kryten-economy database"):
        read_original(other)
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not SQLite\n" * 100)
    with pytest.raises(NotAnOriginalDatabase, match="not an SQLite database"):
        read_original(text)
    with pytest.raises(OriginalReadError, match="no such file") as missing:
        read_original(tmp_path / "missing.db")
    assert not isinstance(missing.value, NotAnOriginalDatabase)


def test_a_bulk_channel_built_by_the_original(original_builder: Callable[..., tuple[Path, dict[str, Any]]]) -> None:
    """The bulk builder (the 10,000-account benchmark's) at a test's size: every balance and the total."""
    db, expected = original_builder("--accounts", "600", "--seed", "3", "--channel", "Bulk")
    plan = plan_import(read_original(db), ["bulk"], None, 0, "t")
    (cp,) = plan.channels
    want = expected["channels"]["Bulk"]
    assert {a.user: a.balance for a in cp.accounts} == {n: r["balance"] for n, r in want["accounts"].items()}
    assert cp.total_z == want["circulation"] == expected["facts"]["total_z"] and len(cp.accounts) == 600
    assert len(cp.members) == 60 and sum(len(a.achievements) for a in cp.accounts) == 24


def test_finding_python_312_skips_broken_candidates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shim = tmp_path / "shim" / "python3.12"  # e.g. a pyenv shim that answers "command not found"
    real = tmp_path / ".pyenv" / "versions" / "3.12.1" / "bin" / "python3.12"
    for p in (shim, real):
        p.parent.mkdir(parents=True)
        p.write_text("")
    monkeypatch.setattr(original_fixture.shutil, "which", lambda _: str(shim))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(original_fixture, "_is_312", lambda c: c == str(real))
    assert original_fixture.find_python312() == str(real)
    monkeypatch.setattr(original_fixture, "_is_312", lambda c: False)
    assert original_fixture.find_python312() is None  # → the fixture skips with NO_PYTHON_REASON
