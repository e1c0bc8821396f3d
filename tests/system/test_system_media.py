"""Issue 8 end to end: the media, ledger, announcer and presence processes on a real nats-server, the
MediaCMS stand-in over HTTP, and a fake robot answering ``addvideo`` (success, or queueFail for one item).

Also a SIGKILL of the media process between the charge and the robot's answer: after the restart the
charge is refunded (the playlist does not show the item) or kept (it does), exactly once.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from pathlib import Path
from typing import Any

from economy_shared.subjects import playlist_bucket
from tests.media.mediacms_standin import Media, MediaCmsStandIn
from tests.system.harness import CHANNEL, FakeRobot, SystemStack

SERVICES = ["ledger", "announcer", "presence", "media"]
CATALOG = {
    "short01": Media("Cat Video", 120),  # 250
    "ep30": Media("Space Show Episode", 30 * 60),  # 500
    "broken1": Media("Broken Upload", 300),  # the robot answers queueFail for it
    "late01": Media("Late Night Show", 600),  # first asked for while the catalog is down (nothing cached)
}
TIMEOUT, RETRIES = 1.0, 1


class MediaRobot(FakeRobot):
    """The harness robot, plus: queueFail for ``refuse`` ids, and ``hold`` (never answer an addvideo)."""

    def __init__(self, nats_url: str, refuse: set[str]) -> None:
        super().__init__(nats_url)
        self.refuse = refuse
        self.hold = False
        self.held = asyncio.Event()
        self.addvideo_reply = self._answer

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        media_id = str(body.get("args", {}).get("id", ""))
        if any(f"/{r}." in media_id for r in self.refuse):
            return {"service": "robot", "command": "addvideo", "success": True,
                    "data": {"success": False, "error": "This video is unavailable",
                             "queue_fail": {"msg": "This video is unavailable", "link": media_id, "id": media_id}}}
        return self._default_addvideo(body)

    async def _on_command(self, msg: Any) -> None:
        if self.hold:
            try:
                body = json.loads(msg.data)
            except ValueError:
                body = {}
            if body.get("command") == "addvideo":
                self.commands.append(body)
                self.held.set()
                return  # the answer never comes
        await super()._on_command(msg)

    def addvideos(self) -> list[dict[str, Any]]:
        return [c for c in self.commands if c.get("command") == "addvideo"]


async def start(tmp_path: Path, catalog: MediaCmsStandIn) -> tuple[SystemStack, MediaRobot]:
    stack = await SystemStack(
        tmp_path, SERVICES,
        mediacms={"base_url": catalog.url, "request_timeout_seconds": TIMEOUT, "max_retries": RETRIES},
        spending={"queue_cooldown_minutes": 30, "max_queues_per_day": 3},
        presence={"base_rate_per_minute": 0, "tick_interval_seconds": 60}, rain={"enabled": False},
    ).start()
    assert stack.robot is not None
    await stack.robot.stop()  # swap in the robot that can refuse and hold
    robot = await MediaRobot(stack.nats.url, {"broken1"}).start()
    stack.robot = robot
    return stack, robot


async def fund(robot: FakeRobot, user: str, amount: int) -> None:
    reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": f"fund:{user}:{time.time()}",
                                           "postings": [{"user": user, "amount": amount, "kind": "admin"}]})
    assert reply["success"], reply


async def kinds(robot: FakeRobot, user: str) -> list[tuple[str, int]]:
    reply = await robot.request("ledger", {"command": "ledger.journal", "user": user, "limit": 100})
    assert reply["success"], reply
    return [(e["kind"], e["amount"]) for e in reversed(reply["data"]["entries"])]


def http_get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:  # noqa: S310
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


async def test_search_queue_refund_limits_outage_and_audit(tmp_path: Path) -> None:
    catalog = await MediaCmsStandIn(CATALOG).start()
    stack, robot = await start(tmp_path, catalog)
    try:
        for user, amount in (("alice", 2000), ("bob", 300), ("carol", 500)):
            await fund(robot, user, amount)

        await robot.pm("alice", "search episode")
        await robot.wait_for_pm("alice", '"Space Show Episode" (30m 00s) · id ep30 · 500 Z')
        await robot.pm("alice", "queue ep30")
        await robot.wait_for_pm("alice", 'Queued "Space Show Episode"')
        assert await robot.balance("alice") == 1500
        [add] = robot.addvideos()
        assert add["args"] == {"type": "cm", "id": f"{catalog.url}api/v1/media/cytube/ep30.json?format=json",
                               "pos": "end", "temp": True}
        assert add["meta"]["channel"] == CHANNEL
        await robot.wait_for(lambda: any('alice just queued "Space Show Episode"' in c for c in robot.chats()),
                             10, "the queue announcement")

        # a second queue inside the cooldown changes nothing
        await robot.pm("alice", "queue short01")
        await robot.wait_for_pm("alice", "Queue cooldown: 30 min left")
        assert await robot.balance("alice") == 1500 and len(robot.addvideos()) == 1

        # queueFail refunds, and the user can queue again at once
        await robot.pm("bob", "queue broken1")
        await robot.wait_for_pm("bob", "couldn't be queued (This video is unavailable)")
        assert await robot.balance("bob") == 300
        await robot.pm("bob", "queue short01")
        await robot.wait_for_pm("bob", 'Queued "Cat Video"')
        assert await robot.balance("bob") == 50
        assert (await kinds(robot, "bob"))[-4:] == [("admin", 300), ("spend", -250), ("refund", 250),
                                                     ("spend", -250)]

        # an unknown id and an unaffordable playnext change nothing
        await robot.pm("carol", "queue zzz999")
        await robot.wait_for_pm("carol", "There's no catalog item 'zzz999'")
        await robot.pm("carol", "playnext short01")
        await robot.wait_for_pm("carol", "That costs 10,000 Z; you have 500 Z")
        assert await robot.balance("carol") == 500

        # the catalog goes down: a clear reply within the retry budget; the service stays healthy
        await catalog.down()
        sent = time.monotonic()
        await robot.pm("carol", "search cat")
        await robot.wait_for_pm("carol", "catalog isn't answering", timeout=(RETRIES + 1) * TIMEOUT + 5)
        assert time.monotonic() - sent < (RETRIES + 1) * TIMEOUT + 3
        await robot.pm("carol", "queue late01")
        await robot.wait_for(lambda: sum("catalog isn't answering" in m for m in robot.pms_to("carol")) == 2, 10,
                             "the second outage reply")
        assert await robot.balance("carol") == 500
        port = stack.metrics_port("media")
        status, body = http_get(port, "/health")
        assert status == 200 and json.loads(body)["status"] == "healthy", body
        await catalog.up()
        await robot.pm("carol", "queue late01")
        await robot.wait_for_pm("carol", 'Queued "Late Night Show"')
        assert await robot.balance("carol") == 250

        _, metrics = http_get(port, "/metrics")
        assert 'economy_media_refunds_total{action="queue",channel="testchan",reason="conflict"} 1.0' in metrics
        assert 'economy_media_queues_total{action="queue",channel="testchan",outcome="queued"} 3.0' in metrics
        assert "economy_media_mediacms_errors_total" in metrics and "economy_media_cache_total" in metrics
        assert (await robot.audit())["ok"]

        # the original's name on the public subject reaches media through the ledger; a replay charges once
        await fund(robot, "dave", 1000)
        queue = {"command": "spending.queue", "channel": CHANNEL, "username": "dave", "media_id": "short01",
                 "request_id": "web-42"}
        first = await robot.client.nats_request("kryten.economy.command", queue, timeout=30)
        again = await robot.client.nats_request("kryten.economy.command", queue, timeout=30)
        assert first["success"] and first["data"]["status"] == "queued", first
        assert again["data"]["request_id"] == first["data"]["request_id"]
        assert await robot.balance("dave") == 750 and len(robot.addvideos()) == 5

        # when media stops, the front desk answers its words, and the public subject says so too
        stack.procs["media"].stop()
        await robot.pm("carol", "search cat")
        await robot.wait_for_pm("carol", "video store is closed")
        closed = await robot.client.nats_request("kryten.economy.command", {**queue, "request_id": "web-43"},
                                                 timeout=30)
        assert (closed["success"], closed["error_code"]) == (False, "unavailable")
        assert await robot.balance("dave") == 750 and (await robot.audit())["ok"]
    finally:
        await stack.stop()
        await catalog.stop()


async def test_sigkill_between_charge_and_robot_answer_settles_once(tmp_path: Path) -> None:
    catalog = await MediaCmsStandIn(CATALOG).start()
    stack, robot = await start(tmp_path, catalog)
    try:
        await fund(robot, "alice", 1000)
        await fund(robot, "bob", 1000)

        # 1: the robot never answered and the item is not on the playlist → refunded once at start-up
        robot.hold = True
        await robot.pm("alice", "queue short01")
        await asyncio.wait_for(robot.held.wait(), 10)
        assert await robot.balance("alice") == 750  # charged, the robot's answer is out
        stack.procs["media"].kill()
        robot.hold, robot.held = False, asyncio.Event()
        stack.start_service("media")
        await stack.ready(["media"])
        await robot.wait_for_pm("alice", "couldn't be queued")
        assert await robot.balance("alice") == 1000
        assert (await kinds(robot, "alice")) == [("admin", 1000), ("spend", -250), ("refund", 250)]
        await robot.pm("alice", "queue short01")  # the slot came back
        await robot.wait_for_pm("alice", 'Queued "Cat Video"')

        # 2: the robot did add it (its playlist state shows it) → the charge stands, once
        robot.hold = True
        await robot.pm("bob", "queue ep30")
        await asyncio.wait_for(robot.held.wait(), 10)
        assert await robot.balance("bob") == 500
        stack.procs["media"].kill()
        robot.hold = False
        url = f"{catalog.url}api/v1/media/cytube/ep30.json?format=json"
        bucket = playlist_bucket(CHANNEL)
        await robot.client.get_or_create_kv_bucket(bucket)
        await robot.client.kv_put(bucket, "items", [{"uid": 900, "temp": True, "queueby": "ZCoinBot",
                                                     "media": {"type": "cm", "id": url, "title": "x"}}],
                                  as_json=True)
        stack.start_service("media")
        await stack.ready(["media"])
        await robot.wait_for_pm("bob", "went through after all")
        assert await robot.balance("bob") == 500
        assert (await kinds(robot, "bob")) == [("admin", 1000), ("spend", -500)]
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
        await catalog.stop()
