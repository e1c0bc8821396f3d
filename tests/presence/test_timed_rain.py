"""Rain in-process: schedule, one batched posting, exclusions, notices, restart catch-up, admin rain."""

from __future__ import annotations

import random
from pathlib import Path

from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock, to_ms
from economy_shared.pm.catalog import entries
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.presence.test_timed_helpers import (
    FakeAnnouncer,
    FastFailPresence,
    audit_ok,
    balance,
    earnings,
    join,
    kinds,
    ledger_down,
    ledger_up,
    make_stack,
    restart,
    start,
    tick,
)

RAIN_ON = {"enabled": True}


async def rain_requests(stack: Stack) -> int:
    """How many rains the ledger has seen (each rain's keys are ``<rain key>:b<bucket>``)."""
    ledger = stack.hosts[0].service
    rows = await ledger.database.fetchall("SELECT idem_key FROM requests WHERE idem_key LIKE 'rain:%'")
    return len({r["idem_key"].rsplit(":b", 1)[0] for r in rows})


async def until_rain(stack: Stack, presence: PresenceService) -> None:
    """Jump to just before the scheduled rain and tick across it."""
    due = await presence.timed.store.rain_next(CHANNEL)
    assert due is not None
    stack.clock.advance((due - to_ms(stack.clock.now())) / 1000 - 30)
    await tick(stack, presence)


async def test_rain_pays_everyone_present_once(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, rain=RAIN_ON)
    try:
        presence = await start(stack)
        presence.timed.rain.rng = random.Random(5)
        await stack.hosts[0].service.store.set_banned(CHANNEL, "mallory", True, "test", 0)
        await join(stack, "alice", "Bob", "OtherBot", "mallory")
        due = await presence.timed.store.rain_next(CHANNEL)
        assert due is not None and 31.5 * 60_000 <= due - to_ms(clock.now()) <= 58.5 * 60_000
        await until_rain(stack, presence)
        alice, bob = await earnings(stack, "alice", "rain."), await earnings(stack, "bob", "rain.")
        assert len(alice) == 1 and alice == bob and 5 <= alice[0][1] <= 25
        assert await balance(stack, "otherbot") == 0 and await balance(stack, "mallory") == 0
        assert await rain_requests(stack) == 1  # one batched posting
        [shout] = announcer.announcements("rain")
        assert shout["context"]["count"] == 2 and shout["context"]["amount"] == alice[0][1]
        assert not any("Rain drop" in m for m in announcer.pms())  # PMs are off by default
        assert await kinds(stack, "rain.") == {"earn"}
        nxt = await presence.timed.store.rain_next(CHANNEL)
        assert nxt is not None and nxt > to_ms(clock.now())
        await tick(stack, presence, 5)
        assert await rain_requests(stack) == 1
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_rain_pms_when_enabled_and_not_quiet(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, rain={"enabled": True, "pm_notification": True, "min_amount": 7,
                                                   "max_amount": 7})
    try:
        presence = await start(stack)
        await join(stack, "alice", "bob")
        await until_rain(stack, presence)
        expected = "☔ Rain drop! You received 7 Z-Coins just for being here."
        assert announcer.pms("alice") == [expected] and announcer.pms("bob") == [expected]
        assert len(announcer.announcements("rain")) == 1
    finally:
        await stack.close()


async def test_rain_skips_an_empty_channel(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, rain=RAIN_ON)
    try:
        presence = await start(stack)
        before = await presence.timed.store.rain_next(CHANNEL)
        await until_rain(stack, presence)
        assert await rain_requests(stack) == 0 and announcer.announcements("rain") == []
        after = await presence.timed.store.rain_next(CHANNEL)
        assert before is not None and after is not None and after > before
    finally:
        await stack.close()


