"""Ranks on real processes (issue 9): earnings past a threshold give the rank-up PM, the public line
and ``rank``; an admin grant does not raise the rank; the media service prices with the rank's
discount, asked of the ledger over NATS (DECISIONS 17)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.media.mediacms_standin import Media, MediaCmsStandIn
from tests.system.harness import FakeRobot, SystemStack


async def post(robot: FakeRobot, user: str, amount: int, kind: str) -> None:
    reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": f"{kind}:{user}:{time.time()}",
                                           "postings": [{"user": user, "amount": amount, "kind": kind}]})
    assert reply["success"], reply


async def test_rank_up_pm_public_line_rank_command_and_media_discount(tmp_path: Path) -> None:
    catalog = await MediaCmsStandIn({"short01": Media("Cat Video", 120)}).start()
    stack = await SystemStack(tmp_path, ["ledger", "announcer", "media"],
                              mediacms={"base_url": catalog.url, "request_timeout_seconds": 1.0}).start()
    robot = stack.robot
    assert robot is not None
    try:
        await post(robot, "bob", 1_000_000, "admin")  # a grant is not an earning
        await robot.pm("bob", "rank")
        await robot.wait_for_pm("bob", "⭐ Rank: Extra · lifetime earned 0 Z")

        await post(robot, "alice", 14_000, "earn")  # Key Grip
        await robot.wait_for_pm("alice", "You're now a Key Grip.")
        await post(robot, "alice", 1_000, "earn")  # 15,000: Gaffer
        await robot.wait_for_pm("alice", "You're now a Gaffer.")
        await robot.wait_for(lambda: any("alice is now a Gaffer!" in c for c in robot.chats()), 10,
                             "the public rank-up line")
        await robot.pm("alice", "rank")
        await robot.wait_for_pm("alice", "Next: Best Boy (25,000 Z to go)")
        assert not any("Rank up" in m for m in robot.pms_to("bob"))

        await robot.pm("alice", "search cat")
        await robot.wait_for_pm("alice", "240 Z (was 250)")  # Gaffer: 4% off, from the ledger's perks
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
        await catalog.stop()
