"""Presence tells the announcer about genuine arrivals (``announcer.arrival``) for custom greetings:
bounces, the bot and ignored users never; a silent announcer never delays the arrival work."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from economy_announcer.service import AnnouncerService
from economy_presence.greeting_notice import GreetingNotice
from economy_presence.sessions import Arrival
from economy_shared.clock import FakeClock
from economy_shared.runtime.logging import get_logger
from economy_shared.testing import InMemoryBus, MockKrytenClient
from tests.helpers import CHANNEL, Stack, make_config
from tests.presence.test_timed_helpers import ANNOUNCER, FakeAnnouncer, balance, join, leave, make_stack, start, tick


def _arrivals(announcer: FakeAnnouncer) -> list[dict[str, Any]]:
    return [r for r in announcer.requests if r["command"] == "announcer.arrival"]


def _stack(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> Stack:
    return make_stack(tmp_path, bus, clock, onboarding={"welcome_wallet": 100})


async def test_genuine_arrivals_are_reported_and_bounces_are_not(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    announcer = FakeAnnouncer(bus)
    stack = _stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await join(stack, "Alice")
        (first,) = _arrivals(announcer)
        assert first["channel"] == CHANNEL and first["user"] == "Alice"
        assert "absent_seconds" not in first  # never seen before: None, left out of the wire body
        await tick(stack, presence)
        await leave(stack, "alice")
        clock.advance(minutes=1)  # a bounce (inside the 5-minute join debounce)
        await join(stack, "alice")
        assert len(_arrivals(announcer)) == 1
        await join(stack, "alice")  # a duplicate adduser for a running session
        assert len(_arrivals(announcer)) == 1
        await leave(stack, "alice")
        clock.advance(minutes=40)
        await join(stack, "Alice")
        arrivals = _arrivals(announcer)
        assert len(arrivals) == 2
        assert arrivals[1]["absent_seconds"] == 40 * 60
    finally:
        await stack.close()


async def test_the_bot_server_and_ignored_users_are_never_reported(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    announcer = FakeAnnouncer(bus)
    stack = _stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await join(stack, "ZCoinBot", "[server]", "OtherBot")
        assert _arrivals(announcer) == []
        # and the notice itself refuses them, whoever calls it
        arrival = Arrival(key="zcoinbot", display="ZCoinBot", genuine=True, absent_for=None)
        assert await presence.greeting_notice.on_arrival(CHANNEL, arrival) is None
        bounce = Arrival(key="bob", display="Bob", genuine=False, absent_for=None)
        assert await presence.greeting_notice.on_arrival(CHANNEL, bounce) is None
        assert _arrivals(announcer) == []
    finally:
        await stack.close()


async def test_a_silent_announcer_never_delays_the_welcome(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    """The arrival request hangs; the welcome wallet and its PM go out meanwhile, and the notice gives up."""
    pms: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    release = asyncio.Event()
    welcomed = asyncio.Event()

    async def announcer(req: dict[str, Any]) -> dict[str, Any]:
        if req["command"] == "announcer.arrival":
            held.append(req)
            await release.wait()  # silent until the test lets go
        else:
            pms.append(req)
            welcomed.set()
        return {"service": "announcer", "command": req["command"], "success": True, "data": {"queued": True}}

    bus.add_responder(ANNOUNCER, announcer)
    stack = _stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        for client in stack.clients:  # the raw event: Stack.event would wait for the hanging request too
            await client.simulate_event("addUser", {"name": "Alice", "rank": 1})
        # the notice's own timeout is 2 s: had the arrival work waited for it, no welcome within 1 s
        await asyncio.wait_for(welcomed.wait(), timeout=1.0)
        assert len(held) == 1 and not release.is_set()
        assert [r["user"] for r in pms if r["command"] == "announcer.pm"] == ["Alice"]
        release.set()
        await stack.settle()
        assert await balance(stack, "Alice") == 100
        await tick(stack, presence)  # presence carries on earning
        assert await balance(stack, "Alice") > 100
    finally:
        release.set()
        await stack.close()


async def test_the_notice_gives_up_on_a_silent_announcer(bus: InMemoryBus, tmp_path: Path) -> None:
    never = asyncio.Event()

    async def silent(req: dict[str, Any]) -> dict[str, Any]:
        await never.wait()
        return {}

    bus.add_responder(ANNOUNCER, silent)
    config = make_config(tmp_path)
    notice = GreetingNotice(MockKrytenClient(bus, channel=CHANNEL), lambda: config, get_logger("test"), timeout=0.05)
    arrival = Arrival("bob", "Bob", genuine=True, absent_for=None)
    assert await notice.on_arrival(CHANNEL, arrival) is None  # logged, not raised
    assert await notice.on_arrival(CHANNEL, arrival) is None  # the second failure in a row only at debug
    never.set()


async def test_no_announcer_at_all_is_logged_not_raised(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = _stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await join(stack, "Alice")  # no responder on the announcer subject
        assert await balance(stack, "Alice") == 100
        arrival = Arrival(key="bob", display="Bob", genuine=True, absent_for=None)
        assert await presence.greeting_notice.on_arrival(CHANNEL, arrival) is None
    finally:
        await stack.close()


async def test_the_announcers_answer_is_returned(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async def greeter(req: dict[str, Any]) -> dict[str, Any]:
        data = {"greeted": req["user"] == "Bob", "reason": ""}
        return {"service": "announcer", "command": req["command"], "success": True, "data": data}

    bus.add_responder(ANNOUNCER, greeter)
    stack = _stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        notice = presence.greeting_notice
        assert await notice.on_arrival(CHANNEL, Arrival("bob", "Bob", genuine=True, absent_for=None)) is True
        assert await notice.on_arrival(CHANNEL, Arrival("al", "Al", genuine=True, absent_for=None)) is False
    finally:
        await stack.close()


async def test_end_to_end_presence_to_announcer_to_chat(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    """Real presence, ledger and announcer in process: greeted on arrival, not on a bounce or a short absence."""
    stack = _stack(tmp_path, bus, clock)
    try:
        announcer = await stack.add(lambda config, client: AnnouncerService(config, client, autosend=False))
        presence = await start(stack)
        await announcer.vanity_store.set_item(CHANNEL, "Bob", "Bob", "greeting", "The Bobfather is in", None, 0)
        await join(stack, "Bob")
        assert bus.chats() == ["👋 Bob: The Bobfather is in"]
        await tick(stack, presence)
        await leave(stack, "Bob")
        clock.advance(minutes=1)
        await join(stack, "Bob")  # a bounce: not even reported
        await leave(stack, "Bob")
        clock.advance(minutes=10)
        await join(stack, "Bob")  # genuine (past the 5-minute debounce) but inside the 30-minute greeting window
        await leave(stack, "Bob")
        clock.advance(minutes=31)
        await join(stack, "Bob")
        assert bus.chats() == ["👋 Bob: The Bobfather is in"] * 2
        assert announcer.announcer_metrics.greetings_skipped.labels("too_soon")._value.get() == 1
    finally:
        await stack.close()
