"""Issue 3, time-based, end to end: a scaled clock (600× real time) drives real processes through
an evening and past midnight — dwell milestone, streak days, and a restart mid-day."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.system.harness import SystemStack

START = "2026-01-05T22:00:00+00:00"  # a Monday evening
SPEED = 600  # one presence minute (60 clock seconds) every 0.1 s of real time


async def journal(robot, user: str, trigger: str | None = None) -> list[dict]:  # noqa: ANN001
    payload = {"command": "ledger.journal", "user": user, "limit": 500}
    if trigger:
        payload["trigger_id"] = trigger
    reply = await robot.request("ledger", payload)
    assert reply["success"], reply
    return reply["data"]["entries"]


async def wait_for_trigger(robot, user: str, trigger: str, timeout: float) -> list[dict]:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = await journal(robot, user, trigger)
        if rows:
            return rows
        await asyncio.sleep(0.2)
    raise AssertionError(f"no {trigger} for {user}; journal: {await journal(robot, user)}")


async def test_evening_into_next_day_pays_milestone_and_streak_once_across_a_restart(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, ["ledger", "announcer", "presence"], clock=f"{START}@{SPEED}",
        presence={"tick_interval_seconds": 60}, rain={"enabled": False}, onboarding={"welcome_wallet": 0},
    ).start()
    robot = stack.robot
    assert robot is not None
    try:
        await robot.join("alice")
        await robot.put_userlist([{"name": "alice", "rank": 1, "meta": {"afk": False}}])
        # 23:00 on day 1: one hour present → the 1-hour dwell milestone
        dwell = await wait_for_trigger(robot, "alice", "dwell.1h", timeout=20)
        assert [r["amount"] for r in dwell] == [10]
        await robot.wait_for_pm("alice", "1-hour milestone", timeout=10)

        # restart presence mid-run: the day's minutes and the milestone survive, nothing pays twice
        stack.procs["presence"].stop()
        stack.start_service("presence")
        await stack.ready(["presence"])
        status = await robot.request("presence", {"command": "presence.user_status", "user": "alice"})
        assert status["data"]["minutes_today"] >= 60, status  # still day 1: the day's minutes survived

        # 00:15 on day 2: 15 minutes present on a second consecutive day → streak day 2
        streak = await wait_for_trigger(robot, "alice", "streak.day2", timeout=30)
        assert [r["amount"] for r in streak] == [10]
        await robot.wait_for_pm("alice", "Day 2 streak", timeout=10)
        status = await robot.request("presence", {"command": "presence.user_status", "user": "alice"})
        assert status["data"]["streak_days"] == 2

        assert [r["amount"] for r in await journal(robot, "alice", "dwell.1h")] == [10]
        assert sum("1-hour milestone" in m for m in robot.pms_to("alice")) == 1
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
