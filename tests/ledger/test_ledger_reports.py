"""Economy reports in process: snapshots, econ:stats / econ:health, public economy.*, and the digests.

A FakeClock drives every schedule; the jobs' ``run_due`` is called where the loop would call it.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from economy_announcer.service import AnnouncerService
from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock, to_ms
from economy_shared.envelope import ok
from economy_shared.pm.router import NOT_ADMIN
from economy_shared.subjects import PUBLIC_COMMAND, service_subject
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack, make_config

LEDGER = service_subject("ledger")
PRESENCE = service_subject("presence")
MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
_keys = itertools.count(1)


def present_here(bus: InMemoryBus, here: list[str]) -> list[str]:
    """Presence stand-in: ``present_users`` answers ``here`` (mutable), ``user_status`` a 3-day streak."""

    async def handler(req: dict[str, Any]) -> dict[str, Any]:
        if req["command"] == "presence.present_users":
            return ok("presence", req["command"], {"users": list(here)})
        return ok("presence", req["command"], {"present": req["user"].casefold() in {u.casefold() for u in here},
                                                "streak_days": 3, "minutes_today": 0})

    bus.add_responder(PRESENCE, handler)
    return here


async def open_stack(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, **cfg: Any) -> tuple[Stack, LedgerService]:
    stack = Stack(bus, make_config(tmp_path, admin={"usernames": ["Boss"]}, **cfg), clock)
    ledger = await stack.add(LedgerService)
    await stack.add(AnnouncerService)
    return stack, ledger


async def post(stack: Stack, *postings: tuple[str, int, str]) -> None:
    body = [{"user": u, "amount": z, "kind": k} for u, z, k in postings]
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL,
                                     "idempotency_key": f"t:{next(_keys)}", "postings": body})
    assert r["success"], r


async def pm_reply(stack: Stack, user: str, text: str) -> str:
    before = len(stack.bus.pms_to(user))
    await stack.pm(user, text)
    return "\n".join(stack.bus.pms_to(user)[before:])


async def snapshot_slots(ledger: LedgerService) -> list[int]:
    rows = await ledger.database.fetchall("SELECT slot_ms FROM economy_snapshots ORDER BY slot_ms")
    return [r["slot_ms"] for r in rows]


def gauge(ledger: LedgerService, name: str) -> float | None:
    return ledger.metrics.registry.get_sample_value(name, {"channel": CHANNEL})


async def test_snapshot_figures_come_from_the_journal_window(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=11, minutes=59))
    here = present_here(bus, ["Alice", "Bob", "Zed"])
    stack, ledger = await open_stack(tmp_path, bus, clock)
    try:
        await post(stack, ("Alice", 1_000, "admin"), ("Bob", 500, "admin"), ("Carol", 40, "admin"))
        await post(stack, ("Alice", 77, "earn"))  # 11:59, before the 12:00-18:00 window
        clock.set(MONDAY + timedelta(hours=13))
        await post(stack, ("Alice", 100, "earn"), ("Bob", 50, "earn"))
        await post(stack, ("Alice", -30, "spend"))
        await post(stack, ("Bob", -200, "wager"))
        await post(stack, ("Bob", 150, "payout"))
        clock.set(MONDAY + timedelta(hours=18, minutes=3))
        [snap] = await ledger.snapshots.run_due()
        assert snap.slot_ms == to_ms(MONDAY + timedelta(hours=18))
        assert (snap.flows.earned, snap.flows.spent, snap.flows.gambled_in, snap.flows.gambled_out) == \
            (150, 30, 200, 150)
        balances = sorted([1_147, 500, 40])  # Alice (1,000 + 77 + 100 - 30), Bob (500 + 50 - 200 + 150), Carol
        assert (snap.circulation, snap.accounts, snap.present) == (sum(balances), 3, 3)  # Zed holds no account
        assert snap.median_balance == balances[1]
        assert gauge(ledger, "economy_circulation") == snap.circulation
        assert gauge(ledger, "economy_median_balance") == balances[1]
        assert gauge(ledger, "economy_accounts") == 3
        here.clear()
        clock.advance(minutes=30)
        assert await ledger.snapshots.run_due() == []  # one per slot
        assert await snapshot_slots(ledger) == [to_ms(MONDAY + timedelta(hours=h)) for h in (6, 18)]
    finally:
        await stack.close()


async def test_a_missed_slot_is_caught_up_once_at_start_and_presence_down_is_null(
    tmp_path: Path, bus: InMemoryBus
) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=12, minutes=5))
    stack, ledger = await open_stack(tmp_path, bus, clock)
    await post(stack, ("Alice", 10, "admin"))
    await stack.close()
    clock.advance(days=2, hours=3)  # down for 8 slots
    stack, ledger = await open_stack(tmp_path, bus, clock)
    try:
        assert await snapshot_slots(ledger) == [to_ms(MONDAY + timedelta(hours=12)),
                                                to_ms(MONDAY + timedelta(days=2, hours=12))]
        latest = await ledger.reports.snapshot(CHANNEL)
        assert latest is not None and latest.present is None and latest.circulation == 10  # no presence: null
    finally:
        await stack.close()


async def test_keep_days_prunes_old_snapshots(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY)
    stack, ledger = await open_stack(tmp_path, bus, clock, snapshots={"keep_days": 1})
    try:
        for _ in range(8):
            clock.advance(hours=6)
            await ledger.snapshots.run_due()
        slots = await snapshot_slots(ledger)
        assert slots[0] >= to_ms(clock.now() - timedelta(days=1)) and len(slots) == 5
    finally:
        await stack.close()


async def test_econ_stats_and_health_answer_admins_only(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=9))
    present_here(bus, ["Boss", "Alice", "Guest1", "Guest2"])
    stack, ledger = await open_stack(tmp_path, bus, clock)
    try:
        await post(stack, ("Alice", 300, "admin"), ("Boss", 100, "admin"))
        clock.advance(hours=1)
        await post(stack, ("Alice", 40, "earn"))
        await post(stack, ("Boss", -10, "spend"))
        stats = await pm_reply(stack, "Boss", "econ:stats")
        assert "Circulation: 430 Z · Accounts: 2 · Active today: 2" in stats
        assert "Today: earned 40 · spent 10" in stats
        assert "Top earner today: Alice (+40 Z)" in stats
        assert "Since the last snapshot: circulation +430 Z, accounts +2" in stats  # the 06:00 catch-up: empty
        health = await pm_reply(stack, "Boss", "econ:health")
        assert "Participation: 50.0% (2 of 4 present users hold an account)" in health
        assert "Median balance: 215 Z" in health  # two accounts, 90 and 340: their mean
        assert "Ledger audit: ✅ ok" in health
        assert await pm_reply(stack, "Alice", "econ:stats") == NOT_ADMIN
        assert await pm_reply(stack, "Alice", "econ:health") == NOT_ADMIN
    finally:
        await stack.close()


async def test_public_stats_health_and_snapshot_answer_everyone(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=7))
    stack, ledger = await open_stack(tmp_path, bus, clock)
    try:
        await post(stack, ("Alice", 25, "earn"))
        r = await stack.request(PUBLIC_COMMAND, {"command": "economy.stats", "channel": CHANNEL})
        assert r["success"] and r["data"]["circulation"] == 25 and r["data"]["today"]["earned"] == 25
        r = await stack.request(PUBLIC_COMMAND, {"command": "economy.health", "channel": CHANNEL})
        assert r["success"] and r["data"]["audit_ok"] is True and r["data"]["present"] is None
        r = await stack.request(PUBLIC_COMMAND, {"command": "economy.snapshot", "channel": CHANNEL})
        assert r["success"] and r["data"]["found"] and r["data"]["snapshot"]["slot_ms"] == to_ms(
            MONDAY + timedelta(hours=6))
        r = await stack.request(PUBLIC_COMMAND, {"command": "economy.snapshot", "channel": CHANNEL, "slot_ms": 5})
        assert r["success"] and r["data"] == {"found": False, "snapshot": None}
        r = await stack.request(PUBLIC_COMMAND, {"command": "economy.snapshot", "channel": CHANNEL, "at_ms": -1})
        assert not r["success"] and r["error_code"] == "bad_request"
    finally:
        await stack.close()


def digests_sent(ledger: LedgerService, kind: str) -> float | None:
    return ledger.metrics.registry.get_sample_value("economy_digests_sent_total", {"kind": kind})


async def run_digests(stack: Stack, ledger: LedgerService) -> dict[str, int]:
    sent = await ledger.digests.run_due()
    await stack.settle()  # the announcer's outbox delivers
    return sent


async def test_user_digest_once_a_day_to_users_active_yesterday_and_present(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=10))
    here = present_here(bus, [])
    stack, ledger = await open_stack(tmp_path, bus, clock)
    try:
        await post(stack, ("Alice", 100, "earn"), ("Carol", 50, "earn"), ("Dave", 20, "earn"))
        await post(stack, ("Bob", 500, "admin"))  # an admin grant is not activity
        await stack.pm("Dave", "quiet on")
        here.extend(["Alice", "Bob", "Dave"])
        clock.set(MONDAY + timedelta(days=1, hours=3, minutes=59))
        assert (await run_digests(stack, ledger))["user"] == 0  # Tuesday's is due from 04:00
        clock.set(MONDAY + timedelta(days=1, hours=4))
        await run_digests(stack, ledger)
        [alice] = stack.bus.pms_to("Alice")
        assert alice.startswith("📊 Yesterday: +100 Z earned, -0 Z spent. Balance 100 Z")
        assert "Streak 3 days" in alice
        assert stack.bus.pms_to("Bob") == [] and stack.bus.pms_to("Carol") == []
        assert [m for m in stack.bus.pms_to("Dave") if "Yesterday" in m] == []  # quiet mode
        await run_digests(stack, ledger)
        assert len(stack.bus.pms_to("Alice")) == 1  # once per day
        here.append("Carol")  # away at 04:00: owed until she is next present that day
        clock.advance(hours=5)
        await run_digests(stack, ledger)
        assert len(stack.bus.pms_to("Carol")) == 1 and "+50 Z earned" in stack.bus.pms_to("Carol")[0]
        clock.set(MONDAY + timedelta(days=2, hours=4))  # nobody earned on Tuesday
        assert (await run_digests(stack, ledger))["user"] == 0
        assert len(stack.bus.pms_to("Alice")) == 1
        assert digests_sent(ledger, "user") == 3  # Alice, Carol and Dave (the announcer dropped Dave's)
    finally:
        await stack.close()


async def test_admin_digest_weekly_once_to_present_admins(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=6))
    here = present_here(bus, [])
    stack, ledger = await open_stack(tmp_path, bus, clock)
    try:
        clock.set(MONDAY + timedelta(days=1))
        await post(stack, ("Alice", 100, "earn"), ("Bob", 30, "earn"))
        await post(stack, ("Alice", -40, "spend"))
        ledger.directory.record(CHANNEL, "Mod1", 4)  # CyTube rank 4 = owner_level
        here.extend(["Boss", "Alice", "Mod1"])
        clock.set(MONDAY + timedelta(days=7, hours=5))
        assert (await run_digests(stack, ledger))["admin"] == 2
        [boss] = stack.bus.pms_to("Boss")
        assert "2026-01-05 → 2026-01-11" in boss
        assert "Earned 130 · spent 40" in boss and "New accounts: 2" in boss
        assert "Top earners: 1. Alice 100, 2. Bob 30" in boss
        assert stack.bus.pms_to("Mod1") == [boss] and stack.bus.pms_to("Alice") == []
        clock.advance(days=1)
        assert (await run_digests(stack, ledger))["admin"] == 0
        clock.set(MONDAY + timedelta(days=14, hours=5))
        assert (await run_digests(stack, ledger))["admin"] == 2
        assert len(stack.bus.pms_to("Boss")) == 2 and digests_sent(ledger, "admin") == 4
    finally:
        await stack.close()


async def test_a_digest_missed_while_down_is_sent_once_after_the_restart(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=10))
    present_here(bus, ["Alice"])
    stack, ledger = await open_stack(tmp_path, bus, clock)
    await post(stack, ("Alice", 60, "earn"))
    await stack.close()
    clock.set(MONDAY + timedelta(days=1, hours=9))  # down through Tuesday's 04:00
    stack, ledger = await open_stack(tmp_path, bus, clock)
    try:
        await run_digests(stack, ledger)
        await run_digests(stack, ledger)
        assert [m for m in stack.bus.pms_to("Alice") if "Yesterday" in m] == [
            "📊 Yesterday: +60 Z earned, -0 Z spent. Balance 60 Z · Rank Extra · Streak 3 days. "
            "Next: Grip (940 Z away, ~16 days)"]
        assert gauge(ledger, "economy_circulation") == 60  # the start snapshot's figures
    finally:
        await stack.close()


async def test_health_reports_a_failed_audit(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=7))
    stack, ledger = await open_stack(tmp_path, bus, clock)
    try:
        await post(stack, ("Alice", 25, "earn"))
        await ledger.database.execute("UPDATE accounts SET balance = balance + 1")  # balance != SUM(journal)
        health = await pm_reply(stack, "Boss", "econ:health")
        assert "Ledger audit: ❌ NOT ok (1 mismatches)" in health
        assert "Participation: unknown (presence did not answer)" in health
    finally:
        await stack.close()


async def test_flow_totals_always_match_the_journal(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(MONDAY + timedelta(hours=7, minutes=30))
    stack, ledger = await open_stack(tmp_path, bus, clock)
    try:
        await post(stack, ("Alice", 500, "admin"), ("Bob", 80, "earn"))
        clock.advance(hours=1)
        await post(stack, ("Alice", -120, "spend"))
        await post(stack, ("Alice", 20, "refund"))
        await post(stack, ("Bob", -50, "wager"), ("~escrow:test", 50, "escrow"))  # system side left out
        await post(stack, ("Bob", 30, "wager"), ("~escrow:test", -30, "escrow"))  # stake returned
        await post(stack, ("Bob", 90, "payout"))
        rows = await ledger.database.fetchall(
            "SELECT j.kind, SUM(j.amount) AS z FROM journal j JOIN accounts a ON a.id = j.account_id "
            "WHERE a.user_key NOT LIKE '~%' GROUP BY j.kind")
        by_kind = {r["kind"]: r["z"] for r in rows}
        stats = await ledger.reports.stats(CHANNEL)
        assert stats.today.earned == by_kind["earn"] == 80
        assert stats.today.spent == -by_kind["spend"] - by_kind["refund"] == 100
        assert stats.today.gambled_in == -by_kind["wager"] == 20
        assert stats.today.gambled_out == by_kind["payout"] == 90
        assert stats.active_today == 2
    finally:
        await stack.close()
