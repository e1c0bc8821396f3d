"""Economy reports on real processes (issue 11): the admin's ``econ:stats`` / ``econ:health`` PMs, the
public ``economy.stats`` / ``economy.snapshot``, and the snapshot the ledger takes at start (catch-up)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.system.harness import CHANNEL, SystemStack

START = "2026-01-05T13:30:00+00:00"  # the 12:00 UTC slot is current at start
SLOT_MS = int(datetime(2026, 1, 5, 12, tzinfo=UTC).timestamp() * 1000)


async def test_stats_health_and_the_start_snapshot(tmp_path: Path) -> None:
    stack = await SystemStack(tmp_path, ["ledger", "announcer", "presence"], clock=f"{START}@1",
                              admin={"usernames": ["Boss"]}).start()
    robot = stack.robot
    assert robot is not None
    try:
        reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": "sys:fund",
                                               "postings": [{"user": "alice", "amount": 250, "kind": "earn"}]})
        assert reply["success"], reply

        public = await robot.client.nats_request("kryten.economy.command",
                                                 {"command": "economy.snapshot", "channel": CHANNEL}, timeout=10)
        assert public["success"] and public["data"]["found"], public
        assert public["data"]["snapshot"]["slot_ms"] == SLOT_MS  # taken at start, for the slot holding "now"

        stats = await robot.client.nats_request("kryten.economy.command",
                                                {"command": "economy.stats", "channel": CHANNEL}, timeout=10)
        assert stats["success"] and stats["data"]["circulation"] == 250, stats
        assert stats["data"]["today"]["earned"] == 250 and stats["data"]["top_earner"] == "alice"

        await robot.pm("Boss", "econ:stats")
        text = await robot.wait_for_pm("Boss", "Circulation:", timeout=15)
        assert "Circulation: 250 Z · Accounts: 1" in text, stack.logs()
        await robot.pm("Boss", "econ:health")
        health = await robot.wait_for_pm("Boss", "Ledger audit", timeout=15)
        assert "✅ ok" in health

        await robot.pm("alice", "econ:stats")
        refusal = await robot.wait_for_pm("alice", "channel admins", timeout=15)
        assert "Circulation" not in "\n".join(robot.pms_to("alice")), refusal
    finally:
        await stack.stop()
