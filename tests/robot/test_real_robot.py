"""The economy through the REAL kryten-robot 1.12.6 (issue 13): ``make test-robot``.

A real nats-server (JetStream), the fake CyTube (``fake_cytube.py``, EIO=3 over aiohttp), the real robot
from its own venv, and the ledger, presence, media (MediaCMS stand-in) and announcer processes. Everything
a user does goes in as CyTube frames through the fake; everything the bot says comes out as frames the robot
emitted to the fake. The bus observer only records and reads the ledger; it never answers for the robot.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp

from economy_shared.subjects import ServiceName, playlist_bucket
from tests.media.mediacms_standin import Media, MediaCmsStandIn
from tests.robot.fake_cytube import FakeCytube
from tests.robot.robot_runner import RobotProcess, robot_config, robot_executable
from tests.system.harness import BOT, CHANNEL, FakeRobot, SystemStack

SERVICES: list[ServiceName] = ["ledger", "presence", "media", "announcer"]
WELCOME = 100  # onboarding.welcome_wallet (the example config's default)
USERCOUNT_EVERY = 5.0  # the fake's keep-alive for the robot's 120 s watchdog (30 s by default; short here to see it)


class BusObserver(FakeRobot):
    """The harness's bus client minus the robot impersonation: it records commands and never answers them."""

    async def _on_command(self, msg: Any) -> None:
        try:
            self.commands.append(json.loads(msg.data))
        except ValueError:
            pass


class RealRobotStack(SystemStack):
    """SystemStack with the observer in the fake robot's seat (the real robot answers ``kryten.robot.command``)."""

    async def start_robot(self) -> FakeRobot:
        return await BusObserver(self.nats.url).start()


def user(name: str, rank: int = 1) -> dict[str, Any]:
    return {"name": name, "rank": rank, "profile": {"image": "", "text": ""}, "meta": {"afk": False, "muted": False}}


