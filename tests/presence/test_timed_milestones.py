"""Hourly dwell milestones in-process: once per day, across sessions and restarts, skipped crossings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.presence.test_timed_helpers import (
    FakeAnnouncer,
    audit_ok,
    balance,
    earnings,
    join,
    kinds,
    leave,
    make_stack,
    restart,
    start,
    tick,
)

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
NO_STREAKS = {"daily": {"enabled": False}, "weekend_weekday_bridge": {"enabled": False}}


async def set_minutes(presence: PresenceService, user: str, day: str, minutes: int) -> None:
    await presence.database.execute(
        "INSERT INTO daily_presence (channel, user_key, day, minutes) VALUES (?,?,?,?) "
        "ON CONFLICT(channel, user_key, day) DO UPDATE SET minutes=excluded.minutes",
        (CHANNEL, user, day, minutes),
    )


async def test_one_hour_pays_once_with_a_pm(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, streaks=NO_STREAKS)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence, 59)
        assert await earnings(stack, "alice", "dwell.") == []
        await tick(stack, presence)
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10)]
        await tick(stack, presence, 30)
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10)]
        assert await balance(stack, "alice") == 90 + 10
        assert [m for m in announcer.pms("alice") if "milestone" in m] == ["⏰ 1-hour milestone! +10 Z. Keep it up!"]
        assert await kinds(stack, "dwell.") == {"earn"}
    finally:
        await stack.close()


async def test_minutes_add_up_across_sessions(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock, streaks=NO_STREAKS)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence, 40)
        await leave(stack, "alice")
        clock.advance(minutes=20)
        await join(stack, "alice")
        await tick(stack, presence, 20)
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10)]
    finally:
        await stack.close()


async def test_restart_mid_day_neither_loses_minutes_nor_pays_twice(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence, 50)
        stack, presence = await restart(stack, ["alice"])
        await tick(stack, presence, 9)
        assert await earnings(stack, "alice", "dwell.") == []
        await tick(stack, presence)  # 50 + 10 = 60 minutes today
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10)]
        stack, presence = await restart(stack, ["alice"])
        await tick(stack, presence, 5)
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10)]
        assert await balance(stack, "alice") == 65 + 10
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_skipped_crossings_pay_every_milestone_once(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock, streaks=NO_STREAKS)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence)
        await set_minutes(presence, "alice", "2026-01-05", 1435)  # e.g. restored from a backup
        stack, presence = await restart(stack, ["alice"])
        paid = await earnings(stack, "alice", "dwell.")
        assert paid == [("dwell.1h", 10), ("dwell.3h", 30), ("dwell.6h", 75), ("dwell.12h", 200)]
        await tick(stack, presence, 5)  # 1440 minutes: a full UTC day is reachable
        assert (await earnings(stack, "alice", "dwell."))[4:] == [("dwell.24h", 1000)]
    finally:
        await stack.close()


async def test_milestones_rearm_on_a_new_day(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(NOON)
    stack: Stack = make_stack(tmp_path, bus, clock, streaks=NO_STREAKS)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence, 60)
        clock.set(NOON + timedelta(days=1))
        await tick(stack, presence, 60)
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10), ("dwell.1h", 10)]
    finally:
        await stack.close()


async def test_day_change_restarts_the_count(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 23, 30, tzinfo=UTC))
    stack = make_stack(tmp_path, bus, clock, streaks=NO_STREAKS)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence, 59)  # 29 minutes on the 5th, 30 on the 6th
        assert await earnings(stack, "alice", "dwell.") == []
        await tick(stack, presence, 30)
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10)]
    finally:
        await stack.close()


async def test_banned_user_earns_no_milestone_and_nothing_stays_owed(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    stack = make_stack(tmp_path, bus, clock, streaks=NO_STREAKS)
    try:
        presence = await start(stack)
        ledger = stack.hosts[0].service
        await ledger.store.set_banned(CHANNEL, "mallory", True, "test", 0)
        await join(stack, "mallory")
        await tick(stack, presence, 60)
        assert await balance(stack, "mallory") == 0
        assert await presence.timed.store.owed_count() == 0
    finally:
        await stack.close()
