"""Weekend→weekday bridge in-process: a Saturday–Friday week, one bonus, one honest reminder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import Stack
from tests.presence.test_timed_helpers import FakeAnnouncer, balance, earnings, join, make_stack, start, tick

QUICK = {"daily": {"enabled": False, "min_presence_minutes": 1}}


def at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


async def visit(stack: Stack, presence: PresenceService, *days: date, minutes: int = 1) -> None:
    for d in days:
        stack.clock.set(at(d))
        await tick(stack, presence, minutes)


@dataclass
class Outcome:
    paid: list[tuple[str, int]]
    balance: int
    pms: list[str]


async def run(tmp_path: Path, bus: InMemoryBus, days: list[date], minutes: int = 1, **cfg: Any) -> Outcome:
    """Alice stays present and spends ``minutes`` on each of ``days`` (in order)."""
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, FakeClock(at(days[0])), streaks=cfg.get("streaks", QUICK))
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await visit(stack, presence, *days, minutes=minutes)
        return Outcome(await earnings(stack, "alice", "bridge."), await balance(stack, "alice"), announcer.pms("alice"))
    finally:
        await stack.close()


SAT, SUN, MON, TUE, WED, FRI = (date(2026, 1, d) for d in (3, 4, 5, 6, 7, 9))
NEXT_SAT = date(2026, 1, 10)


async def test_saturday_then_tuesday_pays_once(tmp_path: Path, bus: InMemoryBus) -> None:
    a = await run(tmp_path, bus, [SAT, TUE, WED])
    assert a.paid == [("bridge.weekly", 500)]
    assert a.balance == 3 + 500
    assert [m for m in a.pms if m.startswith("🌉")] == ["🌉 Weekend→weekday bridge bonus! +500 Z!"]


async def test_sunday_then_the_following_monday_pays(tmp_path: Path, bus: InMemoryBus) -> None:
    a = await run(tmp_path, bus, [SUN, MON])
    assert a.paid == [("bridge.weekly", 500)]


async def test_weekend_only_or_weekday_only_pays_nothing(tmp_path: Path, bus: InMemoryBus) -> None:
    assert (await run(tmp_path / "a", bus, [SAT, SUN])).paid == []
    assert (await run(tmp_path / "b", InMemoryBus(), [MON, TUE])).paid == []


async def test_friday_then_saturday_are_different_bridge_weeks(tmp_path: Path, bus: InMemoryBus) -> None:
    assert (await run(tmp_path, bus, [FRI, NEXT_SAT])).paid == []


async def test_one_bridge_per_week_and_a_new_week_rearms(tmp_path: Path, bus: InMemoryBus) -> None:
    a = await run(tmp_path, bus, [SAT, MON, WED, FRI, NEXT_SAT, date(2026, 1, 12)])
    assert a.paid == [("bridge.weekly", 500), ("bridge.weekly", 500)]


async def test_reminder_once_per_week_only_on_weekends(tmp_path: Path, bus: InMemoryBus) -> None:
    a = await run(tmp_path, bus, [SAT, SUN, MON, NEXT_SAT])
    reminders = [m for m in a.pms if m.startswith("Connect any weekday")]
    assert reminders == ["Connect any weekday this week for a 500 Z-Coins bridge bonus!"] * 2  # two bridge weeks


async def test_weekend_day_needs_the_qualifying_minutes(tmp_path: Path, bus: InMemoryBus) -> None:
    streaks = {"daily": {"min_presence_minutes": 15}}
    a = await run(tmp_path, bus, [SAT, TUE], minutes=14, streaks=streaks)
    assert a.paid == [] and a.pms == []


async def test_bridge_disabled(tmp_path: Path, bus: InMemoryBus) -> None:
    streaks = {**QUICK, "weekend_weekday_bridge": {"enabled": False}}
    a = await run(tmp_path, bus, [SAT, TUE], streaks=streaks)
    assert a.paid == [] and a.pms == []
