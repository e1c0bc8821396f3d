"""Concurrent requests against the real ledger: claims and state transitions let exactly one through."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from test_gambling_kit import ESCROW, running

from economy_shared.clock import FakeClock
from economy_shared.envelope import ServiceError
from economy_shared.testing import InMemoryBus

T = TypeVar("T")
LOSS = 0.5
UNLIMITED = {"cooldown_seconds": 0, "daily_limit": None}


async def late(work: Awaitable[T], steps: int) -> T:
    for _ in range(steps):
        await asyncio.sleep(0)
    return await work


async def test_fifty_concurrent_spins_with_funds_for_ten(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, spin=UNLIMITED) as c:
        await c.fund("alice", 1000)
        c.rng.force(*[LOSS] * 50)
        replies = await asyncio.gather(*(c.request("gambling.spin", user="alice", wager=100) for _ in range(50)))
        assert sum(r["success"] for r in replies) == 10
        assert {r["error_code"] for r in replies if not r["success"]} == {"insufficient_funds"}
        balances = [r["data"]["balance"] for r in replies if r["success"]]
        assert sorted(balances) == list(range(0, 1000, 100))  # every step observed, none below zero
        assert await c.balance("alice") == 0
        audit = await c.audit()
        assert audit["ok"] and audit["negative"] == []
        assert len(await c.journal(["wager"])) == 10
        stats = (await c.request("gambling.stats", user="alice"))["data"]
        assert (stats["spins"], stats["lifetime_wagered"]) == (10, 1000)  # refused claims were voided


async def test_concurrent_pm_spins_never_overdraw(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, spin=UNLIMITED) as c:
        await c.fund("alice", 50)
        c.rng.force(*[LOSS] * 20)
        for _ in range(20):  # each PM command runs as its own task: they interleave
            for client in c.stack.clients:
                await client.simulate_event("pm", {"username": "alice", "msg": "spin 10", "meta": {}})
        await c.stack.settle()
        replies = c.announcer.to("alice")
        assert sum("Loss" in r for r in replies) == 5
        assert await c.balance("alice") == 0 and (await c.audit())["ok"]


async def test_concurrent_spins_respect_the_cooldown(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:  # 30 s cooldown
        await c.fund("alice", 1000)
        c.rng.force(*[LOSS] * 10)
        replies = await asyncio.gather(*(c.request("gambling.spin", user="alice", wager=10) for _ in range(10)))
        assert sum(r["success"] for r in replies) == 1
        assert {r["error_code"] for r in replies if not r["success"]} == {"cooldown"}


async def test_accept_decline_and_withdraw_race_has_one_winner(tmp_path: Path, bus: InMemoryBus,
                                                              clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        duels = c.gambling.duels
        pairs = [(f"a{i}", f"b{i}") for i in range(12)]
        for a, b in pairs:
            await c.fund(a, 1000)
            await c.fund(b, 1000)
            await c.say(a, f"challenge {b} 100")
        outcomes = []
        for i, (a, b) in enumerate(pairs):
            # Delay the declines by a varying number of loop steps so every interleaving gets a turn.
            racers = [duels.accept("testchan", b), late(duels.decline("testchan", b), i * 3),
                      late(duels.decline("testchan", a), i * 3 + 1)]
            results = await asyncio.gather(*racers, return_exceptions=True)
            winners = [r for r in results if isinstance(r, str)]
            assert len(winners) == 1, results
            assert all(isinstance(r, ServiceError) for r in results if not isinstance(r, str))
            outcomes.append("accepted" if "beat" in winners[0] or "won" in winners[0] else "refunded")
        await c.stack.settle()
        total = sum([await c.balance(u) for pair in pairs for u in pair])
        accepted = outcomes.count("accepted")
        assert total == 24 * 1000 - accepted * 10  # each settled duel took exactly one 10 Z rake, nothing else
        assert await c.balance(ESCROW) == 0
        journal = await c.journal(["escrow"])
        assert len(journal) == 12 + 12  # one escrow in and one escrow out per challenge
        assert (await c.audit())["ok"]


async def test_double_accept_settles_once(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await c.fund("alice", 1000)
        await c.fund("bob", 1000)
        await c.say("alice", "challenge bob 100")
        results = await asyncio.gather(*(c.gambling.duels.accept("testchan", "bob") for _ in range(5)),
                                       return_exceptions=True)
        assert sum(isinstance(r, str) for r in results) == 1
        assert await c.balance("alice") + await c.balance("bob") == 2000 - 10
        assert (await c.request("gambling.stats", user="bob"))["data"]["challenges"] == 1
