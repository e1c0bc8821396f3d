"""The deployed NATS permissions on a real nats-server, for test_system_nats_permissions.py: the server
started on deploy/nats/nats-server.conf, peers logged in as its users, and the service processes."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from kryten import KrytenClient

from economy_shared.subjects import ServiceName
from economy_stack.processes import NatsServer, ServiceProcess, free_port, nats_server_binary, wait_for_port
from tests.system.harness import CHANNEL, DOMAIN, system_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_CONF = ROOT / "deploy" / "nats" / "nats-server.conf"
CHAN = CHANNEL.lower().replace(".", "")
PM_SUBJECT = f"kryten.events.cytube.{CHAN}.pm"
VIOLATION = "permissions violation"


# ---- nats-server with the deployed config ------------------------------------------------------
def deployed_conf(tmp: Path, port: int, http_port: int) -> Path:
    """The deploy file with only its host values replaced; the permission blocks stay verbatim."""
    text = DEPLOY_CONF.read_text(encoding="utf-8")
    for old, new in {
        "listen: 127.0.0.1:4222": f"listen: 127.0.0.1:{port}",
        "http: 127.0.0.1:8222": f"http: 127.0.0.1:{http_port}",
        "store_dir: /var/lib/nats/jetstream": f'store_dir: "{tmp / "jetstream"}"',
    }.items():
        assert text.count(old) == 1, f"{old!r} is no longer in {DEPLOY_CONF.name}; update this test"
        text = text.replace(old, new)
    path = tmp / "nats-server.conf"
    path.write_text(text, encoding="utf-8")
    return path


def conf_users() -> dict[str, str]:
    """user -> the environment variable its password comes from, as the deploy file declares them."""
    text = DEPLOY_CONF.read_text(encoding="utf-8")
    users = dict(re.findall(r"user:\s*([\w-]+),\s*password:\s*\$([A-Z0-9_]+)", text))
    assert {"economy-ledger", "economy-presence", "kryten-robot", "kryten-userstats", "public"} <= set(users)
    return users


class DeployedNats(NatsServer):
    """``nats-server -c <deployed conf>``, logging to a file (violations are logged there)."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        super().__init__(port=free_port(), store_dir=str(tmp / "jetstream"))
        self.conf = deployed_conf(tmp, self.port, free_port())
        self.env = env
        self.log_path = tmp / "nats-server.log"

    def start(self) -> DeployedNats:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([nats_server_binary(), "-c", str(self.conf)], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.stop()
            raise AssertionError(self.log()) from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# ---- clients -----------------------------------------------------------------------------------
class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass
class Peer:
    """A KrytenClient logged in as one user of the config, with what it received and its errors."""

    user: str
    client: KrytenClient
    errors: _Errors
    received: list[tuple[str, str]] = field(default_factory=list)

    async def collect(self, subject: str) -> None:
        async def on_msg(msg: Any) -> None:
            self.received.append((msg.subject, msg.data.decode(errors="replace")))

        await self.client.subscribe(subject, on_msg)

    def violations(self) -> list[str]:
        return [m for m in self.errors.messages if VIOLATION in m.lower()]

    async def wait_violation(self, subject: str, timeout: float = 5.0) -> None:
        """Wait for the server's -ERR about ``subject``: once it arrived, the message was dropped."""
        # nats-py lower-cases the server's error text
        await until(lambda: any(subject.lower() in m.lower() for m in self.violations()), timeout,
                    f"{self.user}: a permissions violation for {subject!r}, got {self.errors.messages}")

    def bodies(self, prefix: str = "") -> list[dict[str, Any]]:
        out = []
        for subject, data in self.received:
            if not subject.startswith(prefix):
                continue
            try:
                out.append(json.loads(data))
            except ValueError:
                out.append({"raw": data})
        return out

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.client.disconnect(), 5)
        except Exception:
            pass


