"""Pure leaderboard and profile rules (sprint6 §1.9, §3): categories and aliases, medals, the empty
texts, the UTC day, the rank distribution from lifetime and floor, and the profile's optional lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from economy_ledger.board_rules import (
    EARNERS,
    LIFETIME,
    RANKS,
    RICH,
    USAGE,
    Board,
    BoardRow,
    Profile,
    board_text,
    category_of,
    day_of_ms,
    distribution,
    not_found_text,
    oldest_kept,
    position,
    profile_text,
    target_of,
    utc_day,
)
from economy_shared.clock import to_ms
from economy_shared.config.progression import RankSettings

RANKS_CFG = RankSettings()


@pytest.mark.parametrize(("word", "expected"), [
    (None, EARNERS), ("", EARNERS), ("earners", EARNERS), ("TODAY", EARNERS), ("rich", RICH), ("Balance", RICH),
    ("balances", RICH), ("lifetime", LIFETIME), ("all", LIFETIME), ("ranks", RANKS), (" Ranks ", RANKS),
    ("richest", None), ("rank", None), ("10", None),
])
def test_every_category_word_and_alias(word: str | None, expected: str | None) -> None:
    assert category_of(word) == expected


def test_medals_then_numbers() -> None:
    assert [position(i) for i in range(5)] == ["🥇", "🥈", "🥉", "4.", "5."]
    assert position(9) == "10."


def test_board_text_rows_use_thousands_separators_the_symbol_and_the_rank() -> None:
    board = Board(RICH, [BoardRow("Alice", 1_234_567, "Gaffer"), BoardRow("bob", 12, "Extra"),
                         BoardRow("Cy", 5, "Extra"), BoardRow("Dee", 1, "Extra")])
    assert board_text(board, "Z") == (
        "💰 Richest\n🥇 Alice — 1,234,567 Z (Gaffer)\n🥈 bob — 12 Z (Extra)\n🥉 Cy — 5 Z (Extra)\n4. Dee — 1 Z (Extra)"
    )
    today = Board(EARNERS, [BoardRow("Alice", 2_500)])
    assert board_text(today, "ZC") == "🏆 Today's top earners\n🥇 Alice — 2,500 ZC"


def test_the_empty_texts_and_the_usage_line() -> None:
    assert board_text(Board(EARNERS), "Z") == "No earnings recorded today yet."
    assert board_text(Board(RICH), "Z") == "No accounts yet."
    assert board_text(Board(LIFETIME), "Z") == "No accounts yet."
    assert board_text(Board(RANKS), "Z") == "No accounts yet."
    assert USAGE == "Usage: top [earners|rich|lifetime|ranks]"


def test_distribution_follows_the_ladder_applies_the_floor_and_drops_empty_tiers() -> None:
    groups = [(0, None, 7), (3, None, 2), (1, None, 1000), (0, "Gaffer", 1), (4, "grip", 1), (0, "Gone Tier", 3)]
    dist = distribution(RANKS_CFG, groups)
    assert dist == {"Extra": 10, "Grip": 1000, "Gaffer": 3, "Best Boy": 1}
    assert list(dist) == ["Extra", "Grip", "Gaffer", "Best Boy"]  # ladder order, not count order
    assert board_text(Board(RANKS, distribution=dist), "Z") == (
        "⭐ Rank distribution\nExtra: 10\nGrip: 1,000\nGaffer: 3\nBest Boy: 1"
    )
    assert distribution(RANKS_CFG, []) == {}


def test_today_is_the_utc_date_whatever_the_offset() -> None:
    before = datetime(2026, 1, 5, 23, 59, 59, 999000, tzinfo=UTC)
    after = before + timedelta(milliseconds=1)
    assert (utc_day(before), utc_day(after)) == ("2026-01-05", "2026-01-06")
    assert day_of_ms(to_ms(before)) == "2026-01-05" and day_of_ms(to_ms(after)) == "2026-01-06"
    eastern = datetime(2026, 1, 6, 1, 0, tzinfo=timezone(timedelta(hours=5)))  # 20:00 UTC on the 5th
    assert utc_day(eastern) == "2026-01-05"
    assert oldest_kept("2026-03-01") == "2026-02-27"


def test_profile_text_has_optional_lines_only_when_known() -> None:
    full = Profile("Alice", "Gaffer", 12_345, 20_000, streak_days=3, gambling_games=12, gambling_net=-340,
                   achievements=2)
    assert profile_text(full, "Z", "Z-Coins") == "\n".join([
        "👤 Alice's profile", "━" * 30, "⭐ Rank: Gaffer", "💰 Balance: 12,345 Z (Z-Coins)",
        "📈 Lifetime earned: 20,000 Z", "🔥 Streak: 3 days", "🏅 Achievements: 2 earned",
        "🎰 Gambling: 12 games, net -340 Z",
    ])
    bare = Profile("bob", "Extra", 0, 0)  # presence and gambling silent, no achievements known
    text = profile_text(bare, "Z", "Z-Coins")
    assert "Streak" not in text and "Gambling" not in text and "Achievements" not in text
    quiet = Profile("bob", "Extra", 0, 0, streak_days=1, gambling_games=0, achievements=0)
    assert "🔥 Streak: 1 day" in profile_text(quiet, "Z", "Z-Coins")
    assert "Gambling" not in profile_text(quiet, "Z", "Z-Coins")  # no games: no line
    won = Profile("bob", "Extra", 0, 0, gambling_games=1, gambling_net=1_500)
    assert "🎰 Gambling: 1 game, net +1,500 Z" in profile_text(won, "Z", "Z-Coins")


def test_profile_target_strips_the_at_and_defaults_to_the_sender() -> None:
    assert target_of([], "alice") == "alice"
    assert target_of(["@Bob"], "alice") == "Bob"
    assert target_of(["@"], "alice") == "alice"
    assert not_found_text("ghost") == "No wallet found for 'ghost'."
