"""The vanity shop's pure rules: item names, value checks (DECISIONS 20), prices, cooldown minutes, fortunes."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import pytest

from economy_announcer.fortunes import FORTUNES
from economy_announcer.vanity_rules import (
    check_value,
    cooldown_left_ms,
    cut,
    fortune_index,
    fortune_ref,
    item_word,
    minutes_left,
    price_of,
    shop_words,
    valid_gif_url,
)
from economy_shared.config import EconomyConfig
from tests.helpers import make_config

HOSTILE = [
    "/kick bob",
    "  //  /ban everyone",
    "\u202e/kick bob",
    "\u200b/kick\u200d bob\ufeff",
    "hello\u202eolleh",
    "a\tb\n\nc\x00d\x1b[31m",
    "/" + "x" * 10_240,
    "\u200b" * 5000 + "/me dances",
]


@pytest.fixture
def cfg(tmp_path: Path) -> EconomyConfig:
    return make_config(tmp_path)


def test_item_words_are_case_insensitive_with_the_colour_alias() -> None:
    assert item_word("GREETING") == "greeting"
    assert item_word("Colour") == "color" and item_word("color") == "color"
    assert item_word("fortune") == "fortune" and item_word("CyTube2") == "cytube2"
    assert item_word("shout") is None and item_word("") is None and item_word("custom_greeting") is None


@pytest.mark.parametrize("word", ["greeting", "title", "shoutout"])
@pytest.mark.parametrize("raw", HOSTILE)
def test_public_texts_never_start_with_a_slash_nor_hide_characters(cfg: EconomyConfig, word: str, raw: str) -> None:
    checked = check_value(cfg, word, raw)
    section = {"greeting": "custom_greeting", "title": "custom_title"}.get(word, word)
    limit = getattr(cfg.vanity_shop, section).max_length
    assert checked.ok, checked
    value = checked.value
    assert value and not value.startswith("/") and len(value) <= limit
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)
    assert value == " ".join(value.split())  # whitespace collapsed


def test_text_that_is_nothing_once_cleaned_is_the_usage(cfg: EconomyConfig) -> None:
    for raw in ["", "   ", "///", "\u202e\u200b", "/ / /"]:
        assert check_value(cfg, "greeting", raw).problem == "usage"


def test_colour_is_a_palette_name_in_any_case(cfg: EconomyConfig) -> None:
    assert check_value(cfg, "color", "hot pink").value == "Hot Pink"
    assert check_value(cfg, "color", "  HOT   PINK ").value == "Hot Pink"
    assert check_value(cfg, "color", "ultraviolet").problem == "palette"
    assert check_value(cfg, "color", "").problem == "usage"


@pytest.mark.parametrize("url", ["https://media.example/x.gif", "http://a.b/c?d=e#f", "HTTPS://Example.com/a.gif"])
def test_gif_urls_accepted(url: str) -> None:
    assert valid_gif_url(url)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "ftp://x.y/z.gif", "https://", "https:///path", "https://a.b/x y.gif",
    "https://a.b/\u202e.gif", "www.example.com/x.gif", "https://a.b/" + "x" * 500, "https://[::1",
])
def test_gif_urls_refused(url: str) -> None:
    assert not valid_gif_url(url)


def test_rename_allows_letters_digits_space_dash_underscore_apostrophe(cfg: EconomyConfig) -> None:
    assert check_value(cfg, "rename", "Moon Bucks").value == "Moon Bucks"
    assert check_value(cfg, "rename", "Zé's_coin-2").value == "Zé's_coin-2"
    assert check_value(cfg, "rename", "/Moon").value == "Moon"  # cleaned like any public text
    for bad in ["<b>bucks</b>", "a" * 31, "---", "bucks!", "💰"]:
        assert check_value(cfg, "rename", bad).problem == "name", bad


@pytest.mark.parametrize(("base", "factor", "pct", "price"), [
    (100, 1.0, 2, 98), (100, 1.0, 10, 90), (45, 1.0, 10, 40),  # rounded down, in the user's favour
    (1, 1.0, 2, 1), (1, 1.0, 10, 1), (1, 1.0, 90, 1),  # a price of 1 never becomes 0
    (10, 1.5, 10, 13), (10, 0.01, 0, 1), (0, 1.0, 10, 0),
])
def test_prices_inflation_then_discount(base: int, factor: float, pct: int, price: int) -> None:
    p = price_of(base, factor, pct)
    assert p.price == price
    assert p.free == (price == 0)


def test_free_fortune_price() -> None:
    p = price_of(10, 1.0, 10, free=True)
    assert (p.price, p.base, p.free) == (0, 10, True)


def test_cooldown_minutes_round_up_and_never_overstate() -> None:
    assert minutes_left(0) == 0
    assert minutes_left(1) == 1
    assert minutes_left(60_000) == 1
    assert minutes_left(60_001) == 2
    assert minutes_left(5 * 60_000) == 5  # the plan's int(...)+1 said 6
    assert cooldown_left_ms(None, 10, 60) == 0
    assert cooldown_left_ms(0, 60 * 60_000, 60) == 0
    assert cooldown_left_ms(0, 59 * 60_000, 60) == 60_000
    assert cooldown_left_ms(0, 1, 0) == 0


def test_fortune_choice_is_stable_from_user_and_day() -> None:
    assert len(FORTUNES) >= 40 and len(set(FORTUNES)) == len(FORTUNES)
    digest = hashlib.sha256(b"alice|2026-01-05").digest()
    assert fortune_index("alice", "2026-01-05", len(FORTUNES)) == int.from_bytes(digest[:8], "big") % len(FORTUNES)
    days = {fortune_index("alice", f"2026-01-{d:02d}", len(FORTUNES)) for d in range(1, 29)}
    assert len(days) > 5  # the day matters
    with pytest.raises(ValueError):
        fortune_index("alice", "2026-01-05", 0)


def test_keys_and_refs() -> None:
    assert fortune_ref("alice", "2026-01-05") == "fortune:alice:2026-01-05"
    assert fortune_ref("alice", "2026-01-05", 2) == "fortune:alice:2026-01-05:2"
    assert cut("x" * 30) == "x" * 30 and cut("x" * 31) == "x" * 30 + "…"


def test_shop_words_follow_the_config(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, vanity_shop={"channel_gif": {"enabled": False}},
                      cytube_promotion={"purchasable": False})
    words = shop_words(cfg)
    assert "gif" not in words and "cytube2" not in words and words[0] == "greeting" and "fortune" in words