async def until(predicate: Callable[[], Any], timeout: float, what: str | Callable[[], str]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


async def answered(peer: Peer, subject: str, request: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """``nats_request``, retried while nobody answers yet (a responder's SUB may still be in flight)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await peer.client.nats_request(subject, request, timeout=2.0)
        except Exception as err:
            if type(err).__name__ != "NoRespondersError" or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


def pms_to(robot: Peer, user: str) -> list[str]:
    """The PMs services asked the robot (a ``kryten.robot.command`` collector) to send to ``user``."""
    return [c["args"]["msg"] for c in robot.bodies()
            if c.get("command") == "pm" and c.get("args", {}).get("to", "").casefold() == user.casefold()]


def envelope(event_name: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"event_name": event_name, "payload": payload, "channel": CHANNEL, "domain": DOMAIN,
            "timestamp": datetime.now(UTC).isoformat(), "correlation_id": str(uuid.uuid4())}


def pm_event(sender: str, text: str) -> dict[str, Any]:
    return envelope("pm", {"username": sender, "msg": text, "meta": {}, "time": int(time.time() * 1000),
                           "to": "ZCoinBot"})


@dataclass
class Bus:
    tmp: Path
    nats: DeployedNats
    passwords: dict[str, str]
    peers: list[Peer] = field(default_factory=list)
    procs: list[ServiceProcess] = field(default_factory=list)

    async def peer(self, user: str) -> Peer:
        logger = logging.getLogger(f"tests.system.nats_permissions.{user}.{len(self.peers)}")
        logger.propagate = False
        errors = _Errors()
        logger.addHandler(errors)
        client = KrytenClient({
            "nats": {"servers": [self.nats.url], "user": user, "password": self.passwords[user],
                     "max_reconnect_attempts": 2, "reconnect_time_wait": 1},
            "channels": [{"domain": DOMAIN, "channel": CHANNEL}],
            "log_level": "WARNING",
        }, logger=logger)
        await asyncio.wait_for(client.connect(), 10)
        peer = Peer(user, client, errors)
        self.peers.append(peer)
        return peer

    def start_service(self, name: ServiceName) -> ServiceProcess:
        """A service as a process, logged in as economy-<name> through ``nats.user`` / ``nats.password``.

        One config file for all, as in production; each process gets its own user from its
        environment (deploy/systemd's ``<service>.env``).
        """
        path = self.tmp / "economy.yaml"
        if not path.exists():
            cfg = system_config(self.tmp / "data", self.nats.url,
                                nats={"user": "${NATS_USER}", "password": "${NATS_PASSWORD}"})
            path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
        user = f"economy-{name}"
        env = {"NATS_USER": user, "NATS_PASSWORD": self.passwords[user]}
        proc = ServiceProcess(name, path, env, log_path=self.tmp / f"{name}.log").start()
        self.procs.append(proc)
        return proc

    def service_log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def violations(self) -> list[str]:
        """The server's log lines about refused publishes and subscriptions."""
        return [line for line in self.nats.log().splitlines() if "Violation" in line]

    def logs(self) -> str:
        out = [f"--- nats-server ---\n{self.nats.log()[-4000:]}"]
        out += [f"--- {proc.name} ---\n{self.service_log(proc.name)[-4000:]}" for proc in self.procs]
        return "\n".join(out)


@asynccontextmanager
async def deployed_bus(tmp_path: Path) -> AsyncIterator[Bus]:
    """nats-server on the deployed permissions, with fresh passwords; everything stopped afterwards."""
    passwords = {user: "pw" + secrets.token_hex(12) for user in conf_users()}
    env = {var: passwords[user] for user, var in conf_users().items()}
    nats = DeployedNats(tmp_path, env).start()
    b = Bus(tmp_path, nats, passwords)
    try:
        yield b
    finally:
        for peer in b.peers:
            await peer.close()
        for proc in b.procs:
            proc.stop()
        nats.stop()