class Room:
    """The test's side of the fake CyTube: users act by frames, the bot's PMs are read from what the robot sent."""

    def __init__(self, fake: FakeCytube) -> None:
        self.fake = fake

    async def pm(self, sender: str, text: str) -> None:
        await self.fake.inject("pm", {"username": sender, "msg": text, "meta": {}, "time": int(time.time() * 1000),
                                      "to": BOT})

    def pms_to(self, name: str) -> list[str]:
        return [str(d.get("msg", "")) for d in self.fake.emitted_events("pm")
                if str(d.get("to", "")).casefold() == name.casefold()]

    def chats(self) -> list[str]:
        return [str(d.get("msg", "")) for d in self.fake.emitted_events("chatMsg")]

    async def wait_for(self, predicate: Any, what: str, timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; the robot emitted: {self.fake.emitted[-15:]}")

    async def wait_pm(self, name: str, contains: str, timeout: float = 15.0) -> str:
        return await self.wait_for(lambda: next((m for m in self.pms_to(name) if contains in m), None),
                                   f"a PM to {name} containing {contains!r}", timeout)


async def journal(observer: FakeRobot, name: str) -> list[tuple[str, int]]:
    reply = await observer.request("ledger", {"command": "ledger.journal", "user": name, "limit": 100})
    assert reply["success"], reply
    return [(e["kind"], e["amount"]) for e in reversed(reply["data"]["entries"])]


async def test_help_balance_grant_tip_and_queue_through_the_real_robot(tmp_path: Path) -> None:
    exe = robot_executable()
    assert exe is not None  # conftest skips the test otherwise
    catalog = await MediaCmsStandIn({"short01": Media("Cat Video", 120)}).start()
    fake = await FakeCytube(CHANNEL, tmp_path, usercount_every=USERCOUNT_EVERY).start()
    fake.users["Carol"] = user("Carol")  # already in the room: reaches the economy in the robot's userlist
    stack = await RealRobotStack(
        tmp_path, SERVICES,
        channels=[{"domain": fake.domain, "channel": CHANNEL}],  # exactly the robot's domain and channel
        mediacms={"base_url": catalog.url, "request_timeout_seconds": 2.0, "max_retries": 1},
        tipping={"min_account_age_minutes": 0},
        presence={"base_rate_per_minute": 0, "tick_interval_seconds": 60}, rain={"enabled": False},
    ).start()
    observer = stack.robot
    assert observer is not None
    robot = RobotProcess(exe, robot_config(domain=fake.domain, channel=CHANNEL, user=BOT, password="secret",
                                           nats_url=stack.nats.url, log_dir=tmp_path / "robot-logs"),
                         tmp_path, fake.cert).start()
    room = Room(fake)
    try:
        usercounts: list[bytes] = []

        async def on_usercount(msg: Any) -> None:
            usercounts.append(msg.data)

        await observer.client.subscribe(f"kryten.events.cytube.{CHANNEL.lower()}.usercount", on_usercount)
        await robot.wait_ready(observer.client)
        assert [e["event"] for e in fake.emitted[:2]] == ["joinChannel", "login"]

        # users join: Carol came in the userlist at join, the others arrive; everyone gets the welcome wallet
        async with aiohttp.ClientSession() as http:  # the fake's control endpoint, as an outside tool would
            for name, rank in (("Alice", 1), ("Bob", 1), ("Boss", 4)):
                async with http.post(f"{fake.ctl_url}/ctl/inject", json={"event": "addUser",
                                                                        "data": user(name, rank)}) as resp:
                    assert (await resp.json()) == {"ok": True, "sockets": 1}
        for name in ("Carol", "Alice", "Bob", "Boss"):
            await room.wait_pm(name, f"You've got {WELCOME} Z")

        await room.pm("Alice", "help")
        help_lines = ("• help — this list", "• balance (bal)", "• tip @user <amount>", "• search <words>",
                      "• queue <id>", "Stick around. Earn")  # split over several PMs (240 characters each)
        await room.wait_for(lambda: all(w in "\n".join(room.pms_to("Alice")) for w in help_lines), "the help PMs")
        assert "🛠 Admin" not in "\n".join(room.pms_to("Alice"))
        await room.pm("Alice", "balance")
        await room.wait_pm("Alice", f"💰 Balance: {WELCOME} Z")

        # an admin (rank 4 in the robot's userlist, not in the PM) grants; Alice tips Bob
        await room.pm("Boss", "grant @Alice 1000 robot test")
        await room.wait_pm("Boss", "✅ Granted 1,000 Z to Alice.")
        await room.wait_pm("Alice", "🎁 An admin gave you 1,000 Z.")
        await room.pm("Bob", "grant @Bob 5000")  # rank 1: refused, nothing changes
        await room.wait_pm("Bob", "🚫 That one's for channel admins.")
        await room.pm("Alice", "tip @Bob 300")
        await room.wait_pm("Alice", "💸 You tipped Bob 300 Z.")
        await room.wait_pm("Bob", f"🎁 Alice tipped you 300 Z! Your balance: {WELCOME + 300} Z.")
        assert (await observer.balance("Alice"), await observer.balance("Bob")) == (WELCOME + 700, WELCOME + 300)

        # search and queue: the robot emits the queue frame, the fake answers it with a uid, one charge
        await room.pm("Alice", "search cat")
        await room.wait_pm("Alice", "id short01 · 250 Z")
        await room.pm("Alice", "queue short01")
        await room.wait_pm("Alice", 'Queued "Cat Video"')
        manifest = f"{catalog.url}api/v1/media/cytube/short01.json?format=json"
        assert fake.emitted_events("queue") == [{"type": "cm", "id": manifest, "pos": "end", "temp": True}]
        items = await observer.client.kv_get(playlist_bucket(CHANNEL), "items", default=[], parse_json=True)
        assert [(i["uid"], i["media"]["id"]) for i in items] == [(1000, manifest)]  # the fake's uid, in the robot's KV
        await room.wait_for(lambda: any('Alice just queued "Cat Video"' in c for c in room.chats()),
                            "the queue announcement in chat")
        assert await observer.balance("Alice") == WELCOME + 700 - 250
        assert await journal(observer, "Alice") == [("earn", WELCOME), ("admin", 1000), ("transfer", -300),
                                                    ("spend", -250)]
        assert await observer.balance("Bob") == WELCOME + 300
        async with aiohttp.ClientSession() as http, http.get(f"{fake.ctl_url}/ctl/emitted") as resp:
            assert [e["event"] for e in await resp.json()].count("pm") == len(fake.emitted_events("pm"))
        audit = await observer.audit()
        assert audit["ok"], json.dumps(audit)
        # the watchdog feed reaches the bus through the robot, and the robot is still up
        await room.wait_for(lambda: usercounts, "a usercount republished by the robot", USERCOUNT_EVERY + 5)
        assert json.loads(usercounts[0])["payload"] == 5  # four users and the bot
        assert robot.proc is not None and robot.proc.poll() is None, robot.log()
    finally:
        robot.terminate()
        await fake.stop()  # closing the socket lets the robot's publisher stop at once
        robot.stop()
        await stack.stop()
        await catalog.stop()
