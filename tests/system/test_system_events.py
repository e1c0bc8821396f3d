"""Issue 10, events on real processes: an admin's 2× event doubles the presence pay and a trigger's pay,
shows in ``events`` and is announced; a non-admin cannot start one; presence killed (SIGKILL) and restarted
mid-event finds it still running; ``event stop`` ends it; the ledger audit stays clean."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tests.system.harness import FakeRobot, SystemStack


async def amounts(robot: FakeRobot, user: str, trigger: str) -> list[int]:
    reply = await robot.request("ledger", {"command": "ledger.journal", "user": user, "limit": 500})
    assert reply["success"], reply
    return [e["amount"] for e in reversed(reply["data"]["entries"]) if e["trigger_id"] == trigger]


async def until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def test_an_admin_event_doubles_pay_survives_a_restart_and_stops(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, ["ledger", "announcer", "presence"],
        presence={"tick_interval_seconds": 1.0, "base_rate_per_minute": 1, "active_bonus_per_minute": 0,
                  "night_watch": {"enabled": False}},
        onboarding={"welcome_wallet": 0}, rain={"enabled": False}, admin={"usernames": ["Boss"]},
        chat_triggers={"conversation_starter": {"enabled": False}, "long_message": {"enabled": False}},
    ).start()
    robot = stack.robot
    assert robot is not None
    base = "presence.base"
    try:
        await robot.join("alice")
        await robot.join("Boss")
        await until(lambda: _has(robot, "alice", base, 1), 10, "presence pay at 1×")

        await robot.pm("alice", 'event start 2 60 "Free Money"')
        await robot.wait_for_pm("alice", "for channel admins")
        await robot.pm("Boss", 'event start 2 60 "Movie Night"')
        await robot.wait_for_pm("Boss", "Movie Night started: 2× earning for 60 min.")
        await robot.wait_for(lambda: any("Movie Night has started: 2× earning for 1 hour" in c for c in robot.chats()),
                             10, "the public start line")
        await until(lambda: _has(robot, "alice", base, 2), 10, "presence pay at 2×")
        await robot.chat("alice", "hi")  # first message of the day: 5 Z, doubled
        await until(lambda: _has(robot, "alice", "chat.first_message_of_day", 10), 10, "the trigger at 2×")
        await robot.pm("alice", "events")
        await robot.wait_for_pm("alice", "⚡ Movie Night: 2×")

        await robot.put_userlist([{"name": n, "rank": 1, "meta": {"afk": False}} for n in ("alice", "Boss")])
        stack.procs["presence"].kill()  # SIGKILL mid-event
        doubled = len([a for a in await amounts(robot, "alice", base) if a == 2])
        stack.start_service("presence")
        await stack.ready(["presence"])

        async def doubled_again() -> bool:
            return len([a for a in await amounts(robot, "alice", base) if a == 2]) > doubled + 1

        await until(doubled_again, 15, "2× pay after the restart")

        await robot.pm("Boss", "event stop")
        await robot.wait_for_pm("Boss", "Movie Night stopped.")
        await robot.wait_for(lambda: any("Movie Night has ended" in c for c in robot.chats()), 10, "the end line")
        await asyncio.sleep(1.5)  # a tick that was already under way may still pay 2×
        before = len(await amounts(robot, "alice", base))

        async def back_to_one() -> bool:
            paid = await amounts(robot, "alice", base)
            return len(paid) >= before + 2 and paid[-2:] == [1, 1]

        await until(back_to_one, 10, "1× pay after the stop")
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()


async def _has(robot: FakeRobot, user: str, trigger: str, amount: int) -> bool:
    return amount in await amounts(robot, user, trigger)
