"""deploy/nats/nats-server.conf on a real nats-server: outside clients reach only the public API.

nats-server runs the real file; only its host values are substituted (listen and monitoring
ports, JetStream store directory, each asserted to occur once) and the passwords come from the
environment, as in production. The services run as processes, each logged in as its own user;
every other client talks through kryten-py (``KrytenClient``), with the credentials of the user
it plays. A permission violation is an asynchronous ``-ERR`` on the offender's
connection, which kryten-py's error callback logs: the tests wait for that error (so the server
has dropped the message), then use per-connection ordering (a later message on the same
connection arrives after anything the dropped one could have produced) instead of sleeping.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from kryten import KrytenClient

from economy_shared.subjects import ServiceName, service_subject, userlist_bucket
from economy_stack.processes import NatsServer, ServiceProcess, free_port, nats_server_binary, wait_for_port, wait_ready
from economy_stack.services import available_services
from tests.system.harness import CHANNEL, DOMAIN, system_config

pytestmark = pytest.mark.system

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


@pytest.fixture
async def bus(tmp_path: Path) -> AsyncIterator[Bus]:
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


# ---- tests -------------------------------------------------------------------------------------
async def test_outside_client_gets_the_public_api_and_nothing_else(bus: Bus) -> None:
    ledger = bus.start_service("ledger")
    economy = await bus.peer("economy-presence")  # an economy service: may call the ledger
    robot = await bus.peer("kryten-robot")
    public = await bus.peer("public")
    try:
        await wait_ready(economy.client, ["ledger"], timeout=30)
    except TimeoutError:
        raise AssertionError(bus.logs()) from None
    assert public.violations() == [], "kryten-py's connect() as `public` is refused something"

    await robot.collect("kryten.robot.command")  # what services send the robot (PMs)
    await economy.collect("kryten.events.cytube.>")  # the CyTube events a service sees
    post = {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": "nats-perm:alice",
            "postings": [{"user": "alice", "amount": 250, "kind": "admin", "reason": "seed"}]}
    assert (await economy.client.nats_request(service_subject("ledger"), post, timeout=5))["success"]

    # 1. the public API works across the account boundary, with kryten-py's economy_request()
    reply = await public.client.economy_request(CHANNEL, "balance.get", {"username": "alice"})
    assert reply["service"] == "economy" and reply["command"] == "balance.get", reply
    assert reply["success"] is True and reply["data"]["balance"] == 250, reply

    # 2. an internal subject is out of reach: the request is dropped, nothing is posted
    forged_post = {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": "nats-perm:mallory",
                   "postings": [{"user": "mallory", "amount": 1_000_000, "kind": "admin"}]}
    with pytest.raises(Exception) as refused:
        await public.client.nats_request(service_subject("ledger"), forged_post, timeout=1.0)
    assert isinstance(refused.value, TimeoutError) or type(refused.value).__name__ == "NoRespondersError"
    await public.wait_violation(service_subject("ledger"))
    mallory = await economy.client.nats_request(
        service_subject("ledger"), {"command": "ledger.balance", "channel": CHANNEL, "user": "mallory"}, timeout=5)
    assert mallory["success"] and mallory["data"]["found"] is False, mallory

    # 3. a forged PM event never reaches a service; the robot's own PM gets the ledger's answer,
    #    and the events stay in the main account
    await public.collect("kryten.events.cytube.>")
    await public.client.publish(PM_SUBJECT, pm_event("mallory", "balance"))
    await public.wait_violation(PM_SUBJECT)
    await robot.client.publish(PM_SUBJECT, pm_event("alice", "balance"))

    await until(lambda: any("Balance" in m for m in pms_to(robot, "alice")), 10,
                lambda: f"the ledger's PM to alice: {robot.received}\n{bus.logs()}")

    def senders() -> list[str]:
        return [e.get("payload", {}).get("username") for e in economy.bodies()]

    await until(lambda: "alice" in senders(), 5, "the robot's PM event on the economy side")
    assert senders() == ["alice"], senders()  # the economy-side subscriber saw the robot's PM only
    assert pms_to(robot, "mallory") == []

    # 4. no reply meant for someone else reaches the outside client, on "_INBOX.>" or ">"
    await public.collect("_INBOX.>")
    await public.collect(">")
    await public.wait_violation('">"')  # subscribing to everything is refused
    own = await public.client.economy_request(CHANNEL, "balance.get", {"username": "alice"})
    assert own["success"], own
    await until(lambda: len(public.bodies("_INBOX.")) >= 1, 5, "the public client's own reply on its _INBOX.>")
    for _ in range(3):
        mine = await economy.client.nats_request(
            service_subject("ledger"), {"command": "ledger.balance", "channel": CHANNEL, "user": "alice"}, timeout=5)
        assert mine["success"] and mine["data"]["balance"] == 250, mine
    await public.client.economy_request(CHANNEL, "system.ping", {})
    # the ledger sent the three ledger.balance replies before it even got this request, so had any
    # of them leaked they would be on the public connection before this reply
    await until(lambda: len(public.bodies("_INBOX.")) >= 2, 5, "the public client's second reply")
    assert [b.get("command") for b in public.bodies("_INBOX.")] == ["balance.get", "system.ping"], public.received
    assert public.bodies("kryten.") == [], public.received  # no CyTube event crossed either

    # the deployed permissions cover everything the ledger did (startup, public API, PM reply)
    assert ledger.running, bus.logs()
    assert VIOLATION not in bus.service_log("ledger").lower(), bus.logs()
    violations = bus.violations()
    assert not [line for line in violations if "user:economy-ledger" in line], violations
    # and the server logged the outside client's attempts against its own account
    assert [line for line in violations if '"PUBLIC/user:public"' in line], violations


async def test_main_account_users_answer_requests_but_cannot_forge_replies(bus: Bus) -> None:
    economy = await bus.peer("economy-presence")
    userstats = await bus.peer("kryten-userstats")
    robot = await bus.peer("kryten-robot")

    def responder(service: str) -> Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]:
        async def handle(request: dict[str, Any]) -> dict[str, Any]:
            return {"service": service, "command": request.get("command"), "success": True, "data": {"genuine": True}}

        return handle

    # JetStream still works for whoever needs it: the robot creates and writes its KV buckets,
    # services and userstats read them (their replies come on "_INBOX.>" too)
    bucket = userlist_bucket(CHANNEL)
    users = [{"name": "alice", "rank": 3}]
    await robot.client.get_or_create_kv_bucket(bucket)
    await robot.client.kv_put(bucket, "users", users, as_json=True)
    for reader in (economy, userstats):
        assert await reader.client.kv_get(bucket, "users", parse_json=True) == users, reader.user
    assert economy.violations() == [] and userstats.violations() == []

    await userstats.client.subscribe_request_reply("kryten.userstats.command", responder("userstats"))
    await robot.client.subscribe_request_reply("kryten.robot.command", responder("robot"))
    # both answer before the economy side subscribes to "_INBOX.>": nats-server sends the
    # "no responders" status to one subscription of the requester matching the reply subject,
    # which could be that one instead of the request's own, turning NoResponders into a timeout
    await answered(economy, "kryten.userstats.command", {"command": "system.ping"})
    await answered(economy, "kryten.robot.command", {"command": "system.ping"})
    await economy.collect("_INBOX.>")  # every reply that reaches the economy service's connection
    await economy.collect("kryten.lifecycle.>")  # markers

    # legitimate answers work (allow_responses) ...
    stats = await economy.client.nats_request("kryten.userstats.command", {"command": "alias.find", "alias": "bobby"},
                                              timeout=5)
    ping = await economy.client.nats_request("kryten.robot.command", {"command": "system.ping"}, timeout=5)
    assert stats == {"service": "userstats", "command": "alias.find", "success": True, "data": {"genuine": True}}
    assert ping["service"] == "robot" and ping["success"] is True

    def replies() -> list[tuple[str, dict[str, Any]]]:
        return [(s, json.loads(d)) for s, d in economy.received if s.startswith("_INBOX.")]

    await until(lambda: len(replies()) >= 2, 5, "both replies on the economy's _INBOX.> subscription")
    inbox = {body["service"]: subject for subject, body in replies()}
    assert set(inbox) == {"userstats", "robot"}, economy.received

    # ... but neither can publish into "_INBOX.>": not to another requester's reply subject, not a
    # second answer to a request it already answered, not to any made-up inbox
    forged = {"service": "ledger", "command": "ledger.balance", "success": True, "data": {"balance": 10**9}}
    attempts = [(userstats, [inbox["robot"], inbox["userstats"], "_INBOX.forged.reply"]),
                (robot, [inbox["userstats"], "_INBOX.forged.reply"])]
    for forger, subjects in attempts:
        for subject in subjects:
            await forger.client.publish(subject, forged)
            await forger.wait_violation(subject)
        await forger.client.publish(f"kryten.lifecycle.{forger.user.removeprefix('kryten-')}.marker", {"m": 1})
    await until(lambda: sum(s.endswith(".marker") for s, _ in economy.received) == 2, 5,
                lambda: f"the forgers' markers: {economy.received}")
    # each forger's marker left after its forged messages, on the same connection
    assert [body["data"] for _, body in replies()] == [{"genuine": True}] * 2, economy.received
    assert economy.violations() == []


async def test_every_service_runs_on_the_deployed_permissions(bus: Bus) -> None:
    """Each service under its own user: startup, KV reads and the calls between them are all allowed."""
    names = available_services()
    robot = await bus.peer("kryten-robot")
    await robot.client.get_or_create_kv_bucket(userlist_bucket(CHANNEL))
    await robot.client.kv_put(userlist_bucket(CHANNEL), "users", [], as_json=True)
    await robot.collect("kryten.robot.command")
    for name in names:
        bus.start_service(name)
    # the ledger may call every other service; presence may call the ledger
    ledger_side, presence_side = await bus.peer("economy-ledger"), await bus.peer("economy-presence")
    try:
        await wait_ready(presence_side.client, [n for n in names if n == "ledger"], timeout=30)
        await wait_ready(ledger_side.client, [n for n in names if n != "ledger"], timeout=30)
    except TimeoutError:
        raise AssertionError(bus.logs()) from None

    # a join goes presence -> ledger (welcome wallet) -> announcer -> robot, a PM goes ledger -> ... -> robot
    if {"presence", "announcer"} <= set(names):
        await robot.client.publish(f"kryten.events.cytube.{CHAN}.adduser", envelope(
            "addUser", {"name": "alice", "rank": 1, "profile": {"image": "", "text": ""},
                        "meta": {"afk": False, "muted": False}}))
        await until(lambda: any("Welcome" in m for m in pms_to(robot, "alice")), 15,
                    lambda: f"the welcome PM: {robot.received}\n{bus.logs()}")
    await robot.client.publish(PM_SUBJECT, pm_event("alice", "balance"))
    await until(lambda: any("Balance:" in m and "Welcome" not in m for m in pms_to(robot, "alice")), 10,
                lambda: f"the balance PM: {robot.received}\n{bus.logs()}")

    for proc in bus.procs:
        assert proc.running, bus.logs()
        assert VIOLATION not in bus.service_log(proc.name).lower(), bus.logs()
    assert not [line for line in bus.violations() if "user:economy-" in line], bus.violations()
