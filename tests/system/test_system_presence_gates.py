"""Issue 10 (presence settings), end to end on real processes and a scaled clock: a user who stops chatting
drops to the base rate after ``afk_threshold_minutes``; a new user below ``min_messages_to_earn`` earns
nothing until they have chatted enough."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.system.harness import SystemStack

START = "2026-01-05T12:00:00+00:00"  # a Monday noon: no night watch
SPEED = 600  # one presence minute every 0.1 s of real time


async def base_rows(robot, user: str) -> list[int]:  # noqa: ANN001
    """Amounts of the user's presence-minute rows, oldest first."""
    reply = await robot.request("ledger", {"command": "ledger.journal", "user": user, "limit": 500,
                                           "trigger_id": "presence.base"})
    assert reply["success"], reply
    return [r["amount"] for r in reversed(reply["data"]["entries"])]


async def wait_rows(robot, user: str, n: int, timeout: float) -> list[int]:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = await base_rows(robot, user)
        if len(rows) >= n:
            return rows
        await asyncio.sleep(0.2)
    raise AssertionError(f"{user}: fewer than {n} presence minutes: {await base_rows(robot, user)}")


async def test_idle_drops_to_base_and_new_users_wait_for_messages(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, ["ledger", "presence"], clock=f"{START}@{SPEED}",
        presence={"tick_interval_seconds": 60, "base_rate_per_minute": 1, "active_bonus_per_minute": 2,
                  "afk_threshold_minutes": 5},
        onboarding={"welcome_wallet": 0, "min_messages_to_earn": 2},
        rain={"enabled": False},
    ).start()
    robot = stack.robot
    assert robot is not None
    try:
        await robot.join("alice")
        await robot.join("newbie")
        await robot.put_userlist([{"name": n, "rank": 1, "meta": {"afk": False}} for n in ("alice", "newbie")])
        await robot.chat("alice", "hello everyone")
        await robot.chat("alice", "anyone watching?")  # alice now earns; she never speaks again
        rows = await wait_rows(robot, "alice", 12, timeout=30)
        assert rows[0] == 3 and rows[-1] == 1, rows  # active bonus at first, base only once idle
        assert rows == sorted(rows, reverse=True), rows  # never active again without a line
        assert 1 <= rows.count(3) <= 5, rows  # idle at five minutes after her last line
        assert await base_rows(robot, "newbie") == []  # present all along, no message yet

        await robot.chat("newbie", "hi")
        await asyncio.sleep(1.0)  # ~10 presence minutes with one message: still nothing
        assert await base_rows(robot, "newbie") == []
        await robot.chat("newbie", "what's on?")
        newbie = await wait_rows(robot, "newbie", 1, timeout=15)
        assert newbie[0] == 3, newbie  # just spoke: active
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
