"""Achievements on real processes (issue 9): a chat message counted by presence, reported to the
ledger in a batch, unlocks "1 lifetime message" once — PM, public line, 25 Z paid once — and after
presence restarts (and more chat) it is neither announced nor paid again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.system.harness import FakeRobot, SystemStack

ACHIEVEMENT = {"id": "first_words", "description": "Said something", "reward": 25, "hidden": False,
               "announce_public": True, "condition": {"type": "lifetime_messages", "threshold": 1}}


async def paid(robot: FakeRobot, user: str) -> int:
    r = await robot.request("ledger", {"command": "ledger.journal", "user": user})
    assert r["success"], r
    return sum(1 for e in r["data"]["entries"] if e["trigger_id"] == "achievement.first_words")


async def test_a_chat_message_unlocks_once_across_a_presence_restart(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, ["ledger", "announcer", "presence"],
        presence={"base_rate_per_minute": 0, "tick_interval_seconds": 3600},
        onboarding={"welcome_wallet": 0}, rain={"enabled": False}, achievements=[ACHIEVEMENT],
    ).start()
    robot = stack.robot
    assert robot is not None
    try:
        await robot.join("alice")
        await asyncio.sleep(0.3)
        await robot.chat("alice", "hello there")
        await robot.wait_for_pm("alice", "Achievement unlocked: Said something (+25 Z)", timeout=20)
        await robot.wait_for(lambda: any("alice unlocked Said something!" in c for c in robot.chats()), 10,
                             "the public achievement line")
        assert await paid(robot, "alice") == 1

        stack.procs["presence"].stop()
        stack.start_service("presence")
        await stack.ready(["presence"])
        await robot.join("alice")
        await asyncio.sleep(0.3)
        await robot.chat("alice", "and again")
        await robot.chat("alice", "and once more")
        await asyncio.sleep(12)  # two report passes of the new presence process
        assert await paid(robot, "alice") == 1
        assert sum("Achievement unlocked" in m for m in robot.pms_to("alice")) == 1
        assert sum("unlocked Said something" in c for c in robot.chats()) == 1

        await robot.pm("alice", "achievements")
        await robot.wait_for_pm("alice", "✅ Said something")
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
