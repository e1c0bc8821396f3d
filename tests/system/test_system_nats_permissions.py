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

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from economy_shared.subjects import service_subject, userlist_bucket
from economy_stack.processes import wait_ready
from economy_stack.services import available_services
from tests.system.harness import CHANNEL
from tests.system.nats_permissions_kit import (
    CHAN,
    PM_SUBJECT,
    VIOLATION,
    Bus,
    answered,
    deployed_bus,
    envelope,
    pm_event,
    pms_to,
    until,
)

pytestmark = pytest.mark.system


@pytest.fixture
async def bus(tmp_path: Path) -> AsyncIterator[Bus]:
    async with deployed_bus(tmp_path) as b:
        yield b


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
