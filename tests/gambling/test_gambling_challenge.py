"""Challenges: escrowed stakes, accept/decline/withdraw/expiry, rake, target rules (sprint 4 §7 test_challenge)."""

from __future__ import annotations

from pathlib import Path

from test_gambling_kit import ESCROW, Casino, running

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus

CHALLENGER_WINS, TARGET_WINS = 0.3, 0.7


async def duo(c: Casino, alice: int = 1000, bob: int = 1000) -> None:
    await c.fund("alice", alice)
    await c.fund("Bob", bob)


async def test_challenge_escrows_the_stake_and_invites_the_target(tmp_path: Path, bus: InMemoryBus,
                                                                  clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await duo(c)
        reply = await c.say("alice", "challenge @bob 100")
        assert "Challenge sent to Bob for 100 Z" in reply and "900 Z" in reply
        assert await c.balance("alice") == 900
        assert await c.balance(ESCROW) == 100
        [invite] = c.announcer.to("bob", unsolicited=True)
        assert "alice challenges you" in invite and "accept" in invite and "120s" in invite
        assert (await c.audit())["ok"]


async def test_accept_settles_both_stakes_and_the_rake_in_one_request(tmp_path: Path, bus: InMemoryBus,
                                                                      clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await duo(c)
        await c.say("alice", "challenge bob 100")
        c.rng.force(CHALLENGER_WINS)
        reply = await c.say("BOB", "accept")
        assert "alice won this one. -100 Z" in reply and "900 Z" in reply
        assert await c.balance("alice") == 1000 - 100 + 190  # pot 200, 5 % rake = 10
        assert await c.balance("bob") == 900
        assert await c.balance(ESCROW) == 0
        assert any("You beat Bob! You take 190 Z (+90 Z net, house rake 10 Z)" in m for m in c.announcer.to("alice"))
        [ann] = c.announcer.announcements
        assert ann["template"] == "challenge_result"
        assert (ann["context"]["winner"], ann["context"]["amount"], ann["context"]["rake"]) == ("alice", 190, 10)
        alice, bob = await c.account("alice"), await c.account("bob")
        assert (alice["lifetime_earned"], alice["lifetime_gambled_in"], alice["lifetime_gambled_out"]) == (0, 100, 190)
        assert (bob["lifetime_gambled_in"], bob["lifetime_gambled_out"]) == (100, 0)
        stats = (await c.request("gambling.stats", user="bob"))["data"]
        assert (stats["challenges"], stats["net"], stats["biggest_loss"]) == (1, -100, 100)
        assert (await c.audit())["ok"]


async def test_target_can_win(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, challenge={"rake_percent": 0, "announce_public": False}) as c:
        await duo(c)
        await c.say("alice", "challenge bob 100")
        c.rng.force(TARGET_WINS)
        reply = await c.say("bob", "accept")
        assert "You beat alice! You take 200 Z (+100 Z net)" in reply
        assert (await c.balance("alice"), await c.balance("bob")) == (900, 1100)
        assert c.announcer.announcements == []


async def test_creation_rules(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await duo(c, bob=60)
        await c.fund("Carol", 1000)
        await c.fund("dave", 1000)
        assert "can't challenge yourself" in await c.say("alice", "challenge @ALICE 100")
        assert "doesn't play" in await c.say("alice", "challenge OtherBot 100")
        assert "don't know anyone called ghost" in await c.say("alice", "challenge ghost 100")
        assert (await c.account("ghost"))["found"] is False
        assert "Bob can't cover 100 Z" in await c.say("alice", "challenge bob 100")
        assert "Minimum challenge wager: 50 Z" in await c.say("alice", "challenge carol 10")
        assert "Usage: challenge @user <wager>" in await c.say("alice", "challenge carol")
        assert "Challenge sent" in await c.say("alice", "challenge 100 @carol")  # either order
        assert "already have a challenge open" in await c.say("alice", "challenge carol 60")
        assert "already have a challenge open" in await c.say("carol", "challenge alice 60")  # both ways
        await c.ban("dave")
        assert "dave can't gamble right now" in await c.say("alice", "challenge dave 100")
        assert await c.balance("alice") == 900


async def test_decline_refunds_and_tells_the_challenger(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await duo(c)
        await c.say("alice", "challenge bob 100")
        assert "You declined alice's challenge" in await c.say("bob", "decline")
        assert await c.balance("alice") == 1000 and await c.balance(ESCROW) == 0
        assert any("Bob declined your challenge; your 100 Z is back" in m for m in c.announcer.to("alice"))
        acct = await c.account("alice")
        # a refund is a returned stake, never an earning: decline loops cannot farm rank
        assert (acct["lifetime_earned"], acct["lifetime_gambled_in"], acct["lifetime_gambled_out"]) == (0, 0, 0)
        assert "No challenge is waiting" in await c.say("bob", "accept")
        assert "no open challenge" in await c.say("bob", "decline")
        assert (await c.request("gambling.stats", user="alice"))["data"]["challenges"] == 0


async def test_challenger_can_withdraw(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await duo(c)
        await c.say("alice", "challenge bob 100")
        assert "You withdrew your challenge to Bob" in await c.say("alice", "decline")
        assert await c.balance("alice") == 1000
        assert any("alice withdrew" in m for m in c.announcer.to("bob"))


async def test_expiry_refunds_and_tells_both(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await duo(c)
        await c.say("alice", "challenge bob 100")
        assert await c.tick(119) == 0
        assert await c.balance("alice") == 900
        assert await c.tick(1) == 1
        assert await c.balance("alice") == 1000 and await c.balance(ESCROW) == 0
        assert any("didn't answer your challenge in time" in m for m in c.announcer.to("alice"))
        assert any("The challenge from alice expired" in m for m in c.announcer.to("bob"))
        assert await c.tick(60) == 0  # refunded exactly once
        assert await c.balance("alice") == 1000


async def test_accept_after_timeout_refunds(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await duo(c)
        await c.say("alice", "challenge bob 100")
        clock.advance(121)  # the loop has not run yet
        assert "expired; they got their stake back" in await c.say("bob", "accept")
        assert (await c.balance("alice"), await c.balance("bob")) == (1000, 1000)


async def test_target_who_can_no_longer_cover_keeps_the_challenge_open(tmp_path: Path, bus: InMemoryBus,
                                                                       clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await duo(c, bob=100)
        await c.say("alice", "challenge bob 100")
        await c.fund("bob", -50)  # an admin deduction after the challenge was made
        assert "don't have enough" in await c.say("bob", "accept")
        await c.fund("bob", 50)
        c.rng.force(TARGET_WINS)
        assert "You beat alice" in await c.say("bob", "accept")
        assert (await c.balance("alice"), await c.balance("bob")) == (900, 190)


async def test_target_passes_the_same_gate_on_accept(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, min_account_age_minutes=60) as c:
        await c.fund("alice", 1000)
        clock.advance(minutes=60)
        await c.fund("newbie", 1000)  # a fresh alt: its account is one minute old
        clock.advance(minutes=1)
        assert "Challenge sent" in await c.say("alice", "challenge newbie 100")
        assert "59 more minutes" in await c.say("newbie", "accept")
        await c.ban("newbie")
        assert "restricted" in await c.say("newbie", "accept")
        assert await c.balance("newbie") == 1000 and await c.balance(ESCROW) == 100


async def test_accept_a_named_challenger(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await duo(c)
        await c.fund("carol", 1000)
        await c.say("alice", "challenge bob 100")
        await c.say("carol", "challenge bob 200")
        c.rng.force(TARGET_WINS)
        assert "You beat carol! You take 380 Z" in await c.say("bob", "accept @carol")
        assert await c.balance("alice") == 900  # alice's challenge is still waiting
        assert "You declined alice's challenge" in await c.say("bob", "decline")
