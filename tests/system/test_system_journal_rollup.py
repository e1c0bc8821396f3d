"""Journal retention on the real ledger process: a ledger started 45 days later folds old
per-minute presence rows into daily rows, and every balance and the audit stay the same."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.system.harness import SystemStack


async def test_ledger_folds_old_minutes_at_start(tmp_path: Path) -> None:
    stack = await SystemStack(tmp_path, ["ledger"], clock="2026-01-01T10:00:00+00:00@1").start()
    robot = stack.robot
    assert robot is not None
    try:
        for n in range(50):
            reply = await robot.request("ledger", {
                "command": "ledger.post", "idempotency_key": f"presence:testchan:{n}",
                "postings": [{"user": "alice", "amount": 1, "kind": "earn", "trigger_id": "presence.base"}],
            })
            assert reply["success"], reply
        stack.procs["ledger"].stop()
        stack.clock_spec = f"2026-02-15T10:00:00+00:00@1@{time.time()}"  # the same data, 45 days on
        stack.start_service("ledger")
        await stack.ready(["ledger"])

        deadline = time.monotonic() + 15
        while True:
            history = await robot.request("ledger", {"command": "ledger.journal", "user": "alice", "limit": 100})
            entries = history["data"]["entries"]
            if len(entries) == 1 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        assert [(e["amount"], e["reason"]) for e in entries] == [(50, "rollup of 50 rows")]
        assert await robot.balance("alice") == 50
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
