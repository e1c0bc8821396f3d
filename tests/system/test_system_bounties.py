"""Bounties end to end: the ledger and announcer processes on a real nats-server and a scaled clock.

A bounty created by PM is escrowed and listed; two concurrent ``ledger.bounty_claim`` requests pay
once; a second bounty passes its expiry while the ledger is down, and the ledger's start-up catch-up
expires it (refund share paid, the creator told, the rest burned); the audit stays clean.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

from tests.system.harness import FakeRobot, SystemStack

START = "2026-01-05T12:00:00+00:00"
SPEED = 720  # twelve clock minutes per real second: a one-hour bounty expires after five real seconds


def scaled_now(stack: SystemStack) -> datetime:
    assert stack.clock_spec is not None
    start, speed, origin = stack.clock_spec.split("@")
    return datetime.fromisoformat(start) + timedelta(seconds=(time.time() - float(origin)) * float(speed))


async def fund(robot: FakeRobot, user: str, amount: int) -> None:
    reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": f"fund:{user}",
                                           "postings": [{"user": user, "amount": amount, "kind": "admin"}]})
    assert reply["success"], reply


def metrics_text(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:  # noqa: S310
        return resp.read().decode()


async def test_bounty_escrow_claim_race_and_expiry(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, ["ledger", "announcer"], clock=f"{START}@{SPEED}",
        bounties={"default_expiry_hours": 1, "expiry_refund_percent": 50},
        balance_maintenance={"mode": "none"},
    ).start()
    robot = stack.robot
    assert robot is not None
    try:
        await fund(robot, "Alice", 5_000)
        await fund(robot, "Bob", 10)
        await fund(robot, "Carol", 10)

        await robot.pm("alice", 'bounty 1,000 "find the director\'s cut"')
        await robot.wait_for_pm("alice", "📌 Bounty #1 created: 1,000 Z for \"find the director's cut\". "
                                         "Expires in 1 hours.")
        await robot.wait_for(lambda: any("New bounty by Alice" in c for c in robot.chats()), what="announcement")
        assert await robot.balance("alice") == 4_000
        await robot.pm("bob", "bounties")
        await robot.wait_for_pm("bob", "#1 — 1,000 Z — find the director's cut (by Alice,")

        # two admins award it at once: exactly one pays
        claims = await asyncio.gather(*(
            robot.request("ledger", {"command": "ledger.bounty_claim", "bounty_id": 1, "winner": w,
                                     "admin": "Boss"}) for w in ("Bob", "Carol")))
        assert sorted(c["success"] for c in claims) == [False, True], claims
        assert (await robot.balance("bob")) + (await robot.balance("carol")) == 1_020
        await robot.wait_for(lambda: any("claimed bounty #1" in c for c in robot.chats()), what="claim post")

        # a second bounty; the ledger is down when it expires and catches up at start
        await robot.pm("alice", "bounty 300 mend the subtitles")
        await robot.wait_for_pm("alice", "📌 Bounty #2 created")
        assert await robot.balance("alice") == 3_700
        created = scaled_now(stack)
        stack.procs["ledger"].stop()
        while scaled_now(stack) < created + timedelta(hours=1, minutes=5):
            await asyncio.sleep(0.2)
        stack.start_service("ledger")
        await stack.ready(["ledger"])
        await robot.wait_for_pm("alice", "⌛ Your bounty #2 expired unclaimed. 150 Z (50% of 300 Z)", timeout=15)
        assert await robot.balance("alice") == 3_850  # 150 Z burned
        listed = await robot.request("ledger", {"command": "ledger.bounties"})
        assert listed["success"] and listed["data"]["bounties"] == [], listed
        escrow = await robot.request("ledger", {"command": "ledger.balance", "user": "~escrow:bounties"})
        assert escrow["data"]["balance"] == 0

        metrics = metrics_text(stack.metrics_port("ledger"))
        assert 'economy_bounties_expired_total{channel="testchan"} 1.0' in metrics
        assert 'economy_bounties_open{channel="testchan"} 0.0' in metrics
        audit = await robot.audit()
        assert audit["ok"], json.dumps(audit)
    finally:
        await stack.stop()
