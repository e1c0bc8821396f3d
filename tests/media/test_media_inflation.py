"""In-process: the ledger's inflation factor reaches the media prices (economy_shared/price_rules.py):
``search`` shows and ``queue`` charges round(base * factor) less the rank discount; a ledger that does
not answer the perks request means factor 1.0 (and no discount)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from media_kit import running

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus

INFLATION = {"enabled": True, "anchor_float": 20_000, "update_interval_seconds": 60}


async def earn(s: Any, user: str, amount: int) -> None:
    r = await s.stack.request("kryten.economy.ledger.command", {
        "command": "ledger.post", "channel": "testchan", "idempotency_key": f"earn:{user}:{amount}",
        "postings": [{"user": user, "amount": amount, "kind": "earn", "trigger_id": "test.earn"}]})
    assert r["success"], r


async def test_search_and_queue_use_inflation_then_the_rank_discount(tmp_path: Path, bus: InMemoryBus,
                                                                     clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, inflation=INFLATION, spending={"queue_cooldown_minutes": 0}) as s:
        await earn(s, "alice", 40_000)  # the float is 40,000: factor 2.0; Best Boy: 6% off
        # short01's tier is 250 Z: 250 × 2.0 = 500, less 6 % = 470
        assert '"Cat Video" (2m 00s) · id short01 · 470 Z (was 500)' in await s.say("alice", "search cat")
        found = await s.request("media.search", query="cat", user="alice")
        assert found["success"] and (found["data"]["results"][0]["base_cost"], found["data"]["results"][0]["cost"]) \
            == (500, 470)
        assert "Charged 470 Z (6% Best Boy discount)." in await s.say("alice", "queue short01")
        assert await s.balance("alice") == 40_000 - 470
        assert (await s.audit())["ok"]


async def test_without_the_ledgers_answer_prices_are_not_inflated(tmp_path: Path, bus: InMemoryBus,
                                                                  clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, inflation=INFLATION) as s:
        await earn(s, "alice", 40_000)
        s.media.perks._subject = "kryten.economy.nobody.command"  # the ledger does not answer
        assert "Charged 250 Z." in await s.say("alice", "queue short01")
