"""Daily streaks in-process (ledger + presence): thresholds, 31 days, resets, restarts, notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
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
    streak_days,
    tick,
)

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday


async def test_day_counts_at_min_presence_minutes(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence, 14)
        assert await streak_days(stack, "alice") == 0
        await tick(stack, presence)
        assert await streak_days(stack, "Alice") == 1
        assert await balance(stack, "alice") == 15  # day 1 pays no bonus
    finally:
        await stack.close()


async def test_minutes_add_up_across_sessions(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence, 10)
        await leave(stack, "alice")
        clock.advance(minutes=30)
        await join(stack, "ALICE")  # a genuine second arrival the same day
        await tick(stack, presence, 4)
        assert await streak_days(stack, "alice") == 0
        await tick(stack, presence)
        assert await streak_days(stack, "alice") == 1
    finally:
        await stack.close()


async def test_31_day_walk(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(NOON)
    announcer = FakeAnnouncer(bus)
    stack = make_stack(
        tmp_path, bus, clock,
        streaks={"daily": {"min_presence_minutes": 1}, "weekend_weekday_bridge": {"enabled": False}},
    )
    try:
        presence = await start(stack)
        await join(stack, "Alice")
        for day in range(31):
            clock.set(NOON + timedelta(days=day))
            await tick(stack, presence)
            assert await streak_days(stack, "alice") == day + 1
        streak = await earnings(stack, "alice", "streak.")
        assert sum(z for _, z in streak) == 285 + 200 + 24 * 100 + 2000
        assert [t for t, _ in streak].count("streak.milestone.7") == 1
        assert [t for t, _ in streak].count("streak.milestone.30") == 1
        assert await balance(stack, "alice") == 31 + 4885
        assert await kinds(stack, "streak.") == {"earn"}
        assert len([m for m in announcer.pms("alice") if "streak" in m]) == 30 + 2
        shouts = announcer.announcements("streak_milestone")
        assert [a["context"]["days"] for a in shouts] == [7, 30]
        assert shouts[0]["context"]["user"] == "Alice"
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_missed_day_resets_streak(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(NOON)
    stack = make_stack(tmp_path, bus, clock, streaks={"daily": {"min_presence_minutes": 1}})
    try:
        presence = await start(stack)
        await join(stack, "alice")
        for day in (0, 1, 3):  # day 2 missed
            clock.set(NOON + timedelta(days=day))
            await tick(stack, presence)
        assert await earnings(stack, "alice", "streak.") == [("streak.day2", 10)]
        assert await streak_days(stack, "alice") == 1
        clock.set(NOON + timedelta(days=5))  # the streak lapses for display before the next counted day
        assert await streak_days(stack, "alice") == 0
    finally:
        await stack.close()


async def test_restart_mid_day_keeps_minutes_and_pays_once(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(NOON - timedelta(days=1))
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence, 15)  # yesterday counts: streak 1
        clock.set(NOON)
        await tick(stack, presence, 10)
        stack, presence = await restart(stack, ["alice"])
        await tick(stack, presence, 4)
        assert await streak_days(stack, "alice") == 1  # 14 minutes today, 10 of them before the restart
        await tick(stack, presence)
        assert await earnings(stack, "alice", "streak.") == [("streak.day2", 10)]
        stack, presence = await restart(stack, ["alice"])  # past the threshold: nothing is paid again
        await tick(stack, presence, 3)
        assert await earnings(stack, "alice", "streak.") == [("streak.day2", 10)]
        assert len([m for m in announcer.pms("alice") if "Day 2" in m]) == 1
        assert await streak_days(stack, "alice") == 2
    finally:
        await stack.close()


async def test_streaks_disabled_count_nothing(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(NOON)
    stack = make_stack(tmp_path, bus, clock, streaks={"daily": {"enabled": False, "min_presence_minutes": 1}})
    try:
        presence = await start(stack)
        await join(stack, "alice")
        for day in range(3):
            clock.set(NOON + timedelta(days=day))
            await tick(stack, presence)
        assert await earnings(stack, "alice", "streak.") == []
        assert await streak_days(stack, "alice") == 0
    finally:
        await stack.close()


async def test_balance_pm_shows_streak(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(NOON)
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, streaks={"daily": {"min_presence_minutes": 1}})
    try:
        presence = await start(stack)
        await join(stack, "alice")
        for day in range(2):
            clock.set(NOON + timedelta(days=day))
            await tick(stack, presence)
        await stack.pm("alice", "bal")
        assert any("Streak: 2 days" in m for m in announcer.pms("alice"))
    finally:
        await stack.close()
