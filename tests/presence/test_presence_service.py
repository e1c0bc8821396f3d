"""Presence core in-process: ticks credit the ledger in batches, welcome wallet once, ignored users nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from economy_ledger.service import LedgerService
from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.schedule import boundary_index
from tests.helpers import CHANNEL, Stack, make_config

LEDGER = "kryten.economy.ledger.command"


async def balance(stack: Stack, user: str) -> int:
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
    assert r["success"], r
    return r["data"]["balance"]


async def tick(stack: Stack, presence: PresenceService) -> None:
    stack.clock.advance(60)
    now = stack.clock.now()
    await presence.ticker.scheduled(boundary_index(now, 60), now)


async def start(stack: Stack) -> PresenceService:
    await stack.add(LedgerService)
    PresenceService.autotick = False
    return await stack.add(PresenceService)


async def test_tick_credits_present_users_but_not_ignored_or_departed(stack: Stack) -> None:
    presence = await start(stack)
    for name in ("alice", "bob", "OtherBot", "ZCoinBot", "[server]"):
        await stack.event("addUser", {"name": name, "rank": 1})
    await tick(stack, presence)
    assert await balance(stack, "alice") == 100 + 1  # welcome wallet + one minute
    await stack.event("userLeave", {"name": "bob"})
    await tick(stack, presence)
    assert await balance(stack, "alice") == 102
    assert await balance(stack, "bob") == 101
    assert await balance(stack, "otherbot") == 0
    r = await stack.request(LEDGER, {"command": "ledger.audit", "channel": CHANNEL})
    assert r["data"]["ok"] and r["data"]["accounts_checked"] == 2


async def test_welcome_wallet_once_even_when_bouncing(stack: Stack) -> None:
    await start(stack)
    await stack.event("addUser", {"name": "alice", "rank": 1})
    await stack.event("userLeave", {"name": "alice"})
    stack.clock.advance(minutes=10)  # a genuine second arrival
    await stack.event("addUser", {"name": "Alice", "rank": 1})
    assert await balance(stack, "alice") == 100


async def test_afk_users_earn_base_but_not_active_bonus(tmp_path: Path, bus, clock: FakeClock) -> None:
    cfg = make_config(tmp_path, presence={"active_bonus_per_minute": 0.5, "night_watch": {"enabled": False}},
                      onboarding={"welcome_wallet": 0})
    stack = Stack(bus, cfg, clock)
    try:
        presence = await start(stack)
        await stack.event("addUser", {"name": "alice", "rank": 1})
        await stack.event("addUser", {"name": "bob", "rank": 1})
        await stack.event("setAFK", {"name": "bob", "afk": True})
        for _ in range(4):
            await tick(stack, presence)
        assert await balance(stack, "alice") == 6  # 1.5 Z/min exactly, fractions carried
        assert await balance(stack, "bob") == 4
    finally:
        await stack.close()


async def test_night_watch_pays_more(tmp_path: Path, bus) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 2, 30, tzinfo=UTC))
    cfg = make_config(tmp_path, onboarding={"welcome_wallet": 0})
    stack = Stack(bus, cfg, clock)
    try:
        presence = await start(stack)
        await stack.event("addUser", {"name": "owl", "rank": 1})
        for _ in range(2):
            await tick(stack, presence)
        assert await balance(stack, "owl") == 3  # 1.5 × 2 minutes
    finally:
        await stack.close()


async def test_same_slot_never_pays_twice(stack: Stack) -> None:
    presence = await start(stack)
    await stack.event("addUser", {"name": "alice", "rank": 1})
    now = stack.clock.now() + timedelta(minutes=1)
    await presence.ticker.scheduled(99, now)
    await presence.ticker.scheduled(99, now)
    assert await balance(stack, "alice") == 101


async def test_restart_seeds_from_robot_userlist_without_second_welcome(tmp_path: Path, bus, clock) -> None:
    cfg = make_config(tmp_path)
    stack = Stack(bus, cfg, clock)
    presence = await start(stack)
    await stack.event("addUser", {"name": "alice", "rank": 1})
    await tick(stack, presence)
    await stack.close()
    bus.kv[(f"kryten_{CHANNEL}_userlist", "users")] = [{"name": "alice", "rank": 1, "meta": {"afk": False}}]
    clock.advance(60)
    stack2 = Stack(bus, cfg, clock)
    try:
        presence2 = await start(stack2)
        assert "alice" in presence2.books[CHANNEL].sessions
        await tick(stack2, presence2)
        assert await balance(stack2, "alice") == 102
    finally:
        await stack2.close()


async def test_balance_pm_shows_number(stack: Stack) -> None:
    presence = await start(stack)
    await stack.event("addUser", {"name": "alice", "rank": 1})
    await tick(stack, presence)
    await stack.pm("alice", "bal")
    pms = stack.bus.pms_to("alice")
    assert any("101" in m for m in pms), pms
