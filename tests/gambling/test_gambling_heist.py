"""Heists: off by default; escrowed stakes, join window, crew minimum, one roll (sprint 4 §7 test_heist)."""

from __future__ import annotations

from pathlib import Path

from test_gambling_kit import ESCROW, Casino, running

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus

ON = {"enabled": True}
SUCCESS, FAILURE = 0.3, 0.5


async def crew(c: Casino, *names: str, amount: int = 1000) -> None:
    for name in names:
        await c.fund(name, amount)


async def test_heist_is_off_by_default(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await crew(c, "alice")
        assert "Heists are off" in await c.say("alice", "heist 100")
        assert await c.balance("alice") == 1000


async def test_start_and_join_escrow_every_stake(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist=ON) as c:
        await crew(c, "alice", "bob")
        assert "Heist planned with a 100 Z stake" in await c.say("alice", "heist 100")
        assert c.announcer.templates() == ["heist_start"]
        assert c.announcer.announcements[0]["context"] == {"user": "alice", "wager": 100, "seconds": 120}
        assert "You're in! Stake 100 Z. Crew: 2/3" in await c.say("bob", "heist join")
        assert "already in the crew" in await c.say("bob", "heist")
        assert (await c.balance("alice"), await c.balance("bob"), await c.balance(ESCROW)) == (900, 900, 200)
        assert "already being planned" in await c.say("bob", "heist 50")  # one per channel
        escrows = (await c.request("gambling.escrows"))["data"]
        assert (escrows["heists"], escrows["escrowed"]) == (1, 200)


async def test_join_window_closes(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist=ON) as c:
        await crew(c, "alice", "bob")
        assert "No heist is being planned" in await c.say("bob", "heist join")
        await c.say("alice", "heist 100")
        clock.advance(120)
        assert "Too late" in await c.say("bob", "heist join")
        assert await c.balance("bob") == 1000


async def test_join_passes_the_same_gate(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist=ON, min_account_age_minutes=30) as c:
        await crew(c, "alice")
        await crew(c, "poor", amount=10)
        clock.advance(minutes=30)
        await crew(c, "fresh", "banned")
        await c.ban("banned")
        await c.say("alice", "heist 100")
        assert "30 more minutes" in await c.say("fresh", "heist join")
        assert "restricted" in await c.say("banned", "heist join")
        assert "don't have enough" in await c.say("poor", "heist join")


async def test_successful_heist_pays_each_member(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist=ON) as c:
        await crew(c, "alice", "bob", "carol")
        await c.say("alice", "heist 100")
        await c.say("bob", "heist join")
        await c.say("carol", "heist")
        c.rng.force(SUCCESS)
        assert await c.tick(120) == 1
        for name in ("alice", "bob", "carol"):
            assert await c.balance(name) == 1050  # stake 100 -> 150
            assert any("The heist worked! You got 150 Z" in m for m in c.announcer.to(name))
            stats = (await c.request("gambling.stats", user=name))["data"]
            assert (stats["heists"], stats["net"], stats["biggest_win"]) == (1, 50, 50)
        assert await c.balance(ESCROW) == 0
        assert c.announcer.templates() == ["heist_start", "heist_success"]
        assert c.announcer.announcements[-1]["context"] == {"crew": "alice, bob, carol", "count": 3, "amount": 450}
        assert await c.tick(60) == 0
        assert (await c.audit())["ok"]


async def test_failed_heist_loses_every_stake(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist=ON) as c:
        await crew(c, "alice", "bob", "carol")
        await c.say("alice", "heist 100")
        await c.say("bob", "heist join")
        await c.say("carol", "heist join")
        c.rng.force(FAILURE)
        await c.tick(120)
        assert [await c.balance(n) for n in ("alice", "bob", "carol", ESCROW)] == [900, 900, 900, 0]
        assert c.announcer.templates()[-1] == "heist_failed"
        assert c.announcer.announcements[-1]["context"]["amount"] == 300
        assert (await c.request("gambling.stats", user="bob"))["data"]["biggest_loss"] == 100


async def test_too_small_a_crew_is_refunded(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist=ON) as c:
        await crew(c, "alice", "bob")
        await c.say("alice", "heist 100")
        await c.say("bob", "heist join")
        await c.tick(120)
        assert [await c.balance(n) for n in ("alice", "bob", ESCROW)] == [1000, 1000, 0]
        assert any("called off: a crew of 2, 3 needed" in m for m in c.announcer.to("bob"))
        assert c.announcer.templates()[-1] == "heist_cancelled"
        assert (await c.request("gambling.stats", user="alice"))["data"]["heists"] == 0
        assert (await c.account("alice"))["lifetime_gambled_in"] == 0
        assert "Heist planned" in await c.say("bob", "heist 20")  # the channel is free again


async def test_member_banned_during_the_window_gets_the_stake_back(tmp_path: Path, bus: InMemoryBus,
                                                                   clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist={**ON, "min_participants": 2}) as c:
        await crew(c, "alice", "bob", "carol")
        await c.say("alice", "heist 100")
        await c.say("bob", "heist join")
        await c.say("carol", "heist join")
        await c.ban("carol")
        c.rng.force(SUCCESS)
        await c.tick(120)
        assert [await c.balance(n) for n in ("alice", "bob", "carol", ESCROW)] == [1050, 1050, 1000, 0]
        assert any("went ahead without you" in m for m in c.announcer.to("carol"))
        assert (await c.audit())["ok"]
