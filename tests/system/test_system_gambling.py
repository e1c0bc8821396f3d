"""Issue 4 end to end: PM games between fake-robot users on real processes, and a SIGKILL of the
gambling service while a challenge and a heist hold stakes in escrow."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.system.harness import SystemStack

CLOCK = "2026-01-05T18:00:00+00:00@10"  # 10× real time: a 10 s heist window takes 1 s
GAMBLING = {
    "min_account_age_minutes": 0,
    "spin": {"cooldown_seconds": 0},
    "flip": {"cooldown_seconds": 0},
    "challenge": {"accept_timeout_seconds": 30, "min_wager": 10},
    "heist": {"enabled": True, "join_window_seconds": 10, "min_participants": 3, "min_wager": 10},
}
SERVICES = ["ledger", "announcer", "presence", "gambling"]
USERS = ("alice", "bob", "carol")


async def escrow_balance(robot) -> int:  # noqa: ANN001
    reply = await robot.request("ledger", {"command": "ledger.balance", "user": "~escrow:gambling"})
    assert reply["success"], reply
    return int(reply["data"]["balance"])


async def start(tmp_path: Path) -> SystemStack:
    stack = await SystemStack(tmp_path, SERVICES, clock=CLOCK, gambling=GAMBLING,
                              presence={"base_rate_per_minute": 0, "tick_interval_seconds": 60},
                              rain={"enabled": False}).start()
    assert stack.robot is not None
    for user in USERS:
        await stack.robot.join(user)
    for user in USERS:
        await stack.robot.wait_for_pm(user, "Welcome", timeout=10)
    return stack


async def test_spin_flip_challenge_heist_and_audit(tmp_path: Path) -> None:
    stack = await start(tmp_path)
    robot = stack.robot
    assert robot is not None
    try:
        await robot.pm("alice", "spin 10")
        await robot.wait_for_pm("alice", "🎰", timeout=10)
        await robot.pm("bob", "flip 10")
        await robot.wait_for_pm("bob", "🪙", timeout=10)

        await robot.pm("alice", "challenge @bob 20")
        await robot.wait_for_pm("bob", "challenges you", timeout=10)
        assert await escrow_balance(robot) == 20  # the challenger's stake waits in escrow
        await robot.pm("bob", "accept")
        await robot.wait_for_pm("alice", "⚔️ ", timeout=10)
        await robot.wait_for(lambda: any(("You beat" in m or "won this one" in m) for m in robot.pms_to("bob")),
                             10, "bob's duel result")

        await robot.pm("carol", "heist 10")
        await robot.wait_for_pm("carol", "Heist planned", timeout=10)
        await robot.pm("alice", "heist join")
        await robot.pm("bob", "heist join")
        for user in USERS:
            await robot.wait_for(
                lambda u=user: any(("heist worked" in m or "heist went wrong" in m) for m in robot.pms_to(u)),
                15, f"{user}'s heist result",
            )
        await robot.pm("alice", "stats")
        await robot.wait_for_pm("alice", "🎲", timeout=10)
        assert await escrow_balance(robot) == 0
        # two independent books agree: what the players gained or lost is what the house reports
        total = sum([await robot.balance(u) for u in USERS])
        summary = await robot.request("gambling", {"command": "gambling.summary"})
        assert summary["success"], summary
        assert summary["data"]["escrowed"] == 0
        assert total == 300 - summary["data"]["house_net"], (total, summary["data"])
        audit = await robot.audit()
        assert audit["ok"], audit
    finally:
        await stack.stop()


async def test_sigkill_with_open_challenge_and_heist_settles_every_stake_once(tmp_path: Path) -> None:
    stack = await start(tmp_path)
    robot = stack.robot
    assert robot is not None
    try:
        await robot.pm("alice", "challenge @carol 20")
        await robot.wait_for_pm("carol", "challenges you", timeout=10)
        await robot.pm("bob", "heist 10")
        await robot.wait_for_pm("bob", "Heist planned", timeout=10)
        await robot.pm("alice", "heist join")
        await robot.wait_for_pm("alice", "You're in", timeout=10)
        assert await escrow_balance(robot) == 40
        assert [await robot.balance(u) for u in USERS] == [70, 90, 100]

        stack.procs["gambling"].kill()  # SIGKILL: stakes are in escrow, games open
        await asyncio.sleep(1.5)  # the heist window (1 s real) passes while gambling is down
        stack.start_service("gambling")
        await stack.ready(["gambling"])

        # the heist lacked a crew: both stakes come back; the challenge is still open and can be declined
        await robot.wait_for(lambda: any("called off" in m for m in robot.pms_to("alice")), 15, "heist refund")
        await robot.pm("carol", "decline")
        await robot.wait_for(lambda: any("declined" in m for m in robot.pms_to("alice")), 15, "challenge refund")

        deadline = time.monotonic() + 10
        while await escrow_balance(robot) != 0:
            assert time.monotonic() < deadline, stack.logs()
            await asyncio.sleep(0.2)
        assert [await robot.balance(u) for u in USERS] == [100, 100, 100]  # refunded once, not twice
        refunds = await robot.request("ledger", {"command": "ledger.journal", "user": "alice", "limit": 100})
        positive_wagers = [e for e in refunds["data"]["entries"] if e["kind"] == "wager" and e["amount"] > 0]
        assert sorted(e["amount"] for e in positive_wagers) == [10, 20]
        audit = await robot.audit()
        assert audit["ok"], audit
    finally:
        await stack.stop()


async def test_the_front_desk_says_the_casino_is_closed_when_gambling_stops(tmp_path: Path) -> None:
    stack = await start(tmp_path)
    robot = stack.robot
    assert robot is not None
    try:
        stack.procs["gambling"].stop()  # a clean stop publishes its lifecycle shutdown
        await robot.pm("alice", "spin 10")
        await robot.wait_for_pm("alice", "casino is closed", timeout=10)
        stack.start_service("gambling")
        await stack.ready(["gambling"])
        await robot.pm("alice", "spin 10")
        await robot.wait_for_pm("alice", "🎰 ", timeout=10)
        assert sum("casino is closed" in m for m in robot.pms_to("alice")) == 1
    finally:
        await stack.stop()