async def test_rain_disabled_never_schedules(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        clock.advance(hours=3)
        await tick(stack, presence)
        assert await presence.timed.store.rain_next(CHANNEL) is None
        assert await rain_requests(stack) == 0
    finally:
        await stack.close()


async def test_schedule_survives_restart_and_catches_up_once(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    stack = make_stack(tmp_path, bus, clock, rain=RAIN_ON)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        due = await presence.timed.store.rain_next(CHANNEL)
        stack, presence = await restart(stack, ["alice"])
        assert await presence.timed.store.rain_next(CHANNEL) == due  # not rescheduled by the restart
        clock.advance(hours=6)  # down through several would-be rains (restart stops the services first)
        stack, presence = await restart(stack, ["alice"])
        await tick(stack, presence)
        assert await rain_requests(stack) == 1
        assert len(await earnings(stack, "alice", "rain.")) == 1
        await tick(stack, presence, 3)
        assert await rain_requests(stack) == 1
    finally:
        await stack.close()


async def test_a_rain_the_ledger_missed_is_paid_once_when_it_is_back(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, rain=RAIN_ON)
    try:
        presence = await start(stack, FastFailPresence)
        await join(stack, "alice", "bob")
        ledger_down(stack)
        await until_rain(stack, presence)
        assert announcer.announcements("rain") == []
        await ledger_up(stack)
        await tick(stack, presence)
        await tick(stack, presence)
        assert await rain_requests(stack) == 1
        assert len(await earnings(stack, "alice", "rain.")) == 1 and len(announcer.announcements("rain")) == 1
    finally:
        await stack.close()


async def test_admin_rain_splits_among_others(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, admin={"usernames": ["Boss"]})
    try:
        await start(stack)
        await join(stack, "alice", "bob", "carl", "boss", "OtherBot")
        await stack.pm("boss", "rain 100")
        got = sorted([await balance(stack, u) for u in ("alice", "bob", "carl")])
        assert got == [33, 33, 34]
        assert await balance(stack, "boss") == 0 and await balance(stack, "otherbot") == 0
        assert announcer.pms("boss") == ["☔ Rained 100 Z on 3 users."]
        assert announcer.announcements("rain")[0]["context"]["user"] == "boss"
        assert await kinds(stack, "rain.admin") == {"admin"}  # a gift from an admin never counts toward ranks
        await stack.pm("alice", "rain 50")
        assert announcer.pms("alice")[-1] == "🚫 That one's for channel admins."
        await stack.pm("boss", "rain lots")
        assert announcer.pms("boss")[-1] == "Usage: rain <amount>"
        assert await audit_ok(stack)
        assert any(e.word == "rain" and e.live for e in entries())
    finally:
        await stack.close()


async def test_admin_rain_with_nobody_else_here(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, admin={"usernames": ["Boss"]})
    try:
        await start(stack)
        await join(stack, "boss")
        await stack.pm("boss", "rain 10")
        assert announcer.pms("boss") == ["☔ Nobody else is here to rain on."]
    finally:
        await stack.close()


async def test_a_retried_rain_with_a_different_crowd_pays_nobody_twice(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    from economy_presence.timed.rain import bucket_of

    stack = make_stack(tmp_path, bus, clock, rain=RAIN_ON)
    try:
        presence = await start(stack)
        crowd = [f"viewer{i}" for i in range(40)]
        first = await presence.timed.rain.pour(CHANNEL, "rain:testchan:42", dict.fromkeys(crowd[:30], 5),
                                               "rain.ambient", "Rain drop")
        assert first.done and len(first.paid) == 30
        # the same rain retried after a restart, with ten people gone and ten new ones
        again = await presence.timed.rain.pour(CHANNEL, "rain:testchan:42", dict.fromkeys(crowd[10:], 5),
                                               "rain.ambient", "Rain drop")
        assert again.done
        for user in crowd[:30]:
            assert await balance(stack, user) == 5, user  # never twice
        first_buckets = {bucket_of(u) for u in crowd[:30]}
        for user in crowd[30:]:  # newcomers in untouched buckets get the rain; the rest are not double-paid
            assert await balance(stack, user) == (0 if bucket_of(user) in first_buckets else 5)
        assert await audit_ok(stack)
    finally:
        await stack.close()
