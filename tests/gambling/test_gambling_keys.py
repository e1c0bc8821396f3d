"""Idempotency keys under stored refusals: a new attempt gets a new key; a retry keeps its key and its body.

The ledger stores a business refusal (banned, insufficient_funds) as the key's answer, so re-sending a
refused key is refused again even after the player got the money. Each case below would be refused
forever (or conflict) if the service re-used the refused key for the new attempt.
"""

from __future__ import annotations

from pathlib import Path

from test_gambling_kit import ESCROW, Casino, running

from economy_shared.clock import FakeClock
from economy_shared.ledger_outcome import Status
from economy_shared.testing import InMemoryBus

TARGET_WINS, CHALLENGER_WINS = 0.7, 0.3
HEIST = {"enabled": True, "min_participants": 2}
SUCCESS, LOSS = 0.3, 0.5


def spend_before(c: Casino, key_part: str, user: str, amount: int):  # noqa: ANN201
    """The first request whose key contains ``key_part`` finds ``user`` has just spent ``amount`` elsewhere."""
    tap = c.tap()

    async def spend() -> None:
        await c.fund(user, -amount)

    tap.before = (key_part, spend)
    return tap


async def test_target_who_could_not_pay_accepts_later_and_is_settled_once(tmp_path: Path, bus: InMemoryBus,
                                                                         clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await c.fund("alice", 1000)
        await c.fund("bob", 100)
        await c.say("alice", "challenge bob 100")
        tap = spend_before(c, ":settle", "bob", 60)  # the gate saw 100; the ledger sees 40
        c.rng.force(TARGET_WINS)
        assert "don't have enough" in await c.say("bob", "accept")
        [refused] = tap.keys(":settle")
        assert tap.sent[-1][2].insufficient
        assert (await c.balance("bob"), await c.balance(ESCROW)) == (40, 100)  # nothing moved, still open

        await c.fund("bob", 60)
        assert "You beat alice! You take 190 Z" in await c.say("bob", "accept")  # the kept draw
        first, second = tap.keys(":settle")
        assert first == refused and second != refused  # a new attempt, a new key
        assert tap.sent[-1][2].status is Status.APPLIED
        assert [await c.balance(n) for n in ("alice", "bob", ESCROW)] == [900, 190, 0]
        assert [a for u, a, _ in await c.journal(["wager"]) if u == "bob"] == [-100]  # bob's stake taken once
        assert [a for _, a, _ in await c.journal(["payout"])] == [190]
        assert (await c.request("gambling.stats", user="bob"))["data"]["challenges"] == 1
        assert await c.tick(60) == 0
        assert (await c.audit())["ok"]


async def test_a_retried_accept_attempt_keeps_its_key_and_body(tmp_path: Path, bus: InMemoryBus,
                                                               clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await c.fund("alice", 1000)
        await c.fund("bob", 100)
        await c.say("alice", "challenge bob 100")
        tap = spend_before(c, ":settle", "bob", 60)
        c.rng.force(CHALLENGER_WINS)
        assert "don't have enough" in await c.say("bob", "accept")
        await c.fund("bob", 60)
        tap.lose = ":settle:"  # the second attempt's answer is lost after the ledger applied it
        assert "bank is slow" in await c.say("bob", "accept")
        assert await c.tick(20) == 1  # the resolve pass re-sends the same attempt
        refused, attempt, retry = tap.keys(":settle")
        assert attempt == retry != refused
        assert tap.bodies(attempt)[0] == tap.bodies(attempt)[1]
        assert tap.sent[-1][2].status is Status.REPLAYED  # the ledger applied it once; the retry replays
        assert [await c.balance(n) for n in ("alice", "bob", ESCROW)] == [1090, 0, 0]
        assert any("alice won this one" in m for m in c.announcer.to("bob"))
        assert (await c.audit())["ok"]


async def test_a_refused_spin_does_not_block_the_next_one(tmp_path: Path, bus: InMemoryBus,
                                                          clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:  # 30 s spin cooldown
        await c.fund("alice", 100)
        tap = spend_before(c, "spin:", "alice", 50)
        c.rng.force(LOSS)
        assert "don't have enough" in await c.say("alice", "spin 100")
        await c.fund("alice", 50)
        c.rng.force(LOSS)
        assert "Loss -100 Z" in await c.say("alice", "spin 100")  # the void claim gave the cooldown back
        refused, played = tap.keys("spin:")
        assert refused != played
        assert await c.balance("alice") == 0
        assert (await c.request("gambling.stats", user="alice"))["data"]["spins"] == 1


async def test_heist_member_unbanned_before_the_retry_is_paid(tmp_path: Path, bus: InMemoryBus,
                                                              clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist=HEIST) as c:
        for name in ("alice", "bob", "carol"):
            await c.fund(name, 1000)
        await c.say("alice", "heist 100")
        await c.say("bob", "heist join")
        await c.say("carol", "heist join")
        tap = c.tap()
        await c.ban("carol")
        real_banned = c.gambling.ledger.banned
        asked: list[list[str]] = []

        async def ban_check_down(channel: str, users: list[str]) -> set[str] | None:
            asked.append(list(users))
            return None if len(asked) == 1 else await real_banned(channel, users)

        c.gambling.ledger.banned = ban_check_down  # type: ignore[method-assign]
        c.rng.force(SUCCESS)
        assert await c.tick(120) == 0  # refused (carol is banned), and who is banned cannot be told yet
        assert await c.balance(ESCROW) == 300
        await c.ban("carol", False)
        assert await c.tick(20) == 1  # the refused key replays its refusal; nobody is banned now: next round
        first, replayed, paid = tap.keys(":resolve")
        assert first == replayed != paid
        assert tap.sent[-2][2].replayed_refusal
        assert tap.bodies(first)[0] == tap.bodies(paid)[0]  # the same crew is paid, under a new key
        assert [await c.balance(n) for n in ("alice", "bob", "carol", ESCROW)] == [1050, 1050, 1050, 0]
        assert any("The heist worked" in m for m in c.announcer.to("carol"))
        assert await c.tick(60) == 0
        assert (await c.audit())["ok"]


async def test_heist_ban_refund_goes_out_under_a_new_key(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist=HEIST) as c:
        for name in ("alice", "bob", "carol"):
            await c.fund(name, 1000)
        await c.say("alice", "heist 100")
        await c.say("bob", "heist join")
        await c.say("carol", "heist join")
        tap = c.tap()
        await c.ban("carol")
        c.rng.force(SUCCESS)
        assert await c.tick(120) == 1
        refused, paid = tap.keys(":resolve")
        assert refused != paid and tap.sent[0][2].banned
        assert tap.bodies(refused)[0] != tap.bodies(paid)[0]  # carol's stake is handed back, not paid
        assert [await c.balance(n) for n in ("alice", "bob", "carol", ESCROW)] == [1050, 1050, 1000, 0]


async def test_lost_heist_settlement_answer_is_resent_unchanged(tmp_path: Path, bus: InMemoryBus,
                                                                clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, heist=HEIST) as c:
        for name in ("alice", "bob"):
            await c.fund(name, 1000)
        await c.say("alice", "heist 100")
        await c.say("bob", "heist join")
        tap = c.tap()
        tap.lose = ":resolve"
        c.rng.force(SUCCESS)
        assert await c.tick(120) == 0
        assert await c.tick(20) == 1
        sent, resent = tap.keys(":resolve")
        assert sent == resent and tap.bodies(sent)[0] == tap.bodies(sent)[1]
        assert tap.sent[-1][2].status is Status.REPLAYED
        assert [await c.balance(n) for n in ("alice", "bob", ESCROW)] == [1050, 1050, 0]
        assert sum("The heist worked" in m for m in c.announcer.to("bob")) == 1
