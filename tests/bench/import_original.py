"""Moving in (issue 14): ``kryten-economy import-original`` on N accounts, end to end.

The original database is built by the ORIGINAL kryten-economy 0.16.1 (a scratch Python 3.12 venv, see
tests/ops/original_fixture.py): N accounts with balances, lifetime earnings, streaks for one in ten and
an achievement for one in 25. Then the real CLI runs against the five services as real processes on a
real nats-server — first import, then the same file again (every entry ``already``) — and the audit.
Skipped (with the reason) where there is no Python 3.12.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from tests.ops.original_fixture import NO_PYTHON_REASON, build_original, find_python312, make_original_venv
from tests.system.harness import SystemStack
from tests.system.test_system_cli import cli_command

CHANNEL = "BulkChan"
ACHIEVEMENTS = [{"id": "regular", "description": "a regular", "reward": 100,
                 "condition": {"type": "lifetime_messages", "threshold": 1e12}}]


async def _cli(stack: SystemStack, *args: str) -> tuple[int, str, float]:
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *cli_command(), *args, "--config", str(stack.config_path), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env={"NATS_URL": stack.nats.url, "PATH": "/usr/bin:/bin"})
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode(), time.perf_counter() - started


async def bench_import_original(n: int) -> None:
    python312 = find_python312()
    if python312 is None:
        print(f"import-original: skipped — {NO_PYTHON_REASON}")
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-original-"))
    py = make_original_venv(python312, tmp / "venv")
    db = tmp / "economy.db"
    started = time.perf_counter()
    expected = build_original(py, db, "--accounts", str(n), "--seed", "7", "--channel", CHANNEL)
    built = time.perf_counter() - started
    stack = await SystemStack(tmp / "stack", ["ledger", "presence", "gambling", "media", "announcer"],
                              channels=[{"domain": "cytu.be", "channel": CHANNEL}],
                              achievements=ACHIEVEMENTS).start()
    try:
        code, out, first = await _cli(stack, "import-original", str(db))
        assert code == 0, out
        code, out, again = await _cli(stack, "import-original", str(db))
        assert code == 0 and "already imported" in out, out
        assert stack.robot is not None
        audit = (await stack.robot.request("ledger", {"command": "ledger.audit", "channel": CHANNEL}))["data"]
        total = expected["channels"][CHANNEL]["circulation"]
        assert audit["ok"] and audit["total_balance"] == total, (audit, total)
        print(f"import-original {n:>6,} accounts (built by the original in {built:.1f} s): "
              f"first run {first:.2f} s, rerun {again:.2f} s (CLI process start to exit), "
              f"{audit['journal_rows']:,} journal rows, {total:,} Z, audit ok")
    finally:
        await stack.stop()
