"""A scratch venv holding the ORIGINAL kryten-economy 0.16.1, and databases built by it (issue 14).

The original needs Python >= 3.12; its ``database`` module needs only the stdlib, so the package is
installed with ``--no-deps``. Databases are never hand-written: ``original_builder.py`` (run by the
scratch venv's Python) makes them through the original's own ``EconomyDatabase``.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ORIGINAL_SPEC = "kryten-economy==0.16.1"
BUILDER = Path(__file__).with_name("original_builder.py")
NO_PYTHON_REASON = "no Python 3.12 on this machine: the original kryten-economy 0.16 needs it"
TMPFS = Path("/dev/shm")


def _is_312(python: str) -> bool:
    try:
        out = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.strip() == "True"


def find_python312() -> str | None:
    """A working Python 3.12: PATH ``python3.12`` (a pyenv shim may not work), then the usual places."""
    candidates = [shutil.which("python3.12")]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12")), reverse=True)
    candidates += ["/usr/bin/python3.12", "/usr/local/bin/python3.12"]
    for c in candidates:
        if c and Path(c).is_file() and _is_312(c):
            return c
    return None


class OriginalSetupError(Exception):
    """Installing the original or building a database with it failed (the message carries the output)."""


def make_original_venv(python312: str, where: Path) -> Path:
    """A venv at ``where`` with the original installed; returns its python."""
    made = subprocess.run([python312, "-m", "venv", str(where)], capture_output=True, text=True, timeout=300)
    if made.returncode != 0:
        raise OriginalSetupError(f"{python312} -m venv failed ({made.returncode}):\n{made.stdout}\n{made.stderr}")
    py = where / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    pip = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "-q",
                          ORIGINAL_SPEC], capture_output=True, text=True, timeout=600)
    if pip.returncode != 0:
        raise OriginalSetupError(f"pip install {ORIGINAL_SPEC} failed ({pip.returncode}):\n{pip.stdout}\n{pip.stderr}")
    probe = subprocess.run([str(py), "-c", "import kryten_economy.database"],
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        raise OriginalSetupError(f"the original's database module does not import:\n{probe.stderr}")
    return py


def build_original(python: Path, db: Path, *args: str, timeout: float = 900) -> dict[str, Any]:
    """Run the builder (``--scenario rich`` or ``--accounts N --seed S``); returns expected.json's content."""
    expected = db.with_name(db.name + ".expected.json")
    cmd = [str(python), str(BUILDER), "--db", str(db), "--expected", str(expected), *args]
    if TMPFS.is_dir() and os.access(TMPFS, os.W_OK):
        cmd += ["--scratch-dir", str(TMPFS)]  # the original commits (and syncs) on every call
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if run.returncode != 0:
        raise OriginalSetupError(f"the builder failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    return json.loads(expected.read_text(encoding="utf-8"))
