"""Leaderboards and profiles on real processes: the ledger, announcer, presence and gambling services on a
real nats-server. Earnings (``ledger.post`` of kind earn) fill today's board; an admin grant and a tip
do not; ``top``, ``top rich``, ``top ranks``, ``profile @x`` and ``history`` answer through the fake
robot's PMs; a banned and a system account never show; the public ``leaderboard`` answers; the audit
stays clean.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.system.harness import FakeRobot, SystemStack

SERVICES = ["ledger", "announcer", "presence", "gambling"]


async def post(robot: FakeRobot, key: str, *postings: tuple[str, int, str]) -> None:
    reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": key,
                                           "postings": [{"user": u, "amount": z, "kind": k} for u, z, k in postings]})
    assert reply["success"], reply


def ban(db: Path, user: str) -> None:
    """The admin ``ban`` command is not built yet: set the flag in the ledger's file (WAL, busy timeout)."""
    with sqlite3.connect(db, timeout=10) as conn:
        conn.execute("UPDATE accounts SET banned = 1 WHERE user_key = ?", (user,))


async def test_boards_and_profiles_through_pms(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, SERVICES,
        presence={"base_rate_per_minute": 0, "tick_interval_seconds": 60}, rain={"enabled": False},
        gambling={"min_account_age_minutes": 0, "flip": {"cooldown_seconds": 0}},
        tipping={"min_account_age_minutes": 0},
    ).start()
    robot = stack.robot
    assert robot is not None
    try:
        await post(robot, "earn:1", ("Alice", 16_000, "earn"), ("Bob", 1_200, "earn"), ("Mallory", 90_000, "earn"))
        await post(robot, "grant:1", ("Whale", 500_000, "admin"))  # rich, but earned nothing today
        await post(robot, "earn:house", ("~house", 70_000, "earn"))  # a system account
        ban(tmp_path / "data" / "ledger.db", "mallory")

        await robot.pm("carol", "top")
        board = await robot.wait_for_pm("carol", "🏆 Today's top earners")
        assert "🥇 Alice — 16,000 Z" in board and "🥈 Bob — 1,200 Z" in board
        await robot.pm("carol", "tip @bob 1")  # carol holds no account: nothing moves
        await robot.pm("alice", "tip @bob 5000")  # a tip is not an earning
        await robot.wait_for_pm("alice", "💸 You tipped Bob 5,000 Z.")

        await robot.pm("carol", "top rich")
        rich = await robot.wait_for_pm("carol", "💰 Richest")
        assert rich.splitlines()[1:4] == ["🥇 Whale — 500,000 Z (Extra)", "🥈 Alice — 11,000 Z (Gaffer)",
                                          "🥉 Bob — 6,200 Z (Grip)"]
        await robot.pm("carol", "lb ranks")
        ranks = await robot.wait_for_pm("carol", "⭐ Rank distribution")
        assert ranks.splitlines()[1:] == ["Extra: 1", "Grip: 1", "Gaffer: 1"]
        await robot.pm("carol", "leaderboard")
        again = await robot.wait_for(lambda: [m for m in robot.pms_to("carol") if "top earners" in m][1:], 10,
                                     "a second earners board")
        assert "Bob — 1,200 Z" in again[0]  # the tip Bob received does not count
        for text in (board, rich, ranks, again[0]):
            assert "Mallory" not in text and "house" not in text

        for _ in range(3):
            reply = await robot.request("gambling", {"command": "gambling.flip", "user": "Bob", "wager": 10})
            assert reply["success"], reply
        await robot.pm("alice", "profile @BOB")
        profile = await robot.wait_for_pm("alice", "👤 Bob's profile")
        assert "⭐ Rank: Grip" in profile and "📈 Lifetime earned: 1,200 Z" in profile
        assert "🎰 Gambling: 3 games, net" in profile and "🔥 Streak:" in profile
        await robot.pm("alice", "profile @nobody")
        await robot.wait_for_pm("alice", "No wallet found for 'nobody'.")
        await robot.pm("alice", "history")
        await robot.wait_for_pm("alice", "5,000")

        public = await robot.request("ledger", {"command": "ledger.leaderboard", "category": "lifetime", "limit": 2})
        assert [r["username"] for r in public["data"]["rows"]] == ["Alice", "Bob"]
        listed = await robot.client.nats_request(
            "kryten.economy.command", {"command": "leaderboard", "channel": "TestChan", "category": "today"},
            timeout=5)
        assert listed["success"] and listed["data"]["rows"][0]["username"] == "Alice", listed
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
