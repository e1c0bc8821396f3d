"""Issue 10 (daily competitions), end to end on real processes and a scaled clock: a day's chat and
presence, presence stopped over midnight and started after it — it catches up the ended day once,
pays each winner once (PM + one public results post), and another restart pays nothing more."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.system.harness import SystemStack

START = "2026-01-05T23:40:00+00:00"
SPEED = 120  # two clock minutes per real second: midnight comes 10 s after the start
COMPETITIONS: list[dict[str, Any]] = [
    {"id": "chatty", "description": "Sent 3+ messages", "reward": 15,
     "condition": {"type": "daily_threshold", "field": "messages_sent", "threshold": 3}},
    {"id": "talker", "description": "Most messages", "reward": 35,
     "condition": {"type": "daily_top", "field": "messages_sent"}},
    {"id": "top_earner", "description": "Top earner", "reward_percent_of_earnings": 50,
     "condition": {"type": "daily_top", "field": "z_earned"}},
]


def scaled_now(stack: SystemStack) -> datetime:
    assert stack.clock_spec is not None
    start, speed, origin = stack.clock_spec.split("@")
    return datetime.fromisoformat(start) + timedelta(seconds=(time.time() - float(origin)) * float(speed))


async def until(stack: SystemStack, when: datetime) -> None:
    while scaled_now(stack) < when:
        await asyncio.sleep(0.1)


async def awards(robot: Any, user: str) -> list[tuple[str, int]]:
    reply = await robot.request("ledger", {"command": "ledger.journal", "user": user, "limit": 500})
    assert reply["success"], reply
    return sorted((r["trigger_id"], r["amount"]) for r in reply["data"]["entries"]
                  if (r["trigger_id"] or "").startswith("competition."))


async def test_winners_paid_once_across_a_restart_over_midnight(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, ["ledger", "announcer", "presence"], clock=f"{START}@{SPEED}",
        presence={"tick_interval_seconds": 60}, rain={"enabled": False}, onboarding={"welcome_wallet": 0},
        daily_competitions=COMPETITIONS,
    ).start()
    robot = stack.robot
    assert robot is not None
    day1 = datetime.fromisoformat(START)
    try:
        for name in ("alice", "bob"):
            await robot.join(name)
        await robot.put_userlist([{"name": n, "rank": 1, "meta": {"afk": False}} for n in ("alice", "bob")])
        for i in range(3):
            await robot.chat("alice", f"hello number {i}")
        for i in range(4):
            await robot.chat("bob", f"hi there {i}")
        await until(stack, day1 + timedelta(minutes=5))  # a few presence minutes
        earned = await robot.request("ledger", {"command": "ledger.daily_earnings", "day": "2026-01-05"})
        assert earned["success"], earned
        assert earned["data"]["users"], earned
        # presence goes down before midnight and comes back after it
        assert scaled_now(stack) < day1 + timedelta(minutes=18), "the machine is too slow for this test"
        stack.procs["presence"].stop()
        await until(stack, day1 + timedelta(minutes=21))  # 00:01 on day 2
        stack.start_service("presence")
        await stack.ready(["presence"])
        await robot.wait_for_pm("bob", "Most messages: +35", timeout=15)
        await robot.wait_for(lambda: any("Daily competition results" in c for c in robot.chats()), timeout=15,
                             what="the results post")
        bob = await awards(robot, "bob")
        assert ("competition.chatty", 15) in bob and ("competition.talker", 35) in bob
        first = {u: await awards(robot, u) for u in ("alice", "bob")}
        assert any(t == "competition.top_earner" for u in first for t, _ in first[u])

        # another restart: it runs its catch-up again and pays or posts nothing more
        stack.procs["presence"].stop()
        stack.start_service("presence")
        await stack.ready(["presence"])
        await until(stack, scaled_now(stack) + timedelta(minutes=4))  # two real seconds
        assert {u: await awards(robot, u) for u in ("alice", "bob")} == first
        assert sum("Most messages: +35" in m for m in robot.pms_to("bob")) == 1
        assert sum("Daily competition results" in c for c in robot.chats()) == 1
        reply = await robot.request("presence", {"command": "presence.competitions", "day": "2026-01-05"})
        assert reply["success"] and reply["data"]["evaluated"], reply
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
