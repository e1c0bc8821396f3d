"""Tips and history end to end: the ledger, announcer and presence processes on a real nats-server.

A tip moves exactly the amount and both people are told; a stranger, a self-tip and an unaffordable
tip change nothing; ``history`` answers; the public ``spend.tip`` replays a ``request_id`` without
charging twice; the ledger audit stays clean.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.system.harness import CHANNEL, FakeRobot, SystemStack

SERVICES = ["ledger", "announcer", "presence"]


async def fund(robot: FakeRobot, user: str, amount: int) -> None:
    reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": f"fund:{user}",
                                           "postings": [{"user": user, "amount": amount, "kind": "admin"}]})
    assert reply["success"], reply


async def transfers(robot: FakeRobot, user: str) -> list[int]:
    reply = await robot.request("ledger", {"command": "ledger.journal", "user": user, "limit": 100})
    assert reply["success"], reply
    return [e["amount"] for e in reversed(reply["data"]["entries"]) if e["kind"] == "transfer"]


def metrics_text(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:  # noqa: S310
        return resp.read().decode()


async def test_tips_history_and_the_public_tip(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, SERVICES,
        tipping={"min_account_age_minutes": 0},  # the age rule is covered in process with a fake clock
        presence={"base_rate_per_minute": 0, "tick_interval_seconds": 60}, rain={"enabled": False},
    ).start()
    robot = stack.robot
    assert robot is not None
    try:
        await fund(robot, "Alice", 1_000)
        await fund(robot, "Bob", 10)

        await robot.pm("alice", "tip @bob 300")
        await robot.wait_for_pm("alice", "💸 You tipped Bob 300 Z.")
        await robot.wait_for_pm("bob", "🎁 Alice tipped you 300 Z! Your balance: 310 Z.")
        assert (await robot.balance("alice"), await robot.balance("bob")) == (700, 310)
        assert await transfers(robot, "alice") == [-300] and await transfers(robot, "bob") == [300]

        # a stranger, a self-tip and an unaffordable tip change nothing
        await robot.pm("alice", "tip @ghost 50")
        await robot.wait_for_pm("alice", "I don't know anyone called ghost here.")
        await robot.pm("alice", "tip @ALICE 5")
        await robot.wait_for_pm("alice", "You can't tip yourself.")
        await robot.pm("alice", "tip @bob 4000")
        await robot.wait_for_pm("alice", "That tip needs 4,000 Z; you have 700 Z.")
        assert (await robot.balance("alice"), await robot.balance("bob")) == (700, 310)
        assert await transfers(robot, "alice") == [-300]
        ghost = await robot.request("ledger", {"command": "ledger.balance", "user": "ghost"})
        assert ghost["data"]["found"] is False

        await robot.pm("alice", "history")
        await robot.wait_for_pm("alice", "-300 Z · tip to Bob ·")
        await robot.pm("bob", "history 1")
        await robot.wait_for_pm("bob", "+300 Z · tip from Alice ·")

        # the original's name on the public subject: a request_id is the tip; asking again replays it
        tip = {"command": "spend.tip", "channel": CHANNEL, "username": "bob", "target": "alice", "amount": 110,
               "request_id": "web-1"}
        first = await robot.client.nats_request("kryten.economy.command", tip, timeout=10)
        again = await robot.client.nats_request("kryten.economy.command", tip, timeout=10)
        assert first["success"] and first["data"]["replayed"] is False, first
        assert again["success"] and again["data"]["replayed"] is True, again
        assert first["data"]["balance"] == again["data"]["balance"] == 200
        assert (await robot.balance("alice"), await robot.balance("bob")) == (810, 200)
        await robot.wait_for_pm("alice", "🎁 Bob tipped you 110 Z!")
        assert sum("tipped you 110" in m for m in robot.pms_to("alice")) == 1

        metrics = metrics_text(stack.metrics_port("ledger"))
        assert 'economy_tips_total{channel="testchan"} 2.0' in metrics
        assert 'economy_tips_z_total{channel="testchan"} 410.0' in metrics
        assert 'economy_tip_refusals_total{channel="testchan",reason="self"} 1.0' in metrics
        audit = await robot.audit()
        assert audit["ok"], json.dumps(audit)
    finally:
        await stack.stop()
