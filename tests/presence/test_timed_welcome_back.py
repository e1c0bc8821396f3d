"""Welcome back in-process: after N whole days away, on a genuine arrival, independent of the wallet."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL
from tests.presence.test_timed_helpers import (
    FakeAnnouncer,
    audit_ok,
    balance,
    earnings,
    join,
    leave,
    make_stack,
    restart,
    start,
    tick,
)

WALLET = {"welcome_wallet": 100}


async def test_back_after_seven_days(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, onboarding=WALLET)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence)
        await leave(stack, "alice")
        clock.advance(days=7)
        await join(stack, "Alice")
        await stack.settle()
        assert await earnings(stack, "alice", "retention.") == [("retention.welcome_back", 100)]
        assert await earnings(stack, "alice", "onboarding.") == [("onboarding.wallet", 100)]  # still only one wallet
        assert await balance(stack, "alice") == 100 + 1 + 100
        assert "Welcome back! Here's 100 Z-Coins. You've been missed. 💚" in announcer.pms("alice")
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_not_after_six_days_23_hours(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock, onboarding=WALLET)
    try:
        await start(stack)
        await join(stack, "alice")
        await leave(stack, "alice")
        clock.advance(days=6, hours=23)
        await join(stack, "alice")
        await stack.settle()
        assert await earnings(stack, "alice", "retention.") == []
    finally:
        await stack.close()


async def test_a_new_user_gets_only_the_wallet(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock, onboarding=WALLET)
    try:
        await start(stack)
        await join(stack, "newbie")
        await stack.settle()
        assert await balance(stack, "newbie") == 100
        assert await earnings(stack, "newbie", "retention.") == []
    finally:
        await stack.close()


async def test_independent_of_a_zero_wallet(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock)  # welcome_wallet 0 must not switch welcome back off
    try:
        await start(stack)
        await join(stack, "alice")
        await leave(stack, "alice")
        clock.advance(days=10)
        await join(stack, "alice")
        await stack.settle()
        assert await balance(stack, "alice") == 100
    finally:
        await stack.close()


async def test_a_bounce_or_a_disabled_rule_pays_nothing(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock, retention={"welcome_back": {"enabled": False}})
    try:
        await start(stack)
        await join(stack, "alice")
        await leave(stack, "alice")
        clock.advance(days=30)
        await join(stack, "alice")
        await leave(stack, "alice")
        await join(stack, "alice")  # a bounce
        await stack.settle()
        assert await balance(stack, "alice") == 0
    finally:
        await stack.close()


async def test_absence_measured_across_a_restart(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock, retention={"welcome_back": {"days_absent": 3, "bonus": 50}})
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence)
        await leave(stack, "alice")
        clock.advance(days=4)
        stack, presence = await restart(stack, [])
        await join(stack, "alice")
        await stack.settle()
        assert await earnings(stack, "alice", "retention.") == [("retention.welcome_back", 50)]
        stack, presence = await restart(stack, ["alice"])  # same day, back again: nothing more
        assert await earnings(stack, "alice", "retention.") == [("retention.welcome_back", 50)]
    finally:
        await stack.close()


async def test_banned_user_gets_nothing_and_nothing_stays_owed(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await join(stack, "mallory")
        await leave(stack, "mallory")
        await stack.hosts[0].service.store.set_banned(CHANNEL, "mallory", True, "test", 0)
        clock.advance(days=8)
        await join(stack, "mallory")
        await stack.settle()
        assert await balance(stack, "mallory") == 0
        assert await presence.timed.store.owed_count() == 0
        clock.advance(timedelta(minutes=1).total_seconds())
    finally:
        await stack.close()
