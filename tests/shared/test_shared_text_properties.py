"""Property tests (hypothesis) of the shared helpers that guard user input and public output."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.pm.text import MAX_AMOUNT, parse_amount
from economy_shared.sanitize import public_text

# ---- parse_amount: ASCII digits only, never raises -------------------------------------------------


@given(st.text(max_size=30))
@example("²")
@example("１０")
@example("٣")  # Arabic-Indic three
@example("1,0,0")
@example("-5")
@example("0")
@example("9" * 40)
def test_parse_amount_never_raises_and_accepts_only_ascii_digit_amounts(token: str) -> None:
    value = parse_amount(token)
    if value is None:
        return
    assert 0 < value <= MAX_AMOUNT
    plain = token.strip().replace(",", "").replace("_", "")
    assert plain.isascii() and plain.isdigit() and int(plain) == value


@given(st.integers(min_value=1, max_value=MAX_AMOUNT))
def test_parse_amount_round_trips_every_written_form(n: int) -> None:
    assert parse_amount(str(n)) == n
    assert parse_amount(f"{n:,}") == n
    assert parse_amount(f"{n:_}") == n
    assert parse_amount(f"  {n}  ") == n


@pytest.mark.parametrize("token", ["²", "１０", "10²", "1,00", "1,0000", "1_0", "+5", "5.0", "0", "", "1e3", "0x10"])
def test_parse_amount_rejects(token: str) -> None:
    assert parse_amount(token) is None


# ---- public_text: nothing the bot repeats can run a CyTube command ---------------------------------


@settings(max_examples=500)
@given(st.text(max_size=400), st.integers(min_value=1, max_value=300))
@example("/kick bob", 200)
@example(" \u200b/ban bob", 200)
@example("\n/clear", 200)
@example("//////", 200)
@example("a" * 50 + "\u202e", 10)
def test_public_text_is_safe_for_public_chat(text: str, limit: int) -> None:
    out = public_text(text, limit)
    assert not out.startswith("/")
    assert len(out) <= limit
    assert all(unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in out)
    assert "  " not in out and out == out.strip()
    assert public_text(out, limit) == out  # idempotent: sanitising twice changes nothing


@given(st.text(alphabet=st.characters(categories=("L", "N", "P", "S"), exclude_characters="/"), min_size=1,
               max_size=100))
def test_public_text_keeps_ordinary_text(text: str) -> None:
    assert public_text(text, 200) == text


def test_public_text_examples() -> None:
    assert public_text("/kick bob") == "kick bob"
    assert public_text("  hello\n\n  world\t!") == "hello world !"
    assert public_text("x" * 20, 10) == "x" * 9 + "…"
    assert public_text("/ / /") == ""


# ---- channel_key / ChannelDirectory -----------------------------------------------------------------


def test_channel_key_and_directory() -> None:
    assert channel_key(" MyChan ") == channel_key("mychan") == "mychan"
    chans = ChannelDirectory(["MyChan", "Other"])
    assert chans.display("MYCHAN") == "MyChan" and chans.known("other") == "Other"
    assert chans.known("nope") is None and chans.display("nope") == "nope"
    assert "mychan" in chans and list(chans) == ["MyChan", "Other"] and len(chans) == 2
