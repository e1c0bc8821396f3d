"""Inflation and the paid CyTube promotion on real processes (issue 9): with the governor on and a small
anchor, ``search`` shows the inflated-then-discounted price and ``queue`` charges exactly that (the factor
comes from the ledger over NATS in ``ledger.rank_perks``); ``ledger.buy_promotion`` charges the same way and
the robot receives ``setChannelRank``; a user the userlist shows at level 2 is refused without charge."""

from __future__ import annotations

import time
from pathlib import Path

from tests.media.mediacms_standin import Media, MediaCmsStandIn
from tests.system.harness import FakeRobot, SystemStack

INFLATION = {"enabled": True, "anchor_float": 50_000, "update_interval_seconds": 600}


async def earn(robot: FakeRobot, user: str, amount: int) -> None:
    reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": f"earn:{user}:{time.time()}",
                                           "postings": [{"user": user, "amount": amount, "kind": "earn"}]})
    assert reply["success"], reply


async def test_inflated_prices_and_a_bought_promotion(tmp_path: Path) -> None:
    catalog = await MediaCmsStandIn({"short01": Media("Cat Video", 120)}).start()
    stack = await SystemStack(tmp_path, ["ledger", "announcer", "media"], inflation=INFLATION,
                              mediacms={"base_url": catalog.url, "request_timeout_seconds": 1.0},
                              spending={"queue_cooldown_minutes": 0}).start()
    robot = stack.robot
    assert robot is not None
    try:
        await earn(robot, "alice", 100_000)  # Associate Producer (8 % off); the float is 100,000: factor 2.0
        await robot.pm("alice", "search cat")
        await robot.wait_for_pm("alice", "460 Z (was 500)")  # 250 × 2.0 = 500, less 8 % = 460
        await robot.pm("alice", "queue short01")
        await robot.wait_for_pm("alice", "Charged 460 Z")
        assert await robot.balance("alice") == 100_000 - 460

        bought = await robot.request("ledger", {"command": "ledger.buy_promotion", "user": "alice",
                                                "request_id": "shop-1"})
        assert bought["success"] and bought["data"]["promoted"], bought
        assert bought["data"]["price"] == 92_000  # 50,000 × 2.0 = 100,000, less 8 %
        await robot.wait_for(lambda: any(c.get("type") == "setChannelRank" or c.get("command") == "setChannelRank"
                                         for c in robot.commands), 10, "setChannelRank on kryten.robot.command")
        [cmd] = [c for c in robot.commands if "setChannelRank" in (c.get("type"), c.get("command"))]
        assert cmd["args"] == {"username": "alice", "rank": 2}
        assert await robot.balance("alice") == 100_000 - 460 - 92_000
        again = await robot.request("ledger", {"command": "ledger.buy_promotion", "user": "alice",
                                               "request_id": "shop-1"})
        assert again["data"]["replayed"] and await robot.balance("alice") == 100_000 - 460 - 92_000

        await earn(robot, "carl", 100_000)
        await robot.put_userlist([{"name": "carl", "rank": 2, "meta": {"afk": False}}])
        refused = await robot.request("ledger", {"command": "ledger.buy_promotion", "user": "carl",
                                                 "request_id": "shop-2"})
        assert not refused["success"] and refused["error_code"] == "conflict"
        assert await robot.balance("carl") == 100_000
        assert len([c for c in robot.commands if "setChannelRank" in (c.get("type"), c.get("command"))]) == 1
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
        await catalog.stop()
