"""Pure rules of the timed rewards: streaks, dwell milestones, bridge weeks, progress, rain, welcome back."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from economy_presence.sessions import Arrival
from economy_presence.timed.bridge import BridgeState, qualify, week_id, week_start, weekday_ahead
from economy_presence.timed.milestones import due_hours, milestone_owed
from economy_presence.timed.progress import DayProgress
from economy_presence.timed.rain import next_rain, roll_amount, split
from economy_presence.timed.streaks import StreakState, count_day, effective_streak
from economy_presence.timed.welcome_back import welcome_back_owed
from economy_shared.config import EconomyConfig
from tests.helpers import make_config

MON = date(2026, 1, 5)
SAT = date(2026, 1, 3)  # opens the bridge week Sat 3 – Fri 9 January 2026


@pytest.fixture
def cfg(tmp_path: Path) -> EconomyConfig:
    return make_config(tmp_path)


def walk(cfg: EconomyConfig, days: int, start: date = MON) -> list[tuple[StreakState, list[tuple[str, int]]]]:
    state, out = StreakState(), []
    for i in range(days):
        step = count_day(state, start + timedelta(days=i), cfg, "chan", "alice", "Alice")
        assert step is not None
        state = step.state
        out.append((state, [(o.trigger_id, o.amount) for o in step.owed]))
    return out


# ---- streaks ----------------------------------------------------------------------------------


def test_first_day_is_streak_1_without_bonus(cfg: EconomyConfig) -> None:
    [(state, owed)] = walk(cfg, 1)
    assert state.current == 1 and state.longest == 1 and owed == []


def test_days_2_to_7_escalate_and_day_7_adds_milestone(cfg: EconomyConfig) -> None:
    days = walk(cfg, 7)
    assert [sum(z for _, z in owed) for _, owed in days] == [0, 10, 20, 30, 50, 75, 100 + 200]
    assert days[6][1] == [("streak.day7", 100), ("streak.milestone.7", 200)]


def test_beyond_7_repeats_highest_tier_and_30_pays_milestone(cfg: EconomyConfig) -> None:
    days = walk(cfg, 31)
    assert [sum(z for _, z in owed) for _, owed in days[7:10]] == [100, 100, 100]
    assert days[29][1] == [("streak.day30", 100), ("streak.milestone.30", 2000)]
    assert [sum(z for _, z in owed) for _, owed in days[13:14]] == [100]  # no milestone at 14
    assert days[30][0].current == 31


def test_configured_higher_tier_keeps_paying_after_its_day(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, streaks={"daily": {"rewards": {2: 10, 7: 100, 14: 150}}})
    days = walk(cfg, 16)
    assert [owed[0][1] for _, owed in days[13:16]] == [150, 150, 150]


def test_same_day_counts_once(cfg: EconomyConfig) -> None:
    step = count_day(StreakState(), MON, cfg, "c", "a", "A")
    assert step is not None
    assert count_day(step.state, MON, cfg, "c", "a", "A") is None


def test_missed_day_resets_and_longest_keeps_the_peak(cfg: EconomyConfig) -> None:
    state = walk(cfg, 5)[-1][0]
    step = count_day(state, MON + timedelta(days=6), cfg, "c", "a", "A")  # day 6 missed
    assert step is not None and step.state.current == 1 and step.state.longest == 5 and step.owed == []


def test_effective_streak_lapses_for_display(cfg: EconomyConfig) -> None:
    state = StreakState(current=4, longest=4, last_day=MON)
    assert effective_streak(state, MON) == 4
    assert effective_streak(state, MON + timedelta(days=1)) == 4  # today not counted yet
    assert effective_streak(state, MON + timedelta(days=2)) == 0
    assert effective_streak(StreakState(), MON) == 0


def test_streak_keys_are_per_fact(cfg: EconomyConfig) -> None:
    state = walk(cfg, 6)[-1][0]
    step = count_day(state, MON + timedelta(days=6), cfg, "chan", "alice", "Alice")
    assert step is not None
    assert [o.key for o in step.owed] == ["streak:chan:alice:2026-01-11", "streak:chan:alice:2026-01-11:milestone7"]
    assert step.owed[1].announce is not None and step.owed[1].announce.context["days"] == 7


# ---- dwell milestones ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [(59, []), (60, [1]), (180, [1, 3]), (360, [1, 3, 6]), (720, [1, 3, 6, 12]), (1440, [1, 3, 6, 12, 24])],
)
def test_milestones_reached(cfg: EconomyConfig, minutes: int, hours: list[int]) -> None:
    assert due_hours(minutes, set(), cfg) == hours


def test_claimed_milestones_are_not_due_again(cfg: EconomyConfig) -> None:
    assert due_hours(360, {1, 3}, cfg) == [6]


def test_milestone_amounts_and_keys(cfg: EconomyConfig) -> None:
    amounts = {h: milestone_owed(cfg, "c", "a", "A", MON, h).amount for h in (1, 3, 6, 12, 24)}
    assert amounts == {1: 10, 3: 30, 6: 75, 12: 200, 24: 1000}
    owed = milestone_owed(cfg, "c", "a", "A", MON, 3)
    assert owed.key == "dwell:c:a:2026-01-05:3" and owed.trigger_id == "dwell.3h" and "3-hour" in owed.notice


# ---- bridge -------------------------------------------------------------------------------------


def test_bridge_week_runs_saturday_to_friday() -> None:
    for offset in range(7):
        assert week_start(SAT + timedelta(days=offset)) == SAT
    assert week_start(SAT + timedelta(days=7)) == SAT + timedelta(days=7)
    assert week_id(date(2026, 1, 9)) == "2026-01-03"  # Friday


def test_weekday_ahead_from_every_weekend_day() -> None:
    assert weekday_ahead(SAT) and weekday_ahead(SAT + timedelta(days=1))
    assert weekday_ahead(MON)
    assert not weekday_ahead(date(2026, 1, 9))  # Friday closes the bridge week


def bridge_days(cfg: EconomyConfig, *days: date) -> tuple[BridgeState, list[int], list[str]]:
    state, paid, reminders = BridgeState(), [], []
    for d in days:
        if week_start(d) != week_start(days[0]):
            state = BridgeState()  # a new bridge week starts from a fresh row
        step = qualify(state, d, cfg, "c", "a", "A")
        if step is None:
            continue
        state = step.state
        if step.owed:
            paid.append(step.owed.amount)
        if step.reminder:
            reminders.append(step.reminder)
    return state, paid, reminders


def test_weekend_then_weekday_pays_once(cfg: EconomyConfig) -> None:
    _, paid, reminders = bridge_days(cfg, SAT, date(2026, 1, 6), date(2026, 1, 7))
    assert paid == [500]
    assert len(reminders) == 1 and "500" in reminders[0]


def test_weekend_only_and_weekday_only_pay_nothing(cfg: EconomyConfig) -> None:
    assert bridge_days(cfg, SAT, SAT + timedelta(days=1))[1] == []
    assert bridge_days(cfg, date(2026, 1, 6))[1] == []


def test_sunday_then_following_monday_pays(cfg: EconomyConfig) -> None:
    assert bridge_days(cfg, date(2026, 1, 4), date(2026, 1, 5))[1] == [500]


def test_weekday_then_weekend_is_two_bridge_weeks(cfg: EconomyConfig) -> None:
    state, paid, _ = bridge_days(cfg, date(2026, 1, 9), date(2026, 1, 10))  # Friday, then Saturday
    assert paid == [] and state.weekend and not state.weekday


def test_reminder_once_per_week_and_only_on_weekends(cfg: EconomyConfig) -> None:
    state, _, reminders = bridge_days(cfg, SAT, SAT + timedelta(days=1))
    assert len(reminders) == 1 and state.reminded
    assert bridge_days(cfg, MON)[2] == []


def test_reminder_off_when_not_announced(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, streaks={"weekend_weekday_bridge": {"announce_on_weekend": False}})
    assert bridge_days(cfg, SAT)[2] == []


def test_bridge_key_is_per_bridge_week(cfg: EconomyConfig) -> None:
    step = qualify(BridgeState(weekend=True), date(2026, 1, 8), cfg, "c", "alice", "Alice")
    assert step is not None and step.owed is not None
    assert step.owed.key == "bridge:c:alice:2026-01-03" and step.owed.trigger_id == "bridge.weekly"


# ---- progress -------------------------------------------------------------------------------------


def test_progress_hands_over_only_crossers() -> None:
    p = DayProgress()
    p.reset("2026-01-05", {"old": 14})
    p.set_thresholds([15, 60])
    assert p.pending() == []
    assert p.add_minute(["old", "new"]) == ["old"]
    assert p.due("old") == (15,)
    p.evaluated("old")
    assert p.add_minute(["old"]) == []
    for _ in range(44):
        crossed = p.add_minute(["old"])
    assert crossed == ["old"] and p.due("old") == (60,)


def test_progress_reseeded_past_thresholds_evaluates_everything_once() -> None:
    p = DayProgress()
    p.reset("2026-01-05", {"a": 400, "b": 3})
    p.set_thresholds([15, 60, 180, 360])
    assert p.pending() == ["a"] and p.due("a") == (15, 60, 180, 360)
    p.evaluated("a")
    assert p.pending() == []


# ---- rain -----------------------------------------------------------------------------------------


def test_rain_interval_stays_within_jitter(cfg: EconomyConfig) -> None:
    rng = random.Random(7)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    waits = [(next_rain(start, cfg.rain, rng) - start).total_seconds() / 60 for _ in range(500)]
    assert min(waits) >= 45 * 0.7 and max(waits) <= 45 * 1.3
    assert max(waits) - min(waits) > 20  # really jittered


def test_rain_amount_in_range(cfg: EconomyConfig) -> None:
    rng = random.Random(1)
    amounts = {roll_amount(cfg.rain, rng) for _ in range(500)}
    assert min(amounts) == 5 and max(amounts) == 25


def test_split_shares_exactly() -> None:
    rng = random.Random(3)
    shares = split(100, ["a", "b", "c"], rng)
    assert sum(shares.values()) == 100 and sorted(shares.values()) == [33, 33, 34]
    small = split(2, ["a", "b", "c"], rng)
    assert sum(small.values()) == 2 and len(small) == 2
    assert split(5, [], rng) == {}


# ---- welcome back -----------------------------------------------------------------------------------


def arrival(absent: timedelta | None, genuine: bool = True) -> Arrival:
    return Arrival(key="alice", display="Alice", genuine=genuine, absent_for=absent)


def test_welcome_back_after_seven_whole_days(cfg: EconomyConfig) -> None:
    owed = welcome_back_owed(cfg, "Chan", arrival(timedelta(days=7)), MON)
    assert owed is not None and owed.amount == 100 and owed.key == "welcomeback:chan:alice:2026-01-05"
    assert owed.trigger_id == "retention.welcome_back" and "100" in owed.notice


def test_no_welcome_back_for_six_days_23_hours_new_users_or_bounces(cfg: EconomyConfig) -> None:
    assert welcome_back_owed(cfg, "c", arrival(timedelta(days=6, hours=23)), MON) is None
    assert welcome_back_owed(cfg, "c", arrival(None), MON) is None  # brand new: the wallet only
    assert welcome_back_owed(cfg, "c", arrival(timedelta(days=9), genuine=False), MON) is None


def test_welcome_back_disabled(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, retention={"welcome_back": {"enabled": False}})
    assert welcome_back_owed(cfg, "c", arrival(timedelta(days=30)), MON) is None
