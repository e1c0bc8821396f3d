"""``kryten-economy backup <dir>``: a consistent online copy of every service's SQLite file.

sqlite3's online backup API (``Connection.backup``) reads a consistent snapshot while the services
keep writing in WAL mode; each copy is switched to ``journal_mode=DELETE`` so it is one self-contained
file, then ``PRAGMA quick_check``ed. A ``manifest.json`` records the time, the source and each file's
size. The paths are the services' own: ``<database.directory>/<service>.db`` (EconomyService.db_path).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from economy_shared import __version__
from economy_shared.config import EconomyConfig
from economy_shared.subjects import SERVICE_NAMES, ServiceName

MANIFEST = "manifest.json"


class BackupError(Exception):
    """The backup cannot be made (the message says why); nothing is left half-written under that name."""


def db_path(config: EconomyConfig, service: ServiceName) -> Path:
    """Where a service keeps its database (the same rule as ``EconomyService.db_path``)."""
    return Path(config.database.directory) / f"{service}.db"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_one(source: Path, target: Path, busy_timeout_ms: int = 5000) -> dict[str, Any]:
    """Copy one live database to ``target`` (which must not exist) and check the copy."""
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    # a plain connection (read-only opens of a WAL file can fail without its -shm); it only reads
    src = sqlite3.connect(source, timeout=busy_timeout_ms / 1000)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            version = dst.execute("PRAGMA user_version").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if check != "ok":
        tmp.unlink(missing_ok=True)
        raise BackupError(f"{source}: the copy failed its integrity check: {check}")
    tmp.rename(target)
    return {"file": target.name, "bytes": target.stat().st_size, "sha256": _sha256(target),
            "schema_version": version, "quick_check": check}


def backup_all(config: EconomyConfig, out_dir: Path, now: datetime | None = None) -> dict[str, Any]:
    """Back up every service database that exists; return (and write) the manifest."""
    if out_dir.exists() and any(out_dir.iterdir()):
        raise BackupError(f"{out_dir} is not empty: choose a new directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    started = now or datetime.now(UTC)
    entries: dict[str, Any] = {}
    for service in SERVICE_NAMES:
        source = db_path(config, service)
        if not source.is_file():
            entries[service] = {"file": None, "missing": str(source)}
            continue
        try:
            entries[service] = backup_one(source, out_dir / source.name, config.database.busy_timeout_ms)
        except sqlite3.Error as err:
            raise BackupError(f"{source}: {err}") from None
    manifest = {
        "created_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "version": __version__,
        "source_directory": str(Path(config.database.directory).resolve()),
        "services": entries,
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
