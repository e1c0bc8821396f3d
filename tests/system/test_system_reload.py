"""Config reload on real processes (issue 11, DECISIONS 25): the admin's PM ``reload`` reaches all five
services and the next presence tick pays the new rate; a broken file is refused with its reason and the
old rate keeps being paid; SIGHUP (``systemctl reload``) reloads one process from its file."""

from __future__ import annotations

import asyncio
import copy
import signal
import time
from pathlib import Path
from typing import Any

import yaml

from tests.system.harness import FakeRobot, SystemStack

ALL = ["ledger", "presence", "gambling", "media", "announcer"]


async def base_rows(robot: FakeRobot, user: str) -> list[dict[str, Any]]:
    reply = await robot.request("ledger", {"command": "ledger.journal", "user": user, "limit": 500,
                                           "trigger_id": "presence.base"})
    assert reply["success"], reply
    return reply["data"]["entries"]  # newest first


async def paid_after(robot: FakeRobot, user: str, after_id: int, amount: int, timeout: float = 15.0) -> list[int]:
    """Wait for a presence tick after row ``after_id`` paying ``amount``; return the amounts paid since."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        amounts = [r["amount"] for r in await base_rows(robot, user) if r["id"] > after_id]
        if amount in amounts:
            return amounts
        await asyncio.sleep(0.2)
    raise AssertionError(f"no tick of {amount} after row {after_id}: {await base_rows(robot, user)}")


async def last_id(robot: FakeRobot, user: str) -> int:
    rows = await base_rows(robot, user)
    return rows[0]["id"] if rows else 0


def write(stack: SystemStack, cfg: dict[str, Any]) -> None:
    stack.config_path.write_text(yaml.safe_dump(cfg), encoding="utf-8")


async def test_pm_reload_applies_everywhere_and_a_broken_file_changes_nothing(tmp_path: Path) -> None:
    stack = await SystemStack(tmp_path, ALL, admin={"usernames": ["Boss"]}, rain={"enabled": False},
                              onboarding={"welcome_wallet": 0}).start()
    robot = stack.robot
    assert robot is not None
    try:
        await robot.join("alice")
        await robot.put_userlist([{"name": "alice", "rank": 1, "meta": {"afk": False}}])
        assert set(await paid_after(robot, "alice", 0, 1)) == {1}  # the default rate: 1 Z a presence minute

        new = copy.deepcopy(stack.config)
        new["presence"]["base_rate_per_minute"] = 5
        new["nats"]["max_reconnect_attempts"] = 31  # a restart-only key: named, kept
        write(stack, new)
        await robot.pm("Boss", "reload")
        reply = await robot.wait_for_pm("Boss", "Config reloaded by", timeout=15)
        assert "✅ Config reloaded by ledger, presence, gambling, media, announcer" in reply, stack.logs()
        await robot.wait_for_pm("Boss", "Changed: presence.base_rate_per_minute", timeout=5)
        await robot.wait_for_pm("Boss", "Needs a restart (old values kept): nats.max_reconnect_attempts", timeout=5)
        assert not any("No answer" in m for m in robot.pms_to("Boss"))
        mark = await last_id(robot, "alice")
        assert set(await paid_after(robot, "alice", mark, 5)) <= {1, 5}  # a tick in flight may still pay 1
        mark = await last_id(robot, "alice")
        assert set(await paid_after(robot, "alice", mark, 5)) == {5}

        broken = copy.deepcopy(new)
        broken["presence"]["base_rate_per_minute"] = "lots"
        write(stack, broken)
        await robot.pm("Boss", "reload")
        refusal = await robot.wait_for_pm("Boss", "Config not reloaded, nothing changed", timeout=15)
        assert "presence.base_rate_per_minute" in refusal and "valid number" in refusal
        mark = await last_id(robot, "alice")
        await paid_after(robot, "alice", mark, 5)
        mark = await last_id(robot, "alice")
        assert set(await paid_after(robot, "alice", mark, 5)) == {5}  # the old (reloaded) rate, still

        await robot.pm("alice", "reload")
        await robot.wait_for_pm("alice", "for channel admins", timeout=10)
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()


async def test_sighup_reloads_one_process_from_its_file(tmp_path: Path) -> None:
    stack = await SystemStack(tmp_path, ["ledger", "announcer", "presence"], rain={"enabled": False},
                              onboarding={"welcome_wallet": 0}).start()
    robot = stack.robot
    assert robot is not None
    try:
        await robot.join("alice")
        await robot.put_userlist([{"name": "alice", "rank": 1, "meta": {"afk": False}}])
        await paid_after(robot, "alice", 0, 1)
        proc = stack.procs["presence"].proc
        assert proc is not None

        broken = copy.deepcopy(stack.config)
        broken["presence"]["base_rate_per_minute"] = -3
        write(stack, broken)
        proc.send_signal(signal.SIGHUP)
        await robot.wait_for(lambda: "config_reload_rejected" in stack.logs(), 10, "the rejected reload logged")
        mark = await last_id(robot, "alice")
        assert set(await paid_after(robot, "alice", mark, 1)) == {1}
        assert stack.procs["presence"].running

        good = copy.deepcopy(stack.config)
        good["presence"]["base_rate_per_minute"] = 3
        write(stack, good)
        proc.send_signal(signal.SIGHUP)
        mark = await last_id(robot, "alice")
        await paid_after(robot, "alice", mark, 3)
        mark = await last_id(robot, "alice")
        assert set(await paid_after(robot, "alice", mark, 3)) == {3}
        assert "config_reloaded" in stack.logs()
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
