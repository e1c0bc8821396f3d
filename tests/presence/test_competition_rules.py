"""Daily competition rules (pure): threshold, top, ties, zero never wins, percent of real earnings, ignored users."""

from __future__ import annotations

from typing import Any

from economy_presence.competitions.rules import (
    Award,
    Figure,
    evaluate,
    needs_earnings,
    percent_reward,
    results_line,
    winner_notice,
)
from economy_shared.config.events import DailyCompetition

IGNORED = {"zcoinbot", "otherbot"}


def ignored(name: str) -> bool:
    return name.casefold() in IGNORED


def comp(type_: str, field: str = "gifs_posted", threshold: int = 0, reward: int = 10, pct: float = 0,
         **extra: Any) -> DailyCompetition:
    return DailyCompetition.model_validate({
        "id": "c", "description": "Test", "condition": {"type": type_, "field": field, "threshold": threshold},
        "reward": reward, "reward_percent_of_earnings": pct, **extra,
    })


def fig(name: str, value: int, reached: int | None = None) -> Figure:
    return Figure(name.casefold(), name, value, reached)


def winners(awards: list[Award]) -> list[tuple[str, int]]:
    return [(a.display, a.reward) for a in awards]


def test_threshold_pays_everyone_at_or_above_it() -> None:
    c = comp("daily_threshold", threshold=5, reward=15)
    figures = [fig("alice", 5), fig("bob", 4), fig("carol", 9)]
    assert sorted(winners(evaluate(c, figures, None, ignored))) == [("alice", 15), ("carol", 15)]


def test_threshold_with_nobody_reaching_it_pays_nobody() -> None:
    assert evaluate(comp("daily_threshold", threshold=5), [fig("alice", 4)], None, ignored) == []


def test_top_pays_the_single_best() -> None:
    c = comp("daily_top", reward=35)
    assert winners(evaluate(c, [fig("alice", 3, 1), fig("bob", 7, 2), fig("carol", 5, 3)], None, ignored)) == [
        ("bob", 35)
    ]


def test_top_tie_goes_to_who_reached_the_value_first() -> None:
    c = comp("daily_top")
    assert winners(evaluate(c, [fig("alice", 7, 20), fig("bob", 7, 11)], None, ignored)) == [("bob", 10)]
    assert winners(evaluate(c, [fig("bob", 7, 11), fig("alice", 7, 20)], None, ignored)) == [("bob", 10)]


def test_top_tie_without_reached_order_goes_to_the_smaller_user_key() -> None:
    c = comp("daily_top")
    assert winners(evaluate(c, [fig("Zed", 7), fig("amy", 7)], None, ignored)) == [("amy", 10)]
    # a known order beats an unknown one
    assert winners(evaluate(c, [fig("amy", 7), fig("zed", 7, 3)], None, ignored)) == [("zed", 10)]


def test_a_value_of_zero_never_wins() -> None:
    assert evaluate(comp("daily_top"), [fig("alice", 0, 1), fig("bob", 0, 2)], None, ignored) == []
    assert evaluate(comp("daily_top"), [], None, ignored) == []


def test_ignored_users_and_the_bot_never_win() -> None:
    c = comp("daily_top")
    figures = [fig("ZCoinBot", 99, 1), fig("OtherBot", 50, 2), fig("alice", 3, 3)]
    assert winners(evaluate(c, figures, None, ignored)) == [("alice", 10)]
    t = comp("daily_threshold", threshold=1)
    assert winners(evaluate(t, figures, None, ignored)) == [("alice", 10)]


def test_percent_is_of_the_winners_real_earnings_whatever_the_field() -> None:
    c = comp("daily_top", field="gifs_posted", reward=0, pct=25)
    earnings = {"alice": 103, "bob": 1000}
    # alice wins on GIFs (value 40); she is paid 25 % of her 103 Z earned, floored, not 25 % of 40
    assert winners(evaluate(c, [fig("alice", 40, 1), fig("bob", 2, 2)], earnings, ignored)) == [("alice", 25)]
    assert needs_earnings(c) and needs_earnings(comp("daily_top", field="z_earned"))
    assert not needs_earnings(comp("daily_top"))


def test_percent_floor_is_one_and_no_earnings_means_no_award() -> None:
    c = comp("daily_top", field="z_earned", reward=0, pct=25)
    assert winners(evaluate(c, [fig("alice", 3)], {"alice": 3}, ignored)) == [("alice", 1)]
    assert evaluate(c, [fig("alice", 3)], {}, ignored) == []
    assert percent_reward(0, 25) == 0 and percent_reward(10, 0) == 0
    assert percent_reward(7, 33.3) == 2  # floor(2.331), exact decimal arithmetic
    assert percent_reward(1000, 12.5) == 125


def test_results_lines_and_notice() -> None:
    one = [Award("c", "bob", "bob", 7, 35)]
    many = [Award("c", n, n, 5, 15) for n in ("a", "b", "c")]
    assert results_line("Most GIFs today", one) == "Most GIFs today: bob (+35 Z)"
    assert results_line("Posted 5+ GIFs today", many) == "Posted 5+ GIFs today: a, b, c (+15 Z each)"
    crowd = [Award("c", f"u{i}", f"u{i}", 5, 15) for i in range(25)]
    assert results_line("X", crowd).endswith("u19 and 5 more (+15 Z each)")
    assert winner_notice("Most GIFs today", 35) == "🥇 Most GIFs today: +35 Z"
