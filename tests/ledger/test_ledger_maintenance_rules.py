"""Pure rules of daily balance maintenance: interest, decay, the due day, the plan."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from economy_ledger.maintenance_rules import decay_amount, due_day, interest_amount, plan, run_key
from economy_shared.config import EconomyConfig
from tests.helpers import make_config


@pytest.fixture
def cfg(tmp_path: Path) -> EconomyConfig:
    return make_config(tmp_path)


@pytest.mark.parametrize(
    ("balance", "interest"),
    [(10_000, 10), (100_000, 10), (5_000, 5), (999, 0), (100, 0), (50, 0), (0, 0)],
)
def test_interest(cfg: EconomyConfig, balance: int, interest: int) -> None:
    assert interest_amount(balance, cfg.balance_maintenance.interest) == interest


def test_interest_min_balance_applies_before_the_rate(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, balance_maintenance={"interest": {"daily_rate": 0.1, "min_balance_to_earn": 100}})
    assert interest_amount(99, cfg.balance_maintenance.interest) == 0
    assert interest_amount(100, cfg.balance_maintenance.interest) == 10


@pytest.mark.parametrize(
    ("balance", "decay"),
    [(100_000, 500), (50_000, 250), (49_999, 0), (40_000, 0), (0, 0)],
)
def test_decay(cfg: EconomyConfig, balance: int, decay: int) -> None:
    assert decay_amount(balance, cfg.balance_maintenance.decay) == decay


def test_rates_are_exact_not_float(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, balance_maintenance={"interest": {"daily_rate": 0.07, "max_daily_interest": 10**9}})
    assert interest_amount(100, cfg.balance_maintenance.interest) == 7
    cfg = make_config(tmp_path, balance_maintenance={"interest": {"daily_rate": 0.043, "max_daily_interest": 10**9}})
    assert interest_amount(10_000, cfg.balance_maintenance.interest) == 430  # float says 429.99999999999994


def test_plan_interest_is_an_earning(cfg: EconomyConfig) -> None:
    postings = plan(cfg.balance_maintenance, [("Alice", 10_000), ("bob", 50)])
    assert [(p.user, p.amount, p.kind.value, p.trigger_id) for p in postings] == [
        ("Alice", 10, "earn", "maintenance.interest")
    ]


def test_plan_decay_is_a_negative_maintenance_posting(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, balance_maintenance={"mode": "decay"})
    postings = plan(cfg.balance_maintenance, [("rich", 100_000), ("modest", 40_000)])
    assert [(p.user, p.amount, p.kind.value, p.reason) for p in postings] == [
        ("rich", -500, "maintenance", "Vault maintenance fee")
    ]


def test_plan_none_does_nothing(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, balance_maintenance={"mode": "none"})
    assert plan(cfg.balance_maintenance, [("rich", 10**9)]) == []


def test_due_day_turns_at_the_run_hour() -> None:
    assert due_day(datetime(2026, 1, 5, 2, 59, tzinfo=UTC), 3) == date(2026, 1, 4)
    assert due_day(datetime(2026, 1, 5, 3, 0, tzinfo=UTC), 3) == date(2026, 1, 5)
    assert due_day(datetime(2026, 1, 5, 0, 0, tzinfo=UTC), 0) == date(2026, 1, 5)


def test_keys_are_per_channel_day_and_block() -> None:
    assert run_key("interest", "TestChan", date(2026, 1, 5), 0) == "interest:testchan:2026-01-05"
    assert run_key("decay", "c", date(2026, 1, 5), 2) == "decay:c:2026-01-05:2"
