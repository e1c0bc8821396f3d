"""Restarts and lost ledger replies: every stake is settled or refunded exactly once, the ledger audits clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_gambling_kit import ESCROW, Casino, ScriptedRng, gambling_config, running, start_casino

from economy_shared.clock import FakeClock
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.testing import InMemoryBus
from tests.helpers import Stack

HEIST = {"enabled": True, "min_participants": 2}


def lose_replies(c: Casino, suffix: str) -> None:
    """The ledger applies matching requests, but the first reply to each never arrives (a timeout after commit)."""
    real = c.gambling.ledger.post
    lost: set[str] = set()

    async def lossy(channel: str, key: str, postings: Any, **kwargs: Any) -> LedgerOutcome:
        outcome = await real(channel, key, postings, **kwargs)
        if suffix in key and key not in lost:
            lost.add(key)
            return LedgerOutcome.unavailable("timeout")
        return outcome

    c.gambling.ledger.post = lossy  # type: ignore[method-assign]


def ledger_down(c: Casino) -> Any:
    real = c.gambling.ledger.post

    async def down(*_: Any, **__: Any) -> LedgerOutcome:
        return LedgerOutcome.unavailable("no responders")

    c.gambling.ledger.post = down  # type: ignore[method-assign]
    return real


async def test_restart_with_open_challenge_and_heist(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    cfg = gambling_config(tmp_path, heist=HEIST)
    first = Stack(bus, cfg, clock)
    c = await start_casino(first)
    for name in ("alice", "bob", "carol", "dave"):
        await c.fund(name, 1000)
    await c.say("alice", "challenge bob 100")
    await c.say("carol", "heist 100")
    await c.say("dave", "heist join")
    assert await c.balance(ESCROW) == 300
    await first.close()
    await c.announcer.client.disconnect()

    clock.advance(300)  # both deadlines pass while the service is down
    rng = ScriptedRng()
    rng.force(0.3)  # the heist succeeds
    second = Stack(bus, cfg, clock)
    c2 = await start_casino(second, rng)
    try:
        await second.settle()
        assert [await c2.balance(n) for n in ("alice", "bob", "carol", "dave", ESCROW)] == [1000, 1000, 1050, 1050, 0]
        assert any("didn't answer your challenge in time" in m for m in c2.announcer.to("alice"))
        assert any("The heist worked" in m for m in c2.announcer.to("dave"))
        audit = await c2.audit()
        assert audit["ok"]
        rows = audit["journal_rows"]
        escrows = (await c2.request("gambling.escrows"))["data"]
        assert (escrows["challenges"], escrows["heists"], escrows["escrowed"]) == (0, 0, 0)
    finally:
        await second.close()
        await c2.announcer.client.disconnect()

    third = Stack(bus, cfg, clock)  # a further restart finds nothing left to do
    c3 = await start_casino(third)
    try:
        assert await c3.tick(60) == 0
        assert (await c3.audit())["journal_rows"] == rows
    finally:
        await third.close()
        await c3.announcer.client.disconnect()


async def test_lost_settlement_reply_is_replayed_not_repaid(tmp_path: Path, bus: InMemoryBus,
                                                            clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await c.fund("alice", 1000)
        await c.fund("bob", 1000)
        await c.say("alice", "challenge bob 100")
        lose_replies(c, ":settle")
        c.rng.force(0.3)
        assert "bank is slow" in await c.say("bob", "accept")
        assert (await c.balance("alice"), await c.balance("bob")) == (1090, 900)  # the ledger did apply it
        assert await c.tick(5) == 0  # not stale yet
        assert "already have a challenge open" in await c.say("alice", "challenge bob 50")
        assert await c.tick(15) == 1  # re-sent under the same key: a replay
        assert (await c.balance("alice"), await c.balance("bob"), await c.balance(ESCROW)) == (1090, 900, 0)
        assert any("alice won this one" in m for m in c.announcer.to("bob"))
        assert (await c.request("gambling.stats", user="alice"))["data"]["challenges"] == 1
        assert [k for _, _, k in await c.journal(["escrow"])] == ["escrow", "escrow"]  # in once, out once
        assert await c.tick(60) == 0
        assert (await c.audit())["ok"]


async def test_lost_spin_reply_settles_once_and_tells_the_user(tmp_path: Path, bus: InMemoryBus,
                                                               clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await c.fund("alice", 1000)
        lose_replies(c, "")
        c.rng.force(0.05)
        assert "bank is slow" in await c.say("alice", "spin 100")
        assert await c.tick(20) == 1
        assert await c.balance("alice") == 1100
        assert "WIN! +100 Z" in c.announcer.to("alice")[-1]
        assert len(await c.journal(["wager", "payout"])) == 2
        assert (await c.request("gambling.stats", user="alice"))["data"]["spins"] == 1


async def test_heist_waits_for_a_stake_in_flight(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist=HEIST) as c:
        await c.fund("alice", 1000)
        await c.fund("bob", 1000)
        await c.say("alice", "heist 100")
        real = ledger_down(c)
        assert "bank is slow" in await c.say("bob", "heist join")
        assert await c.tick(120) == 0  # due, but bob's stake is unconfirmed: the heist waits
        c.gambling.ledger.post = real  # type: ignore[method-assign]
        c.rng.force(0.9)  # the heist fails
        assert await c.tick(1) >= 1
        assert [await c.balance(n) for n in ("alice", "bob", ESCROW)] == [900, 900, 0]
        assert (await c.audit())["ok"]


async def test_restart_after_ledger_outage_at_challenge_time(tmp_path: Path, bus: InMemoryBus,
                                                             clock: FakeClock) -> None:
    cfg = gambling_config(tmp_path)
    first = Stack(bus, cfg, clock)
    c = await start_casino(first)
    await c.fund("alice", 1000)
    await c.fund("bob", 1000)
    ledger_down(c)
    assert "bank is slow" in await c.say("alice", "challenge bob 100")
    await first.close()
    await c.announcer.client.disconnect()

    second = Stack(bus, cfg, clock)
    c2 = await start_casino(second)
    try:
        await second.settle()
        assert await c2.balance("alice") == 900 and await c2.balance(ESCROW) == 100
        assert any("challenges you" in m for m in c2.announcer.to("bob"))
        assert any("Challenge sent to bob" in m for m in c2.announcer.to("alice"))
        c2.rng.force(0.7)
        assert "You beat alice" in await c2.say("bob", "accept")
        assert (await c2.audit())["ok"]
    finally:
        await second.close()
        await c2.announcer.client.disconnect()
