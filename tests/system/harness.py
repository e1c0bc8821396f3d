"""System-test harness: a real nats-server, the services as real processes, and a fake kryten-robot.

The fake robot is a kryten-py ``KrytenClient`` of its own: it publishes CyTube-shaped envelopes on
``kryten.events.cytube.<chan>.<event>`` and captures everything services send on
``kryten.robot.command`` (ecosystem.md §3), answering ``addvideo`` like the robot does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from kryten import KrytenClient

from economy_shared.subjects import ServiceName, service_subject, userlist_bucket
from economy_stack.processes import NatsServer, ServiceProcess, free_port, wait_ready

CHANNEL = "TestChan"
DOMAIN = "cytu.be"
BOT = "ZCoinBot"


def system_config(data_dir: Path, nats_url: str, **overrides: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "nats": {"servers": [nats_url], "max_reconnect_attempts": 30, "reconnect_time_wait": 1},
        "channels": [{"domain": DOMAIN, "channel": CHANNEL}],
        "database": {"directory": str(data_dir)},
        "metrics": {"enabled": True, "host": "127.0.0.1",
                    "ports": {s: free_port() for s in ("ledger", "presence", "gambling", "media", "announcer")}},
        "logging": {"level": "INFO", "format": "json"},
        "bot": {"username": BOT},
        "ignored_users": ["OtherBot"],
        "presence": {"tick_interval_seconds": 1.0},
        "announcements": {"pace_seconds": 0.2},  # production paces at 2 s; tests need not wait
        # the calendar multipliers are on by default; system tests run on the real date
        "multipliers": {"off_peak": {"enabled": False}, "high_population": {"enabled": False},
                        "holidays": {"enabled": False}},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return cfg


class FakeRobot:
    """Impersonates kryten-robot on the bus."""

    def __init__(self, nats_url: str) -> None:
        self.client = KrytenClient({
            "nats": {"servers": [nats_url], "max_reconnect_attempts": 30, "reconnect_time_wait": 1},
            "channels": [{"domain": DOMAIN, "channel": CHANNEL}],
            "log_level": "WARNING",
        })
        self.commands: list[dict[str, Any]] = []
        self._uids = itertools.count(500)
        self.addvideo_reply: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    async def start(self) -> FakeRobot:
        await asyncio.wait_for(self.client.connect(), 15)
        await self.client.subscribe("kryten.robot.command", self._on_command)
        await self.client._nats.flush()
        return self

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.disconnect(), 5)
        except Exception:
            pass

    async def _on_command(self, msg: Any) -> None:
        try:
            body = json.loads(msg.data)
        except ValueError:
            return
        self.commands.append(body)
        if msg.reply and body.get("command") == "addvideo":
            reply = (self.addvideo_reply or self._default_addvideo)(body)
            await msg.respond(json.dumps(reply).encode())

    def _default_addvideo(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"service": "robot", "command": "addvideo", "success": True,
                "data": {"success": True, "uid": next(self._uids)}}

    # ---- events in ----------------------------------------------------------------------------
    async def event(self, event_name: str, payload: Any, channel: str = CHANNEL) -> None:
        chan = channel.lower().replace(".", "")
        envelope = {
            "event_name": event_name,
            "payload": payload,
            "channel": channel,
            "domain": DOMAIN,
            "timestamp": datetime.now(UTC).isoformat(),
            "correlation_id": str(uuid.uuid4()),
        }
        await self.client.publish(f"kryten.events.cytube.{chan}.{event_name.lower()}", envelope)

    async def join(self, name: str, rank: int = 1, channel: str = CHANNEL) -> None:
        await self.event("addUser", {"name": name, "rank": rank, "profile": {"image": "", "text": ""},
                                     "meta": {"afk": False, "muted": False}}, channel)

    async def leave(self, name: str) -> None:
        await self.event("userLeave", {"name": name})

    async def pm(self, sender: str, text: str) -> None:
        await self.event("pm", {"username": sender, "msg": text, "meta": {}, "time": int(time.time() * 1000),
                                "to": BOT})

    async def chat(self, sender: str, text: str, **meta: Any) -> None:
        await self.event("chatMsg", {"username": sender, "msg": text, "meta": meta,
                                     "time": int(time.time() * 1000)})

    async def put_userlist(self, users: list[dict[str, Any]]) -> None:
        bucket = userlist_bucket(CHANNEL)
        await self.client.get_or_create_kv_bucket(bucket)
        await self.client.kv_put(bucket, "users", users, as_json=True)

    # ---- what services sent -------------------------------------------------------------------
    def pms_to(self, user: str) -> list[str]:
        return [c["args"]["msg"] for c in self.commands
                if c.get("command") == "pm" and c["args"].get("to", "").casefold() == user.casefold()]

    def chats(self) -> list[str]:
        return [c["args"]["message"] for c in self.commands if c.get("command") == "say"]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    async def wait_for_pm(self, user: str, contains: str, timeout: float = 10.0) -> str:
        def found() -> str | None:
            return next((m for m in self.pms_to(user) if contains in m), None)

        return await self.wait_for(found, timeout, f"a PM to {user} containing {contains!r}: {self.pms_to(user)}")

    # ---- requests -----------------------------------------------------------------------------
    async def request(self, service: ServiceName, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        return await self.client.nats_request(service_subject(service), {"channel": CHANNEL, **payload},
                                              timeout=timeout)

    async def balance(self, user: str) -> int:
        reply = await self.request("ledger", {"command": "ledger.balance", "user": user})
        assert reply["success"], reply
        return int(reply["data"]["balance"])

    async def audit(self) -> dict[str, Any]:
        reply = await self.request("ledger", {"command": "ledger.audit"})
        assert reply["success"], reply
        return reply["data"]


class SystemStack:
    """NATS + service processes + fake robot, for one test."""

    def __init__(self, tmp: Path, services: list[ServiceName], *, clock: str | None = None,
                 **config_overrides: Any) -> None:
        self.tmp = tmp
        # "<ISO start>@<speed>": every service runs on the same scaled clock (no real minutes slept)
        self.clock_spec = f"{clock}@{time.time()}" if clock else None
        self.names = services
        self.overrides = config_overrides
        self.nats: NatsServer | DockerNats = DockerNats() if docker_requested() else NatsServer(
            store_dir=str(tmp / "nats"))
        self.procs: dict[str, ServiceProcess] = {}
        self.robot: FakeRobot | None = None
        self.config_path = tmp / "economy.yaml"
        self.config: dict[str, Any] = {}

    async def start(self) -> SystemStack:
        self.nats.start()
        self.config = system_config(self.tmp / "data", self.nats.url, **self.overrides)
        self.config_path.write_text(yaml.safe_dump(self.config), encoding="utf-8")
        try:
            self.robot = await self.start_robot()
            for name in self.names:
                self.start_service(name)
            await self.ready()
        except BaseException:
            await self.stop()  # a stack that never became ready must not leave processes behind
            raise
        return self

    async def start_robot(self) -> FakeRobot:
        """The test's client on the bus, in the robot's seat (a subclass may seat another one)."""
        return await FakeRobot(self.nats.url).start()

    def start_service(self, name: ServiceName) -> ServiceProcess:
        env = {"NATS_URL": self.nats.url}
        if self.clock_spec:
            env["KRYTEN_ECONOMY_CLOCK"] = self.clock_spec
        proc = ServiceProcess(name, self.config_path, env, log_path=self.tmp / f"{name}.log").start()
        self.procs[name] = proc
        return proc

    async def ready(self, names: list[ServiceName] | None = None) -> None:
        assert self.robot is not None
        try:
            await wait_ready(self.robot.client, names or self.names, timeout=30)
        except TimeoutError:
            raise AssertionError(self.logs()) from None

    def logs(self) -> str:
        out = []
        for name in self.procs:
            path = self.tmp / f"{name}.log"
            if path.exists():
                out.append(f"--- {name} ---\n" + path.read_text(errors="replace")[-4000:])
        return "\n".join(out)

    def metrics_port(self, service: ServiceName) -> int:
        return int(self.config["metrics"]["ports"][service])

    async def stop(self) -> None:
        if self.robot is not None:
            await self.robot.stop()
        for proc in reversed(list(self.procs.values())):
            proc.stop()
        self.nats.stop()


def docker_requested() -> bool:
    """``ECONOMY_TEST_NATS=docker`` runs the system tests on testcontainers' NATS image instead."""
    return os.environ.get("ECONOMY_TEST_NATS", "") == "docker"


class DockerNats:
    """A NATS container with JetStream (testcontainers), for machines with a Docker engine.

    Same surface as ``NatsServer`` except a restart on the same port (the fault test skips it).
    """

    def __init__(self) -> None:
        from testcontainers.community.nats import NatsContainer

        self.container = NatsContainer(jetstream=True)
        self.url = ""

    def start(self) -> DockerNats:
        self.container.start()
        self.url = self.container.nats_uri()
        return self

    def stop(self) -> None:
        self.container.stop()

    kill = stop
