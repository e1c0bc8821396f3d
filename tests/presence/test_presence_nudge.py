"""The inactivity nudge: on the first genuine arrival after ``days_absent`` whole days, once per absence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.presence.test_timed_helpers import (
    FakeAnnouncer,
    FastFailPresence,
    join,
    leave,
    ledger_down,
    make_stack,
    start,
    tick,
)

NUDGE = {"inactivity_nudge": {"enabled": True, "days_absent": 14,
                              "message": "Hey {user}, {days} days! {balance} {symbol} ({currency}) wait."}}
OFF_BACK = {"welcome_back": {"enabled": False}}


def _stack(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, **retention: Any) -> Stack:
    return make_stack(tmp_path, bus, clock, onboarding={"welcome_wallet": 100},
                      retention={**OFF_BACK, **NUDGE, **retention})


def _nudges(announcer: FakeAnnouncer) -> list[dict[str, Any]]:
    return [r for r in announcer.requests if r["command"] == "announcer.pm" and " days! " in r["text"]]


async def _away(stack: Stack, presence: Any, days: float) -> None:
    await join(stack, "alice")
    await tick(stack, presence)
    await leave(stack, "alice")
    stack.clock.advance(days=days)


async def test_nudged_once_after_fourteen_days(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = _stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await _away(stack, presence, 14)
        await join(stack, "Alice")
        await stack.settle()
        sent = _nudges(announcer)
        assert [r["text"] for r in sent] == [f"Hey Alice, 14 days! 101 Z ({presence.config.currency.plural}) wait."]
        assert sent[0]["unsolicited"] is True  # an unsolicited notice: quiet users never get it
        await leave(stack, "alice")  # a bounce, then a short absence: no second nudge
        await join(stack, "alice")
        clock.advance(minutes=30)
        await leave(stack, "alice")
        clock.advance(hours=2)
        await join(stack, "alice")
        await stack.settle()
        assert len(_nudges(announcer)) == 1
        assert presence.presence_metrics.nudges.labels(CHANNEL, "sent")._value.get() == 1
    finally:
        await stack.close()


async def test_same_absence_is_nudged_once(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = _stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await _away(stack, presence, 20)
        arrival = presence.books[CHANNEL].join("alice", clock.now())
        assert await presence.nudge.on_arrival(CHANNEL, arrival) == "sent"
        assert await presence.nudge.on_arrival(CHANNEL, arrival) == ""
        assert len(_nudges(announcer)) == 1
    finally:
        await stack.close()


async def test_not_before_the_whole_days(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = _stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await _away(stack, presence, 13.99)
        await join(stack, "alice")
        await stack.settle()
        assert _nudges(announcer) == []
    finally:
        await stack.close()


async def test_off_by_default(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, onboarding={"welcome_wallet": 100}, retention=OFF_BACK)
    try:
        presence = await start(stack)
        await _away(stack, presence, 30)
        await join(stack, "alice")
        await stack.settle()
        assert _nudges(announcer) == []
    finally:
        await stack.close()


async def test_quiet_user_is_not_told(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    announcer.quiet.add("alice")
    stack = _stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await _away(stack, presence, 15)
        await join(stack, "alice")
        await stack.settle()
        # handed to the announcer as unsolicited, which drops it for a quiet user (DECISIONS 23)
        (request,) = _nudges(announcer)
        assert request["unsolicited"] is True
        assert not (await announcer._handle(request))["data"]["queued"]
    finally:
        await stack.close()


async def test_ledger_down_skips_the_nudge_never_the_arrival(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    announcer = FakeAnnouncer(bus)
    stack = _stack(tmp_path, bus, clock)
    try:
        presence = await start(stack, FastFailPresence)
        await _away(stack, presence, 15)
        ledger_down(stack)
        await join(stack, "alice")
        await stack.settle()
        assert _nudges(announcer) == []
        assert "alice" in presence.books[CHANNEL].sessions
        assert presence.presence_metrics.nudges.labels(CHANNEL, "no_ledger")._value.get() == 1
    finally:
        await stack.close()


async def test_no_account_no_nudge(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, retention={**OFF_BACK, **NUDGE})  # no wallet: nothing ever paid
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await leave(stack, "alice")  # left before any tick: no account in the ledger
        clock.advance(days=15)
        await join(stack, "alice")
        await stack.settle()
        assert _nudges(announcer) == []
        assert presence.presence_metrics.nudges.labels(CHANNEL, "no_account")._value.get() == 1
    finally:
        await stack.close()
