"""Night watch at the defaults (base 1 Z/min × 1.5 during UTC hours 2–7) pays exactly 1.5× over time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.presence.test_timed_helpers import balance, earnings, join, make_stack, start, tick

NO_BONUSES = {"daily": {"enabled": False}, "weekend_weekday_bridge": {"enabled": False}}


async def minutes_from(tmp_path: Path, bus: InMemoryBus, when: datetime, n: int) -> int:
    stack = make_stack(tmp_path, bus, FakeClock(when), streaks=NO_BONUSES)
    try:
        presence = await start(stack)
        await join(stack, "owl")
        await tick(stack, presence, n)
        assert {t for t, _ in await earnings(stack, "owl")} == {"presence.base"}
        return await balance(stack, "owl")
    finally:
        await stack.close()


async def test_night_watch_pays_one_and_a_half_exactly(tmp_path: Path, bus: InMemoryBus) -> None:
    # Ticks at 02:01 … 02:10: ten night minutes earn 15 Z, the half Z carried between minutes.
    assert await minutes_from(tmp_path, bus, datetime(2026, 1, 5, 2, 0, tzinfo=UTC), 10) == 15


async def test_odd_minutes_carry_the_half(tmp_path: Path, bus: InMemoryBus) -> None:
    assert await minutes_from(tmp_path, bus, datetime(2026, 1, 5, 3, 0, tzinfo=UTC), 7) == 10  # 10.5, half owed


async def test_outside_the_window_pays_the_base(tmp_path: Path, bus: InMemoryBus) -> None:
    assert await minutes_from(tmp_path, bus, datetime(2026, 1, 5, 12, 0, tzinfo=UTC), 10) == 10


async def test_window_edge(tmp_path: Path, bus: InMemoryBus) -> None:
    # 07:56 … 07:59 are night minutes (4 × 1.5 = 6), 08:00 … 08:05 are not (6 × 1).
    assert await minutes_from(tmp_path, bus, datetime(2026, 1, 5, 7, 55, tzinfo=UTC), 10) == 12
