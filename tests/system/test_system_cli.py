"""The operator CLI ``kryten-economy`` on real processes (issue 11): status, audit, user, pm, backup (restored
and audited by a fresh ledger), and the public ``system.health`` naming a stopped service."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from pathlib import Path

from economy_shared.subjects import PUBLIC_COMMAND
from tests.system.harness import CHANNEL, FakeRobot, SystemStack

RUNNING = ["ledger", "announcer", "gambling"]


def cli_command() -> list[str]:
    """The console script when the venv has it (``pip install -e .``), else the same module."""
    script = Path(sys.executable).parent / "kryten-economy"
    return [str(script)] if script.exists() else [sys.executable, "-m", "economy_ops"]


async def cli(stack: SystemStack, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *cli_command(), *args, "--config", str(stack.config_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={"NATS_URL": stack.nats.url, "PATH": "/usr/bin:/bin"})
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def grant(robot: FakeRobot, user: str, amount: int) -> None:
    reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": f"cli:{user}:{time.time()}",
                                           "postings": [{"user": user, "amount": amount, "kind": "earn",
                                                         "trigger_id": "test.cli"}]})
    assert reply["success"], reply


def service_args() -> list[str]:
    return [a for name in RUNNING for a in ("--service", name)]


async def test_cli_status_audit_user_pm_backup_and_health_on_real_processes(tmp_path: Path) -> None:
    stack = await SystemStack(tmp_path, RUNNING).start()  # type: ignore[arg-type]
    robot = stack.robot
    assert robot is not None
    restored: SystemStack | None = None
    try:
        await grant(robot, "alice", 1_500)

        code, out = await cli(stack, "status", *service_args())
        assert code == 0, out
        assert [line.split()[:2] for line in out.splitlines()[1:4]] == [[n, "up"] for n in RUNNING]
        assert out.strip().endswith("overall: healthy")

        code, out = await cli(stack, "audit")
        assert code == 0 and out.startswith(f"audit {CHANNEL}: ok — 1 accounts"), out

        code, out = await cli(stack, "user", "alice", "--limit", "5")
        assert code == 0, out
        assert "balance         1,500 Z" in out and "banned          no" in out and "test.cli" in out
        code, out = await cli(stack, "user", "nobody")
        assert code == 1 and "nobody has no account" in out, out

        code, out = await cli(stack, "pm", "alice", "balance", "--wait", "3")
        assert code == 0, out
        assert out.startswith("→ alice: ") and "1,500" in out, out

        # backup while running, then a fresh ledger on the restored file: audit ok, same balance
        code, out = await cli(stack, "backup", str(tmp_path / "bk"))
        assert code == 0, out
        manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
        assert manifest["services"]["ledger"]["quick_check"] == "ok"
        assert {s for s, e in manifest["services"].items() if e["file"]} == set(RUNNING)
        (tmp_path / "restore" / "data").mkdir(parents=True)
        shutil.copy(tmp_path / "bk" / "ledger.db", tmp_path / "restore" / "data" / "ledger.db")
        restored = await SystemStack(tmp_path / "restore", ["ledger"]).start()
        code, out = await cli(restored, "audit", "--json")
        assert code == 0, out
        assert json.loads(out)["ok"] is True and json.loads(out)["accounts_checked"] == 1
        assert restored.robot is not None and await restored.robot.balance("alice") == 1_500

        # one service stops: status fails and names it, the public system.health says who is down
        stack.procs["gambling"].stop()
        code, out = await cli(stack, "status", *service_args())
        assert code == 1, out
        assert "gambling   down" in out and "overall: degraded (not up: gambling)" in out
        reply = await robot.client.nats_request(PUBLIC_COMMAND, {"command": "system.health"}, timeout=10)
        assert reply["success"], reply
        health = reply["data"]
        assert health["status"] == "degraded" and "gambling" in health["down"]
        assert health["services"]["gambling"]["state"] == "down"
        assert health["services"]["ledger"]["state"] == "up" and health["services"]["announcer"]["state"] == "up"
    finally:
        if restored is not None:
            await restored.stop()
        await stack.stop()
