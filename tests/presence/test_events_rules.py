"""Earning multipliers and event windows as pure rules: every source, stacking, the cap, what ``events``
may reveal, exact fractions, cron windows across restarts, the exact presence-bonus split, PM parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from economy_presence.event_commands import events_text, parse_start
from economy_presence.events.carries import BoostCarries
from economy_presence.events.multipliers import (
    NO_BOOST,
    ActiveEvent,
    Boost,
    active_sources,
    boost_of,
    combine,
    exact,
    visible,
)
from economy_presence.events.windows import duration_text, open_window, split_bonus
from economy_presence.migrations import MIGRATIONS
from economy_shared.config.events import MultiplierSettings, ScheduledEvent
from economy_shared.db import Database
from economy_shared.schemas.events import ActiveMultipliers, MultiplierSource

MONDAY_NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SUNDAY_NOON = datetime(2026, 1, 4, 12, 0, tzinfo=UTC)
CHRISTMAS = datetime(2026, 12, 25, 20, 0, tzinfo=UTC)  # a Friday evening: not off-peak


def settings(**kw: object) -> MultiplierSettings:
    return MultiplierSettings.model_validate(kw)


def names(sources: list) -> list[str]:
    return [s.source for s in sources]


def test_nothing_active_is_one() -> None:
    cfg = settings(off_peak={"enabled": False}, high_population={"enabled": False}, holidays={"enabled": False})
    assert active_sources(cfg, MONDAY_NOON, 50, []) == []
    assert boost_of([], cfg.max_combined) == Boost(Decimal(1), ()) and not NO_BOOST.active
    assert NO_BOOST.metadata() is None


def test_off_peak_days_and_hours() -> None:
    cfg = settings()
    assert names(active_sources(cfg, MONDAY_NOON, 0, [])) == ["off_peak"]
    assert names(active_sources(cfg, MONDAY_NOON.replace(hour=16), 0, [])) == []  # hours 6..15 only
    assert names(active_sources(cfg, SUNDAY_NOON, 0, [])) == []  # Mon-Thu only (0 = Sunday)


def test_population_counts_from_min_users() -> None:
    cfg = settings(off_peak={"enabled": False})
    assert names(active_sources(cfg, MONDAY_NOON, 10, [])) == ["population"]
    assert names(active_sources(cfg, MONDAY_NOON, 9, [])) == []


def test_holidays_match_the_utc_date_and_stack() -> None:
    cfg = settings(holidays={"dates": [{"date": "12-25", "name": "Christmas", "multiplier": 3.0},
                                       {"date": "12-25", "name": "Film Day", "multiplier": 1.5}]})
    got = active_sources(cfg, CHRISTMAS, 0, [])
    assert names(got) == ["holiday:Christmas", "holiday:Film Day"]
    assert names(active_sources(cfg, CHRISTMAS.replace(day=24), 0, [])) == []


def test_events_are_sources_and_everything_multiplies_under_the_cap() -> None:
    cfg = settings(max_combined=5.0)
    events = [ActiveEvent("adhoc", "Movie Night", Decimal(2), 0), ActiveEvent("scheduled", "Weird", Decimal("1.5"), 0)]
    got = active_sources(cfg, MONDAY_NOON, 0, events)
    assert names(got) == ["off_peak", "adhoc:Movie Night", "scheduled:Weird"]
    assert combine(got[1:], 100) == Decimal(3)  # 2 × 1.5
    assert combine(got, 100) == Decimal(6)
    assert boost_of(got, cfg.max_combined).factor == Decimal(5)  # capped
    meta = boost_of(got, 5.0).metadata(base=10)
    assert meta == {"multiplier": "5", "sources": ["off_peak", "adhoc:Movie Night", "scheduled:Weird"], "base": 10}


def test_events_never_reveal_a_hidden_source() -> None:
    cfg = settings(off_peak={"enabled": False}, high_population={"min_users": 2, "hidden": True})
    sources = active_sources(cfg, MONDAY_NOON, 5, [])
    assert names(sources) == ["population"]
    shown, combined = visible(sources, cfg.max_combined)
    assert shown == [] and combined == Decimal(1)  # the crowd bonus pays, but nobody is told
    with_event = active_sources(cfg, MONDAY_NOON, 5, [ActiveEvent("adhoc", "Night", Decimal(2), 0)])
    shown, combined = visible(with_event, cfg.max_combined)
    assert names(shown) == ["adhoc:Night"] and combined == Decimal(2)  # not 3
    view = ActiveMultipliers(sources=[MultiplierSource(source="adhoc:Night", label="⚡ Night", multiplier=2.0)],
                             combined=2.0, max_combined=5.0)
    assert events_text(view, MONDAY_NOON) == "🎉 Earning bonuses right now:\n⚡ Night: 2×\nCombined: 2×"
    assert events_text(ActiveMultipliers(), MONDAY_NOON).startswith("No bonus events right now")


def test_factors_are_exact_to_three_decimals() -> None:
    assert exact(1.5) == Decimal("1.5") and exact(2.0) == 2 and exact(1.2345) == Decimal("1.234")
    assert Boost(exact(1.25)).milli == 1250


async def test_fractions_accumulate_exactly_per_user(tmp_path: Path) -> None:
    db = Database(tmp_path / "p.db", MIGRATIONS)
    await db.open()
    try:
        carries = BoostCarries(db)
        await carries.load()
        b = Boost(exact(1.25), ())
        paid = [carries.apply("c", "amy", 5, b) for _ in range(4)]  # 6.25 each
        assert paid == [6, 6, 6, 7] and sum(paid) == 25 and carries.carry("c", "amy") == 0
        assert carries.apply("c", "bob", 5, b) == 6 and carries.carry("c", "bob") == 250
        assert carries.apply("c", "bob", 4, Boost(Decimal(2))) == 8  # whole factors never touch the carry
        await carries.flush()
        again = BoostCarries(db)
        await again.load()  # a restart keeps the fraction
        assert again.carry("c", "bob") == 250 and again.apply("c", "bob", 3, b) == 4  # 3.75 + 0.25
    finally:
        await db.close()


def test_a_cron_window_is_open_from_its_fire_time_to_its_end() -> None:
    ev = ScheduledEvent(name="Weird Wednesday", cron="0 20 * * 3", duration_hours=4)
    wed = datetime(2026, 1, 7, 20, 0, tzinfo=UTC)
    assert open_window(ev, wed) == (wed, datetime(2026, 1, 8, 0, 0, tzinfo=UTC))
    assert open_window(ev, wed.replace(hour=23, minute=59)) is not None  # a restart late in the window: running
    assert open_window(ev, wed.replace(hour=19, minute=59)) is None
    assert open_window(ev, wed.replace(day=8, hour=0)) is None  # the end is exclusive


def test_a_presence_bonus_is_split_exactly_and_never_overpays() -> None:
    assert split_bonus(500, ["e", "d", "c", "b", "a"]) == dict.fromkeys("abcde", 100)
    seven = split_bonus(7, ["Cy", "amy", "Bob"])
    assert seven == {"amy": 3, "Bob": 2, "Cy": 2} and sum(seven.values()) == 7
    few = split_bonus(2, ["a", "b", "c", "d", "e"])
    assert sum(few.values()) == 2 and len(few) == 2
    assert split_bonus(100, []) == {} and split_bonus(0, ["a"]) == {}


def test_durations_read_naturally() -> None:
    assert (duration_text(240), duration_text(90), duration_text(1), duration_text(61)) == (
        "4 hours", "1 hour 30 minutes", "1 minute", "1 hour 1 minute")


@pytest.mark.parametrize(("text", "parsed"), [
    ('start 2 60 "Movie Night"', (2.0, 60, "Movie Night")),
    ("start 1.5x 30 Popcorn   hour", (1.5, 30, "Popcorn   hour")),
    ("START 3 10 'x'", (3.0, 10, "x")),
    ("start two 60 x", None),
    ("start 2 sixty x", None),
    ("start 2 60", None),
    ("start nan 60 x", None),
    ("stop", None),
])
def test_event_start_parsing(text: str, parsed: tuple[float, int, str] | None) -> None:
    assert parse_start(text) == parsed
