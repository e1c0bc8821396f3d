"""Spending scenarios (sprint 9 §7.2): a gambling cycle, search and queue, a tip, a bounty's life cycle.

All five services in one process; balances derived from the config the test wrote; a clean audit at the end.
"""

from __future__ import annotations

from pathlib import Path

from economy_shared.clock import FakeClock
from tests.integration.integration_kit import ADMIN, running

# One row: every spin pays half the wager back (a house edge of 50 %), so the outcome is known.
ONE_ROW = {"payouts": [{"symbol": "🍒", "multiplier": 0.5, "probability": 1.0}], "cooldown_seconds": 0}


async def test_gambling_cycle_spin_flip_and_stats(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 0},
                       gambling={"spin": ONE_ROW, "flip": {"cooldown_seconds": 0}}) as eco:
        g = eco.config.gambling
        start = 1_000
        await eco.fund("alice", start)
        wager = 2 * g.spin.min_wager
        paid = int(wager * g.spin.payouts[0].multiplier)
        reply = await eco.say("alice", f"spin {wager}")
        assert reply.startswith("🎰 ") and f"{paid - wager:+,}".replace("+", "") in reply, reply
        expected = start - wager + paid
        assert await eco.balance("alice") == expected

        eco.rng.force(0.0)  # below win_chance: heads, a win
        flip = g.flip.min_wager
        reply = await eco.say("alice", f"flip {flip}")
        assert reply.startswith("🪙 Heads!"), reply
        expected += int(flip * g.flip.payout_multiplier) - flip
        assert await eco.balance("alice") == expected

        eco.rng.force(0.999)  # a loss
        reply = await eco.say("alice", f"flip {flip}")
        assert reply.startswith("🪙 Tails!"), reply
        expected -= flip
        assert await eco.balance("alice") == expected

        stats = await eco.say("alice", "stats")
        assert "🎲" in stats or "Spins" in stats, stats
        account = await eco.account("alice")
        assert account["lifetime_gambled_in"] == wager + 2 * flip
        assert account["lifetime_gambled_out"] == paid + int(flip * g.flip.payout_multiplier)
        await eco.audit()


async def test_search_and_queue_a_catalog_item(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 0}) as eco:
        tier = eco.config.spending.queue_tiers[0]  # the Cat Video is 2 minutes long
        start = tier.cost + 100
        await eco.fund("alice", start)
        found = await eco.say("alice", "search cat")
        assert '"Cat Video"' in found and "id short01" in found and f"{tier.cost:,} Z" in found, found
        assert await eco.balance("alice") == start  # searching is free
        reply = await eco.say("alice", "queue short01")
        assert 'Queued "Cat Video"' in reply, reply
        adds = eco.bus.robot_commands("addvideo")
        assert len(adds) == 1 and "short01" in adds[0]["args"]["id"], adds
        assert await eco.balance("alice") == start - tier.cost
        assert any('alice just queued "Cat Video"' in c for c in eco.chats()), eco.chats()
        refused = await eco.say("alice", "queue ep30")  # the cooldown: nothing charged, nothing added
        assert "cooldown" in refused.lower(), refused
        assert await eco.balance("alice") == start - tier.cost
        assert len(eco.bus.robot_commands("addvideo")) == 1
        await eco.audit()


async def test_tip_between_two_users(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 0}) as eco:
        await eco.fund("Alice", 1_000)
        await eco.fund("Bob", 10)
        reply = await eco.say("alice", "tip @bob 300")
        assert "💸 You tipped Bob 300 Z." in reply, reply
        told = await eco.inbox("bob")
        assert any("🎁 Alice tipped you 300 Z! Your balance: 310 Z." in m for m in told), told
        assert (await eco.balance("alice"), await eco.balance("bob")) == (1_000 - 300, 10 + 300)
        refused = await eco.say("alice", "tip @bob 4000")  # more than she has: nothing moves
        assert "you have 700 Z" in refused, refused
        assert (await eco.balance("alice"), await eco.balance("bob")) == (700, 310)
        await eco.audit()


async def test_bounty_life_cycle(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 0}) as eco:
        amount = eco.config.bounties.min_amount * 2
        await eco.fund("Alice", 5 * amount)
        await eco.fund("Bob", 10)
        reply = await eco.say("alice", f'bounty {amount} "find the director\'s cut"')
        assert f"📌 Bounty #1 created: {amount:,} Z" in reply, reply
        assert await eco.balance("alice") == 4 * amount
        assert await eco.balance("~escrow:bounties") == amount
        listing = await eco.say("bob", "bounties")
        assert f"#1 — {amount:,} Z — find the director's cut" in listing, listing
        refused = await eco.say("bob", "claim_bounty 1 @bob")
        assert "for channel admins" in refused, refused
        claimed = await eco.say(ADMIN, "claim_bounty 1 @bob")
        assert "#1" in claimed, claimed
        assert await eco.balance("bob") == 10 + amount
        assert await eco.balance("~escrow:bounties") == 0
        assert any("#1" in m for m in await eco.inbox("alice"))  # the creator is told
        again = await eco.say(ADMIN, "claim_bounty 1 @bob")  # paid once
        assert await eco.balance("bob") == 10 + amount, again
        await eco.audit()
