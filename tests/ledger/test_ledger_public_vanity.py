"""The vanity shop's public names on ``kryten.economy.command``: the ledger forwards them to the announcer
(DECISIONS 24) with the announcer's answer passed on, admin ones refused without
``api.allow_admin_commands``, and a friendly ``unavailable`` while the announcer is silent. The GIF
approvals run end to end against the real announcer (``approval.list`` / ``approval.resolve`` with
type ``channel_gif``, ``approval.approve_gif`` / ``approval.reject_gif``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from economy_announcer.approval_store import ApprovalStore
from economy_announcer.service import AnnouncerService
from economy_ledger.public_vanity import SHOP_CLOSED
from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock, to_ms
from economy_shared.envelope import ok
from economy_shared.subjects import PUBLIC_COMMAND, service_subject
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack, make_config

LEDGER = service_subject("ledger")
ANNOUNCER = service_subject("announcer")


class FakeShop:
    """Answers the announcer subject with canned data per command and records every request."""

    def __init__(self, bus: InMemoryBus) -> None:
        self.calls: list[dict[str, Any]] = []
        self.refusals: dict[str, tuple[str, str]] = {}
        bus.add_responder(ANNOUNCER, self.handle)

    async def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(req)
        cmd = req["command"]
        if cmd in self.refusals:
            code, message = self.refusals[cmd]
            return {"service": "announcer", "command": cmd, "success": False, "error_code": code, "error": message,
                    "data": {"short_by": 100}}
        return ok("announcer", cmd, {"echo": cmd, "user": req.get("user", "")})

    def last(self) -> dict[str, Any]:
        body = dict(self.calls[-1])
        body.pop("channel")
        return body


async def public(stack: Stack, command: str, **fields: Any) -> dict[str, Any]:
    return await stack.request(PUBLIC_COMMAND, {"command": command, "channel": CHANNEL, **fields})


def stack_of(tmp_path: Path, **overrides: Any) -> Stack:
    return Stack(InMemoryBus(), make_config(tmp_path, **overrides), FakeClock())


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[tuple[Stack, FakeShop]]:
    stack = stack_of(tmp_path)
    fake = FakeShop(stack.bus)
    await stack.add(LedgerService)
    yield stack, fake
    await stack.close()


async def test_each_name_reaches_the_announcer_with_its_fields(shop: tuple[Stack, FakeShop]) -> None:
    stack, fake = shop
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("vanity.get", {"username": "alice"}, {"command": "announcer.vanity_get", "user": "alice"}),
        ("vanity.list", {"item": "title", "limit": 5},
         {"command": "announcer.vanity_list", "item": "title", "limit": 5}),
        ("vanity.set_greeting", {"username": "alice", "greeting": "hi all", "request_id": "web-1"},
         {"command": "announcer.buy", "user": "alice", "item": "greeting", "value": "hi all", "request_id": "web-1"}),
        ("vanity.set_title", {"username": "alice", "title": "Scream Queen"},
         {"command": "announcer.buy", "user": "alice", "item": "title", "value": "Scream Queen"}),
        ("vanity.set_color", {"username": "alice", "color": "Hot Pink"},
         {"command": "announcer.buy", "user": "alice", "item": "color", "value": "Hot Pink"}),
        ("vanity.set_currency_name", {"username": "alice", "name": "Bobux"},
         {"command": "announcer.buy", "user": "alice", "item": "rename", "value": "Bobux"}),
        ("vanity.shoutout", {"username": "alice", "message": "hello!", "request_id": "s-1"},
         {"command": "announcer.buy", "user": "alice", "item": "shoutout", "value": "hello!", "request_id": "s-1"}),
        ("vanity.buy", {"username": "alice", "item": "gif", "value": "https://x.example/a.gif"},
         {"command": "announcer.buy", "user": "alice", "item": "gif", "value": "https://x.example/a.gif"}),
        ("vanity.fortune", {"username": "alice"}, {"command": "announcer.fortune", "user": "alice"}),
        ("shop.list", {"username": "alice"}, {"command": "announcer.shop", "user": "alice"}),
        ("shop.list", {}, {"command": "announcer.shop"}),
    ]
    for name, fields, sent in cases:
        reply = await public(stack, name, **fields)
        assert reply["success"] and reply["service"] == "economy" and reply["command"] == name, (name, reply)
        assert reply["data"]["echo"] == sent["command"]  # the announcer's data, passed on as it is
        assert fake.last() == sent, name


async def test_bad_input_is_refused_here_and_never_forwarded(shop: tuple[Stack, FakeShop]) -> None:
    stack, fake = shop
    for name, fields in [("vanity.list", {"item": "yacht"}), ("vanity.set_greeting", {"username": "alice"}),
                         ("vanity.get", {}), ("vanity.buy", {"username": "a", "item": ""}),
                         ("vanity.list", {"limit": 0})]:
        reply = await public(stack, name, **fields)
        assert (reply["success"], reply["error_code"]) == (False, "bad_request"), (name, reply)
    assert fake.calls == []


async def test_a_refusal_keeps_the_announcers_code_and_data(shop: tuple[Stack, FakeShop]) -> None:
    stack, fake = shop
    fake.refusals["announcer.buy"] = ("insufficient_funds", "You need 500 Z for that.")
    reply = await public(stack, "vanity.set_title", username="bob", title="Boss")
    assert (reply["success"], reply["error_code"], reply["error"]) == (False, "insufficient_funds",
                                                                       "You need 500 Z for that.")
    assert reply["data"] == {"short_by": 100}


async def test_admin_names_are_forbidden_without_the_flag(shop: tuple[Stack, FakeShop]) -> None:
    stack, fake = shop
    for name in ("approval.approve_gif", "approval.reject_gif"):
        reply = await public(stack, name, username="alice", admin="boss")
        assert (reply["success"], reply["error_code"]) == (False, "forbidden"), name
    listing = await public(stack, "approval.list", type="channel_gif")
    assert (listing["success"], listing["error_code"]) == (False, "forbidden")
    assert fake.calls == []


async def test_a_silent_announcer_is_unavailable_with_a_friendly_line(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, api={"allow_admin_commands": True})
    try:
        await stack.add(LedgerService)  # no announcer on the bus
        for name, fields in [("vanity.get", {"username": "alice"}), ("shop.list", {}),
                             ("vanity.set_greeting", {"username": "alice", "greeting": "hi"}),
                             ("approval.reject_gif", {"username": "alice", "admin": "boss"})]:
            reply = await public(stack, name, **fields)
            assert (reply["success"], reply["error_code"], reply["error"]) == (False, "unavailable", SHOP_CLOSED)
        gifs = await public(stack, "approval.list", type="channel_gif")
        assert (gifs["success"], gifs["error_code"], gifs["error"]) == (False, "unavailable", SHOP_CLOSED)
        both = await public(stack, "approval.list")  # neither media nor the announcer answers
        assert (both["success"], both["error_code"]) == (False, "unavailable")
    finally:
        await stack.close()


# ---- end to end with the real announcer --------------------------------------------------------------
async def fund_and_buy_gif(stack: Stack, announcer: AnnouncerService, user: str, cost: int = 5_000) -> int:
    for key, posting in [(f"fund:{user}", {"user": user, "amount": 8_000, "kind": "admin"}),
                         (f"vanity:{CHANNEL}:gif-{user}", {"user": user, "amount": -cost, "kind": "spend",
                                                           "trigger_id": "vanity.gif"})]:
        r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": key,
                                         "postings": [posting]})
        assert r["success"], r
    return await ApprovalStore(announcer.database).create_pending(CHANNEL, user, user, f"https://x.example/{user}.gif",
                                                                  cost, None, to_ms(stack.clock.now()))


async def balance(stack: Stack, user: str) -> int:
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
    return int(r["data"]["balance"])


async def test_gif_approvals_end_to_end_through_the_public_names(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, api={"allow_admin_commands": True})
    try:
        await stack.add(LedgerService)
        announcer: AnnouncerService = await stack.add(AnnouncerService)
        first = await fund_and_buy_gif(stack, announcer, "alice")
        second = await fund_and_buy_gif(stack, announcer, "bob")
        third = await fund_and_buy_gif(stack, announcer, "carol")
        listing = await public(stack, "approval.list")  # no type: both kinds; media is not running here
        assert listing["success"], listing
        assert listing["data"]["unavailable"] == ["force_play"]
        rows = listing["data"]["approvals"]
        assert [(r["type"], r["approval_id"], r["user"], r["cost"]) for r in rows] == [
            ("channel_gif", first, "alice", 5_000), ("channel_gif", second, "bob", 5_000),
            ("channel_gif", third, "carol", 5_000)]
        only = await public(stack, "approval.list", type="channel_gif")
        assert only["success"] and [r["approval_id"] for r in only["data"]["approvals"]] == [first, second, third]
        rejected = await public(stack, "approval.resolve", type="channel_gif", approval_id=first, approved=False,
                                resolved_by="boss")
        assert rejected["success"], rejected
        assert (rejected["data"]["approved"], rejected["data"]["refunded"], rejected["data"]["type"]) == (
            False, 5_000, "channel_gif")
        again = await public(stack, "approval.resolve", type="channel_gif", approval_id=first, approved=True,
                             resolved_by="mod")
        assert (again["success"], again["error_code"]) == (False, "conflict")
        approved = await public(stack, "approval.approve_gif", username="BOB", admin="boss")
        assert approved["success"] and approved["data"]["approved"] and approved["data"]["user"] == "bob"
        carol = await public(stack, "approval.reject_gif", username="carol", admin="boss")
        assert carol["success"] and carol["data"]["refunded"] == 5_000
        late = await public(stack, "approval.reject_gif", username="carol", admin="mod")
        assert (late["success"], late["error_code"], late["data"]["resolved_by"]) == (False, "conflict", "boss")
        stack.clock.advance(120)
        none_left = await public(stack, "approval.reject_gif", username="carol", admin="boss")
        assert (none_left["success"], none_left["error_code"]) == (False, "not_found")
        assert [await balance(stack, u) for u in ("alice", "bob", "carol")] == [8_000, 3_000, 8_000]
        audit = await stack.request(LEDGER, {"command": "ledger.audit", "channel": CHANNEL})
        assert audit["success"] and audit["data"]["ok"]
    finally:
        await stack.close()
