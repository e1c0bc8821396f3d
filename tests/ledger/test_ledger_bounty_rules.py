"""Pure bounty rules (bounty_rules.py): parsing, the checks in order, sanitising, refunds, ages and texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from economy_ledger import bounty_rules as rules
from economy_ledger.bounty_rules import BountyRefusal, Reason
from economy_shared.schemas.ledger import PostingKind
from tests.helpers import make_config

MIN = 60_000
HOUR = 60 * MIN


def cfg(tmp_path: Path, **bounties: object):  # type: ignore[no-untyped-def]
    return make_config(tmp_path, bounties=bounties)


@pytest.mark.parametrize(("rest", "want"), [
    ('500 "fix the playlist"', (500, '"fix the playlist"')),
    ("1,000 find a rare cut", (1000, "find a rare cut")),
    ("1_500 x", (1500, "x")),
])
def test_parse_create_accepts_whole_amounts_with_separators(rest: str, want: tuple[int, str]) -> None:
    assert rules.parse_create(rest) == want


@pytest.mark.parametrize(("rest", "reason"), [
    ("", Reason.USAGE), ("abc desc", Reason.NOT_WHOLE), ("1.5 desc", Reason.NOT_WHOLE),
    ("-5 desc", Reason.BELOW_MINIMUM), ("0 desc", Reason.BELOW_MINIMUM), ("１０ desc", Reason.NOT_WHOLE),
])
def test_parse_create_refuses_bad_amounts(rest: str, reason: Reason) -> None:
    got = rules.parse_create(rest)
    assert isinstance(got, BountyRefusal) and got.reason is reason


def test_checks_run_in_order_enabled_min_max_description(tmp_path: Path) -> None:
    off = cfg(tmp_path, enabled=False)
    assert rules.check_create(off, 1, "") == rules.DISABLED  # switched off wins over everything
    c = cfg(tmp_path, min_amount=1000, max_amount=50_000, description_max_length=20)
    low = rules.check_create(c, 999, "")
    assert low is not None and low.reason is Reason.BELOW_MINIMUM and "1,000 Z" in low.message
    high = rules.check_create(c, 50_001, "")
    assert high is not None and high.reason is Reason.ABOVE_MAXIMUM and "50,000 Z" in high.message
    none = rules.check_create(c, 1000, "")
    assert none is not None and none.reason is Reason.NO_DESCRIPTION
    long = rules.check_create(c, 1000, "x" * 21)
    assert long is not None and long.reason is Reason.TOO_LONG and "20" in long.message
    assert rules.check_create(c, 1000, "x" * 20) is None


def test_description_is_sanitised_before_its_length_counts() -> None:
    assert rules.clean_description('"/kick everyone"') == "kick everyone"  # never a CyTube command
    assert rules.clean_description("  a\u202e\x07b   c  ") == "ab c"  # bidi/control gone, spaces collapsed
    assert rules.clean_description('""') == ""
    assert len(rules.clean_description("a" + " " * 300 + "b")) == 3  # collapsed first, then measured


def test_open_limit_is_a_count() -> None:
    assert rules.open_limit(2, 3) is None
    hit = rules.open_limit(3, 3)
    assert hit is not None and hit.reason is Reason.OPEN_LIMIT and "3" in hit.message


@pytest.mark.parametrize(("amount", "pct", "refund"), [(100, 50, 50), (101, 50, 50), (999, 0, 0), (7, 100, 7),
                                                        (3, 33, 0)])
def test_refund_is_floored(amount: int, pct: int, refund: int) -> None:
    assert rules.refund_amount(amount, pct) == refund


@pytest.mark.parametrize(("age_ms", "text"), [(0, "0 min"), (5 * MIN, "5 min"), (59 * MIN, "59 min"),
                                               (HOUR, "1h"), (3 * HOUR + 59 * MIN, "3h"), (24 * HOUR, "1d"),
                                               (50 * HOUR, "2d"), (-MIN, "0 min")])
def test_age_format(age_ms: int, text: str) -> None:
    assert rules.format_age(1_000_000_000_000, 1_000_000_000_000 + age_ms) == text


def test_list_text_lines_and_footer() -> None:
    now = 10 * 24 * HOUR
    rows: list[dict[str, object]] = [{"id": 7, "amount": 1500, "description": "d" * 80, "creator": "Alice",
                                      "created_ms": now - 5 * MIN}]
    text = rules.list_text(rows, now, "Z")
    assert f"#7 — 1,500 Z — {'d' * 60} (by Alice, 5 min ago)" in text.splitlines()
    assert "claim_bounty <id> @winner" in text.splitlines()[-1] and "1 open" in text
    assert rules.list_text([], now, "Z") == "No open bounties."


@pytest.mark.parametrize(("args", "want"), [
    (["3", "@bob"], (3, "bob")), (["#12", "Bob"], (12, "Bob")),
])
def test_parse_claim(args: list[str], want: tuple[int, str]) -> None:
    assert rules.parse_claim(args) == want


@pytest.mark.parametrize(("args", "reason"), [([], Reason.USAGE), (["3"], Reason.USAGE), (["x", "bob"], Reason.BAD_ID),
                                              (["-1", "bob"], Reason.BAD_ID), (["3", "@"], Reason.USAGE)])
def test_parse_claim_refusals(args: list[str], reason: Reason) -> None:
    got = rules.parse_claim(args)
    assert isinstance(got, BountyRefusal) and got.reason is reason
    if reason is Reason.BAD_ID:
        assert got.message == "Bounty ID must be a number."


def test_postings_escrow_payout_and_burn() -> None:
    create = rules.create_request("Chan", "k", 4, "Alice", 300, "desc")
    assert [(p.user, p.amount, p.kind) for p in create.postings] == [
        ("Alice", -300, PostingKind.SPEND), (rules.ESCROW, 300, PostingKind.ESCROW)]
    claim = rules.claim_request("Chan", 4, "Bob", 300, "desc")
    assert claim.idempotency_key == "bounty:claim:chan:4"
    assert [(p.user, p.amount, p.kind, p.trigger_id) for p in claim.postings] == [
        (rules.ESCROW, -300, PostingKind.ESCROW, "bounty.claim"), ("Bob", 300, PostingKind.EARN, "bounty.claim")]
    expire = rules.release_request("expire", "Chan", 4, "Alice", 301, rules.refund_amount(301, 50))
    assert expire.idempotency_key == "bounty:expire:chan:4"
    assert [(p.user, p.amount, p.kind) for p in expire.postings] == [
        (rules.ESCROW, -301, PostingKind.ESCROW), ("Alice", 150, PostingKind.REFUND)]
    burn_all = rules.release_request("cancel", "Chan", 4, "Alice", 300, 0)
    assert [p.user for p in burn_all.postings] == [rules.ESCROW]  # nothing back: no zero posting


def test_texts() -> None:
    assert rules.created_text(3, 1500, "fix it", 168, "Z") == '📌 Bounty #3 created: 1,500 Z for "fix it". ' \
                                                             "Expires in 168 hours."
    assert rules.announce_claimed("Bob", 3, 1500, "fix it", "Z") == '🏆 Bob claimed bounty #3 "fix it" (+1,500 Z)'
    assert rules.not_open(3, "claimed").message == "Bounty #3 is already claimed."
