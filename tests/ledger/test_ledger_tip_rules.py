"""Pure tip and history rules: parsing, every refusal, the daily cap arithmetic, the sign of a history line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from economy_ledger.history_rules import MAX_ROWS, clamp_rows, history_line, history_text, rows_wanted
from economy_ledger.tip_rules import (
    SELF_TIP,
    TipFacts,
    TipRefusal,
    TipRefusalReason,
    banned,
    cap_left,
    check_daily_cap,
    check_people,
    check_request,
    minutes_until_old_enough,
    no_funds,
    parse_tip,
    utc_day_bounds_ms,
)
from economy_shared.clock import to_ms
from economy_shared.envelope import ErrorCode
from tests.helpers import make_config

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
NOW_MS = to_ms(NOW)
HOUR_MS = 3_600_000


def reason(outcome: object) -> TipRefusalReason | None:
    return outcome.reason if isinstance(outcome, TipRefusal) else None


@pytest.mark.parametrize(("args", "expected"), [
    (["@bob", "50"], ("bob", 50)),
    (["bob", "1,000"], ("bob", 1000)),
    (["@@Bob", "7"], ("Bob", 7)),
])
def test_a_tip_parses_target_and_whole_amount(args: list[str], expected: tuple[str, int]) -> None:
    assert parse_tip(args) == expected


@pytest.mark.parametrize(("args", "why"), [
    ([], TipRefusalReason.USAGE),
    (["@bob"], TipRefusalReason.USAGE),
    (["@", "5"], TipRefusalReason.USAGE),
    (["@bob", "1.5"], TipRefusalReason.NOT_WHOLE),
    (["@bob", "1e3"], TipRefusalReason.NOT_WHOLE),
    (["@bob", "１０"], TipRefusalReason.NOT_WHOLE),  # full-width digits are not ASCII
    (["@bob", "²"], TipRefusalReason.NOT_WHOLE),
    (["@bob", "lots"], TipRefusalReason.NOT_WHOLE),
    (["@bob", "0"], TipRefusalReason.BELOW_MINIMUM),
    (["@bob", "-5"], TipRefusalReason.BELOW_MINIMUM),
])
def test_malformed_tips_are_refused_with_a_reason(args: list[str], why: TipRefusalReason) -> None:
    assert reason(parse_tip(args)) is why


def test_request_checks_in_order(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, tipping={"min_amount": 10})
    assert check_request(cfg, "alice", "bob", 10) is None
    assert reason(check_request(cfg, "alice", "bob", 9)) is TipRefusalReason.BELOW_MINIMUM
    assert "10" in check_request(cfg, "alice", "bob", 9).message  # type: ignore[union-attr]
    for target in ("ZCoinBot", "zcoinbot", "OtherBot", "[server]", "~escrow"):  # the bot, ignored, system
        assert reason(check_request(cfg, "alice", target, 50)) is TipRefusalReason.IGNORED
    assert reason(check_request(cfg, "OtherBot", "bob", 50)) is TipRefusalReason.IGNORED
    assert check_request(cfg, "Alice", "ALICE", 50) is SELF_TIP
    assert reason(check_request(cfg, "alice", "x" * 65, 50)) is TipRefusalReason.UNKNOWN_TARGET
    off = make_config(tmp_path, tipping={"enabled": False})
    refusal = check_request(off, "alice", "bob", 50)
    assert reason(refusal) is TipRefusalReason.DISABLED and refusal.code is ErrorCode.DISABLED  # type: ignore


def facts(**kw: object) -> TipFacts:
    base: dict[str, object] = {"same_person": False, "target_known": True, "sender_created_ms": NOW_MS - 2 * HOUR_MS,
                               "now_ms": NOW_MS}
    return TipFacts(**{**base, **kw})  # type: ignore[arg-type]


def test_people_checks() -> None:
    assert check_people(30, "bob", facts()) is None
    assert check_people(30, "kc", facts(same_person=True)) is SELF_TIP
    assert reason(check_people(30, "nobody", facts(target_known=False))) is TipRefusalReason.UNKNOWN_TARGET
    assert reason(check_people(0, "bob", facts(sender_created_ms=None))) is TipRefusalReason.NO_ACCOUNT
    young = check_people(30, "bob", facts(sender_created_ms=NOW_MS - 10 * 60_000))
    assert reason(young) is TipRefusalReason.TOO_NEW and "20 minutes" in young.message  # type: ignore[union-attr]
    assert check_people(30, "bob", facts(sender_created_ms=NOW_MS - 30 * 60_000)) is None  # exactly old enough
    assert check_people(0, "bob", facts(sender_created_ms=NOW_MS)) is None


def test_minutes_until_old_enough_rounds_up() -> None:
    assert minutes_until_old_enough(NOW_MS, NOW_MS, 30) == 30
    assert minutes_until_old_enough(NOW_MS - 29 * 60_000 - 1, NOW_MS, 30) == 1
    assert minutes_until_old_enough(NOW_MS - 30 * 60_000, NOW_MS, 30) == 0
    assert minutes_until_old_enough(NOW_MS - 10 * HOUR_MS, NOW_MS, 30) == 0


def test_the_daily_cap_window_is_the_utc_day() -> None:
    start, end = utc_day_bounds_ms(NOW)
    assert start == to_ms(datetime(2026, 1, 5, tzinfo=UTC)) and end - start == 24 * HOUR_MS
    late = datetime(2026, 1, 5, 23, 59, 59, tzinfo=UTC)
    assert utc_day_bounds_ms(late) == (start, end)
    assert utc_day_bounds_ms(datetime(2026, 1, 6, tzinfo=UTC))[0] == end


def test_daily_cap_arithmetic() -> None:
    assert cap_left(0, 5000) == 5000 and cap_left(4999, 5000) == 1 and cap_left(6000, 5000) == 0
    assert check_daily_cap(4000, 1000, 5000, "Z") is None  # exactly to the cap
    over = check_daily_cap(4000, 1001, 5000, "Z")
    assert reason(over) is TipRefusalReason.DAILY_CAP and over.code is ErrorCode.LIMIT  # type: ignore
    assert "1,000 Z today" in over.message and "5,000" in over.message  # type: ignore[union-attr]
    spent = check_daily_cap(5000, 1, 5000, "Z")
    assert reason(spent) is TipRefusalReason.DAILY_CAP and "midnight UTC" in spent.message  # type: ignore
    assert reason(check_daily_cap(7000, 1, 5000, "Z")) is TipRefusalReason.DAILY_CAP  # cap lowered by a reload


def test_ledger_refusals_are_worded() -> None:
    short = no_funds(500, 380, "Z")
    assert short.code is ErrorCode.INSUFFICIENT_FUNDS and short.message == "💸 That tip needs 500 Z; you have 120 Z."
    assert "500 Z" in no_funds(500, None, "Z").message
    assert banned(True, "bob").reason is TipRefusalReason.BANNED_SENDER
    target = banned(False, "bob")
    assert target.reason is TipRefusalReason.BANNED_TARGET and "bob" in target.message
    assert target.code is ErrorCode.BANNED


def test_history_count_is_clamped() -> None:
    assert rows_wanted([]) == 10 and rows_wanted(["5"]) == 5 and rows_wanted(["100"]) == MAX_ROWS == 25
    assert rows_wanted(["0"]) == 1 and rows_wanted(["abc"]) == 10 and rows_wanted(["²"]) == 10
    assert clamp_rows(-3) == 1


def row(amount: int, kind: str, reason: str | None = None, related: str | None = None) -> dict[str, object]:
    return {"id": 1, "amount": amount, "kind": kind, "trigger_id": None, "reason": reason,
            "related_user": related, "created_ms": NOW_MS}


def test_history_lines_take_the_sign_from_the_amount() -> None:
    assert history_line(row(-250, "spend", "queue: Cat Video"), "Z") == "-250 Z · queue: Cat Video · Jan 05 12:00"
    assert history_line(row(250, "refund"), "Z") == "+250 Z · refund · Jan 05 12:00"  # no "None", no "-" for credits
    assert history_line(row(1500, "payout"), "Z").startswith("+1,500 Z · winnings")
    assert history_line(row(-5, "transfer", "tip to Bob", "Bob"), "Z") == "-5 Z · tip to Bob · Jan 05 12:00"
    won = history_line(row(40, "payout", "challenge won", "carol"), "Z")
    assert won.startswith("+40 Z · challenge won (with carol)")
    long = history_line(row(1, "earn", "x" * 200), "Z")
    assert len(long) < 80


def test_history_text() -> None:
    assert "No transactions yet" in history_text([], "Z")
    text = history_text([row(5, "earn", "Daily interest"), row(-5, "spend", "fortune")], "Z")
    assert text.splitlines()[0].startswith("📜 Your last 2 transactions")
    assert text.splitlines()[1:] == ["+5 Z · Daily interest · Jan 05 12:00", "-5 Z · fortune · Jan 05 12:00"]
