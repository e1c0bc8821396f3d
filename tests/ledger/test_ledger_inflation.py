"""The inflation governor (config ``inflation``): the price factor from the channel's float, cached on the
clock, handed to spenders in ``ledger.rank_perks`` and shown on ``stats.inflation``; and the one price rule
(economy_shared/price_rules.py): inflation rounded to the nearest Z, then the rank discount rounded down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock
from economy_shared.price_rules import discounted, inflated, spend_price
from economy_shared.subjects import PUBLIC_COMMAND, service_subject
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack, make_config

LEDGER = service_subject("ledger")


# ---- the price rule ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("base", "factor", "percent", "expected"), [
    (100, 1.0, 0, 100), (100, 1.5, 0, 150), (100, 1.5, 10, 135),
    (250, 0.25, 4, 59),  # 62.5 → 62 (Python's round, as config says), less 4 % → 59.52 → 59
    (333, 1.005, 15, 284),  # 334.665 → 335, less 15 % → 284.75 → 284
    (1, 0.25, 50, 1), (3, 0.1, 0, 1), (0, 8.0, 0, 0), (10, 2.0, 100, 1),
])
def test_inflation_then_discount(base: int, factor: float, percent: int, expected: int) -> None:
    assert spend_price(base, factor, percent) == discounted(inflated(base, factor), percent)
    assert spend_price(base, factor, percent) == expected


# ---- the governor in the running ledger ------------------------------------------------------------
ON = {"enabled": True, "anchor_float": 1_000, "min_multiplier": 0.5, "max_multiplier": 3.0,
      "update_interval_seconds": 600}


@pytest.fixture
async def inflating(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> Any:
    s = Stack(bus, make_config(tmp_path, inflation=ON), clock)
    yield s
    await s.close()


async def post(stack: Stack, key: str, user: str, amount: int, kind: str = "earn") -> None:
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": key,
                                     "postings": [{"user": user, "amount": amount, "kind": kind}]})
    assert r["success"], r


async def factor(stack: Stack, user: str = "ann") -> float:
    r = await stack.request(LEDGER, {"command": "ledger.rank_perks", "channel": CHANNEL, "user": user})
    assert r["success"], r
    return float(r["data"]["price_factor"])


async def test_off_by_default_the_factor_is_one_whatever_the_float(stack: Stack) -> None:
    await stack.add(LedgerService)
    await post(stack, "e1", "ann", 10**9)
    assert await factor(stack) == 1.0
    r = await stack.request(PUBLIC_COMMAND, {"command": "stats.inflation", "channel": CHANNEL})
    assert r["success"] and r["data"]["enabled"] is False and r["data"]["multiplier"] == 1.0


async def test_factor_follows_the_float_clamped_and_re_read_only_after_the_interval(inflating: Stack) -> None:
    stack = inflating
    await stack.add(LedgerService)
    assert await factor(stack) == 0.5  # empty channel: clamped to the minimum
    await post(stack, "e1", "ann", 1_500)
    await post(stack, "e2", "~escrow", 5_000, kind="admin")  # a system account is not the float
    assert await factor(stack) == 0.5  # cached: the float was read a moment ago
    stack.clock.advance(599)
    assert await factor(stack) == 0.5
    stack.clock.advance(1)
    assert await factor(stack, "someone") == 1.5  # 1,500 / 1,000; the same for every user
    r = await stack.request(PUBLIC_COMMAND, {"command": "stats.inflation", "channel": CHANNEL})
    assert r["success"] and r["data"] == {"enabled": True, "multiplier": 1.5, "float": 1_500, "anchor_float": 1_000,
                                          "min_multiplier": 0.5, "max_multiplier": 3.0}
    await post(stack, "e3", "bob", 100_000)
    stack.clock.advance(600)
    assert await factor(stack) == 3.0  # clamped to the maximum
