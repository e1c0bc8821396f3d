"""Daily interest/decay run by the ledger: at the configured hour, once per day, caught up after downtime."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from economy_ledger.migrations import MIGRATIONS
from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock
from economy_shared.db import Database
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack, audit_ok, make_config

LEDGER = "kryten.economy.ledger.command"
MONDAY_NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 1, 6, tzinfo=UTC)


async def ledger_stack(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, **cfg: Any) -> tuple[Stack, LedgerService]:
    stack = Stack(bus, make_config(tmp_path, **cfg), clock)
    return stack, await stack.add(LedgerService)


async def grant(stack: Stack, **balances: int) -> None:
    postings = [{"user": u, "amount": z, "kind": "admin"} for u, z in balances.items()]
    key = f"grant:{sorted(balances.items())}"
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": key,
                                     "postings": postings})
    assert r["success"], r


async def account(stack: Stack, user: str) -> dict[str, Any]:
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
    assert r["success"], r
    return r["data"]


async def balances(stack: Stack, *users: str) -> list[int]:
    return [(await account(stack, u))["balance"] for u in users]


async def journal(ledger: LedgerService, prefix: str) -> list[tuple[str, int, str]]:
    rows = await ledger.database.fetchall(
        "SELECT a.user_key, j.amount, j.kind FROM journal j JOIN accounts a ON a.id = j.account_id "
        "WHERE j.trigger_id LIKE ? ORDER BY j.id",
        (prefix + "%",),
    )
    return [(r["user_key"], r["amount"], r["kind"]) for r in rows]


async def test_interest_once_per_day_from_the_run_hour(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY_NOON)
    stack, ledger = await ledger_stack(tmp_path, bus, clock)
    try:
        await grant(stack, alice=10_000, bob=100_000, carol=50)
        assert await ledger.maintenance.run_due() == []  # Monday already ran at start-up (nobody had Z yet)
        clock.set(TUESDAY + timedelta(hours=2, minutes=59))
        assert await ledger.maintenance.run_due() == []
        clock.set(TUESDAY + timedelta(hours=3))
        [report] = await ledger.maintenance.run_due()
        assert (report.postings, report.total, report.mode) == (2, 20, "interest")
        assert await ledger.maintenance.run_due() == []
        assert await balances(stack, "alice", "bob", "carol") == [10_010, 100_010, 50]
        assert await journal(ledger, "maintenance.") == [("alice", 10, "earn"), ("bob", 10, "earn")]
        assert (await account(stack, "alice"))["lifetime_earned"] == 10  # interest is an earning (ranks)
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_a_missed_day_runs_once_at_the_next_start(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY_NOON)
    stack, ledger = await ledger_stack(tmp_path, bus, clock)
    await grant(stack, alice=10_000)
    await stack.close()
    clock.advance(days=3)  # down Tuesday to Thursday noon
    stack, ledger = await ledger_stack(tmp_path, bus, clock)
    try:
        assert await balances(stack, "alice") == [10_010]
        assert await ledger.maintenance.last_day(CHANNEL) == clock.now().date()
        keys = await ledger.database.fetchall("SELECT idem_key FROM requests WHERE idem_key LIKE 'interest:%'")
        assert [r["idem_key"] for r in keys] == ["interest:testchan:2026-01-08"]
    finally:
        await stack.close()


async def test_rerunning_a_day_never_pays_twice(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY_NOON)
    stack, ledger = await ledger_stack(tmp_path, bus, clock)
    try:
        await grant(stack, alice=10_000)
        day = TUESDAY.date()
        clock.set(TUESDAY + timedelta(hours=3))
        await ledger.maintenance.run(CHANNEL, day)
        await ledger.maintenance.run(CHANNEL, day)  # same body: a replay
        await grant(stack, alice=5)  # balances moved: a different body under the same key
        await ledger.database.execute("DELETE FROM maintenance_runs")  # even with the record lost
        await ledger.maintenance.run_due()
        assert await balances(stack, "alice") == [10_015]
        assert len(await journal(ledger, "maintenance.interest")) == 1
    finally:
        await stack.close()


async def test_decay_takes_from_large_balances_only(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY_NOON)
    stack, ledger = await ledger_stack(tmp_path, bus, clock, balance_maintenance={"mode": "decay"})
    try:
        await grant(stack, rich=100_000, edge=50_000, modest=40_000)
        clock.set(TUESDAY + timedelta(hours=3))
        [report] = await ledger.maintenance.run_due()
        assert (report.postings, report.total) == (2, 750)
        assert await balances(stack, "rich", "edge", "modest") == [99_500, 49_750, 40_000]
        decayed = sorted(await journal(ledger, "maintenance."))
        assert decayed == [("edge", -250, "maintenance"), ("rich", -500, "maintenance")]
        rich = await account(stack, "rich")
        assert rich["lifetime_earned"] == 0 and rich["lifetime_spent"] == 0
        keys = await ledger.database.fetchall("SELECT idem_key FROM requests WHERE idem_key LIKE 'decay:%'")
        assert [r["idem_key"] for r in keys] == ["decay:testchan:2026-01-06"]
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_decay_racing_with_spends_is_applied_once_and_never_refused(tmp_path: Path, bus: InMemoryBus) -> None:
    """Balances are read in the decay's own transaction: a spend racing with it cannot make it
    fail (a refusal would now be stored under the day's key and the day would never decay)."""
    clock = FakeClock(MONDAY_NOON)
    stack, ledger = await ledger_stack(tmp_path, bus, clock, balance_maintenance={"mode": "decay"})
    try:
        await grant(stack, rich=200_000)
        clock.set(TUESDAY + timedelta(hours=3))

        async def spend(i: int) -> dict[str, Any]:
            return await stack.request(LEDGER, {
                "command": "ledger.post", "channel": CHANNEL, "idempotency_key": f"buy:{i}",
                "postings": [{"user": "rich", "amount": -1_000, "kind": "spend"}]})

        results = await asyncio.gather(ledger.maintenance.run_due(), *(spend(i) for i in range(10)))
        [report], spends = results[0], results[1:]
        paid = sum(1 for r in spends if r["success"])
        assert report.postings == 1 and report.total > 0
        assert paid == 10
        assert await balances(stack, "rich") == [200_000 - report.total - paid * 1_000]
        assert len(await journal(ledger, "maintenance.decay")) == 1
        assert await ledger.maintenance.run_due() == []
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_mode_none_runs_nothing(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY_NOON)
    stack, ledger = await ledger_stack(tmp_path, bus, clock, balance_maintenance={"mode": "none"})
    try:
        await grant(stack, alice=10_000_000)
        clock.advance(days=2)
        assert await ledger.maintenance.run_due() == []
        assert await balances(stack, "alice") == [10_000_000]
        assert await ledger.maintenance.last_day(CHANNEL) is None
    finally:
        await stack.close()


async def test_banned_and_system_accounts_are_left_alone(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY_NOON)
    stack, ledger = await ledger_stack(tmp_path, bus, clock)
    try:
        await grant(stack, alice=10_000, mallory=10_000)
        await ledger.store.set_banned(CHANNEL, "mallory", True, "test", 0)
        await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": "esc",
                                     "postings": [{"user": "~escrow", "amount": 10_000, "kind": "escrow"}]})
        clock.set(TUESDAY + timedelta(hours=4))
        [report] = await ledger.maintenance.run_due()
        assert report.postings == 1
        assert await balances(stack, "alice", "mallory", "~escrow") == [10_010, 10_000, 10_000]
    finally:
        await stack.close()


async def test_the_schedule_runs_on_its_own(tmp_path: Path, bus: InMemoryBus) -> None:
    """The loop polls in (real) short steps and reads the injected clock: a day passing triggers one run."""
    clock = FakeClock(MONDAY_NOON)
    stack, ledger = await ledger_stack(tmp_path, bus, clock)
    try:
        await grant(stack, alice=10_000)
        await ledger.maintenance.stop()
        ledger.maintenance.poll_seconds = 0.01
        await ledger.maintenance.start()
        clock.set(TUESDAY + timedelta(hours=3, seconds=1))
        for _ in range(200):
            await asyncio.sleep(0.01)
            if await balances(stack, "alice") != [10_000]:
                break
        await asyncio.sleep(0.05)
        assert await balances(stack, "alice") == [10_010]
    finally:
        await stack.close()


async def test_migration_2_upgrades_a_version_1_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    old = Database(path, MIGRATIONS[:1])
    await old.open()
    await old.close()
    db = Database(path, MIGRATIONS)
    await db.open()
    try:
        assert await db.schema_version() == len(MIGRATIONS)
        assert await db.fetchall("SELECT * FROM maintenance_runs") == []
    finally:
        await db.close()
