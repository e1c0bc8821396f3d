"""Pure report rules: wall-clock slots, due digest periods, flows by posting kind, median, wording."""

from __future__ import annotations

from datetime import UTC, date, datetime

from economy_ledger.report_rules import (
    UserDigest,
    due_digest_day,
    due_week,
    flows_from_sums,
    health_text,
    median,
    next_goal,
    participation,
    slot_start,
    stats_text,
    trend,
    user_digest_text,
)
from economy_shared.config.loader import parse_config
from economy_shared.schemas.reports import EconomyHealth, EconomyStats, Flows

CFG = parse_config({"channels": [{"domain": "cytu.be", "channel": "c"}]})


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)  # 2026-01-05 is a Monday


def test_slots_are_aligned_to_the_wall_clock() -> None:
    assert slot_start(at(5, 13, 47), 6) == at(5, 12)
    assert slot_start(at(5, 5, 59), 6) == at(5, 0)
    assert slot_start(at(5, 18), 6) == at(5, 18)
    assert slot_start(at(5, 23, 59), 24) == at(5, 0)
    assert slot_start(at(5, 13, 47), 1) == at(5, 13)


def test_flows_follow_the_posting_kinds() -> None:
    f = flows_from_sums({"earn": 500, "spend": -120, "refund": 20, "wager": -300, "payout": 250, "admin": 9999})
    assert f == Flows(earned=500, spent=100, gambled_in=300, gambled_out=250)


def test_median() -> None:
    assert median([]) == 0
    assert median([5, 1, 3]) == 3
    assert median([1, 2, 3, 10]) == 2  # floor of (2 + 3) / 2
    assert median([7]) == 7


def test_participation_is_present_holders_over_present() -> None:
    assert participation(3, 4) == 75.0
    assert participation(1, 3) == 33.3
    assert participation(0, 0) is None
    assert participation(None, None) is None


def test_trend() -> None:
    assert [trend(None), trend(5), trend(-1), trend(0)] == ["unknown", "rising", "falling", "flat"]


def test_user_digest_due_from_the_send_hour() -> None:
    assert due_digest_day(at(6, 3, 59), 4) == date(2026, 1, 5)
    assert due_digest_day(at(6, 4), 4) == date(2026, 1, 6)


def test_admin_digest_week_from_weekday_and_hour() -> None:
    assert due_week(at(5, 5), "monday", 5) == date(2026, 1, 5)
    assert due_week(at(5, 4, 59), "monday", 5) == date(2025, 12, 29)
    assert due_week(at(11, 23), "monday", 5) == date(2026, 1, 5)  # Sunday: still last Monday's
    assert due_week(at(8, 12), "wednesday", 5) == date(2026, 1, 7)


def test_next_goal_at_yesterdays_pace_and_at_the_top() -> None:
    d = UserDigest(user="Al", earned=100, spent=0, balance=50, rank="Extra", next_name="Grip", remaining=250,
                   streak=2)
    assert next_goal(CFG, d) == "Grip (250 Z away, ~3 days)"
    assert next_goal(CFG, UserDigest("Al", 0, 0, 0, "Extra", "Grip", 5, 0)) == "Grip (5 Z away, ~5 days)"
    assert "top rank" in next_goal(CFG, UserDigest("Al", 0, 0, 0, "Legend", None, 0, 0))
    text = user_digest_text(CFG, d)
    assert "+100 Z earned" in text and "Balance 50 Z" in text and "Streak 2 days" in text


def test_stats_and_health_wording() -> None:
    s = EconomyStats(channel="c", day="2026-01-05", circulation=1234, accounts=3, today=Flows(earned=10),
                     active_today=2, top_earner="Al", top_earned=10)
    text = stats_text(CFG, s)
    assert "Circulation: 1,234 Z" in text and "Top earner today: Al (+10 Z)" in text and "No snapshot yet." in text
    h = EconomyHealth(channel="c", present=4, present_with_accounts=3, participation_percent=75.0,
                      median_balance=10, circulation=100, circulation_delta=-5, trend="falling", audit_ok=True)
    text = health_text(CFG, h)
    assert "75.0% (3 of 4 present users hold an account)" in text
    assert "-5 Z since the last snapshot, falling" in text and "Ledger audit: ✅ ok" in text
    assert all(len(line) <= 240 for line in text.splitlines())
