"""The seed's full flow (sprint 9 §7.2 ``test_full_flow``; ARCHITECTURE §9 item 3), all five services in one
process: join → earn → chat → gamble → queue → tip → rank up → achievement → event → admin, plus a vanity
purchase (a title and a greeting) greeted on a later genuine arrival.

Every balance is tracked from the config the test wrote and checked after each step; the audit ends it.
"""

from __future__ import annotations

from pathlib import Path

from economy_shared.clock import FakeClock
from tests.integration.integration_kit import ADMIN, running

CONFIG = {
    "onboarding": {"welcome_wallet": 100},
    "presence": {"base_rate_per_minute": 100, "greeting_absence_minutes": 30, "join_debounce_minutes": 5},
    "chat_triggers": {"first_message_of_day": {"enabled": True, "reward": 5}},
    "ranks": {"tiers": [{"name": "Extra", "min_lifetime_earned": 0},
                        {"name": "Grip", "min_lifetime_earned": 1500}]},
    "cytube_promotion": {"min_rank": "Grip"},
    "achievements": [{"id": "two_words", "description": "Said two things", "reward": 25, "hidden": False,
                      "announce_public": False, "condition": {"type": "lifetime_messages", "threshold": 2}}],
    "gambling": {"spin": {"payouts": [{"symbol": "🍒", "multiplier": 0.5, "probability": 1.0}]}},
    "vanity_shop": {"custom_title": {"cost": 300}, "custom_greeting": {"cost": 200}},
}


async def test_full_flow(tmp_path: Path, clock: FakeClock) -> None:  # noqa: PLR0915 - one long story
    async with running(tmp_path, clock, **CONFIG) as eco:
        cfg = eco.config
        rate = int(cfg.presence.base_rate_per_minute)
        exp: dict[str, int] = {}

        async def check() -> None:
            for user, z in exp.items():
                assert await eco.balance(user) == z, (user, z, await eco.journal(user))

        # join: the welcome wallet, once each
        await eco.join("alice", "bob")
        exp = {"alice": cfg.onboarding.welcome_wallet, "bob": cfg.onboarding.welcome_wallet}
        await check()
        assert any("Welcome" in m for m in await eco.inbox("alice"))

        # earn: presence minutes
        await eco.minutes(5)
        exp = {u: z + 5 * rate for u, z in exp.items()}
        await check()

        # chat: the first message of the day pays
        await eco.chat("alice", "good evening everyone")
        exp["alice"] += cfg.chat_triggers.first_message_of_day.reward
        await check()

        # gamble: the one-row table pays half the wager back
        wager = cfg.gambling.spin.min_wager * 2
        assert (await eco.say("alice", f"spin {wager}")).startswith("🎰 ")
        exp["alice"] += int(wager * cfg.gambling.spin.payouts[0].multiplier) - wager
        await check()

        # queue: search, then queue the catalog item; the robot is asked to add it
        tier = cfg.spending.queue_tiers[0]
        assert '"Cat Video"' in await eco.say("alice", "search cat")
        assert 'Queued "Cat Video"' in await eco.say("alice", "queue short01")
        assert len(eco.bus.robot_commands("addvideo")) == 1
        exp["alice"] -= tier.cost
        await check()

        # tip
        tip = 45
        assert f"💸 You tipped bob {tip} Z." in await eco.say("alice", f"tip @bob {tip}")
        assert any(f"alice tipped you {tip} Z" in m for m in await eco.inbox("bob"))
        exp["alice"] -= tip
        exp["bob"] += tip
        await check()

        # rank up: earn past the Grip threshold; the promotion is told and announced once
        grip = cfg.ranks.tiers[1]
        earned = int((await eco.account("alice"))["lifetime_earned"])
        needed = -(-(grip.min_lifetime_earned - earned) // rate)
        assert needed > 1
        await eco.minutes(needed - 1)
        assert (await eco.account("alice"))["rank_name"] == cfg.ranks.tiers[0].name
        await eco.minutes(1)
        assert (await eco.account("alice"))["rank_name"] == grip.name
        exp = {u: z + needed * rate for u, z in exp.items()}
        await check()
        assert any("You're now a Grip." in m for m in await eco.inbox("alice"))
        assert sum("alice is now a Grip!" in c for c in eco.chats()) == 1

        # achievement: the second message, reported by presence, unlocks it once
        goal = cfg.achievements[0]
        await eco.chat("alice", "and another thing")
        await eco.presence.stat_reporter.report_once()
        await eco.stack.settle()
        exp["alice"] += goal.reward
        await check()
        assert any(f"Achievement unlocked: {goal.description}" in m for m in await eco.inbox("alice"))

        # event: an admin doubles the next minute's pay for everyone present
        assert "Double started" in await eco.say(ADMIN, 'event start 2 30 "Double"')
        await eco.minutes(1)
        exp = {u: z + 2 * rate for u, z in exp.items()}
        await check()
        assert "Double stopped." in await eco.say(ADMIN, "event stop")

        # vanity: a title and a greeting, charged their configured price
        shop = cfg.vanity_shop
        bought = await eco.say("alice", "buy title Night Owl")
        assert bought.startswith("✅ Your title is now: Night Owl.") and f"{shop.custom_title.cost:,} Z" in bought
        bought = await eco.say("alice", "buy greeting Hello friends")
        assert bought.startswith("✅ Your greeting is now: Hello friends.")
        assert f"{shop.custom_greeting.cost:,} Z" in bought
        exp["alice"] -= shop.custom_title.cost + shop.custom_greeting.cost
        await check()

        # a later genuine arrival (away longer than the greeting window): greeted in chat, with the title
        await eco.leave("alice")
        clock.advance(minutes=cfg.presence.greeting_absence_minutes + 1)
        await eco.join("alice")
        for _ in range(3):  # the greeting notice runs in the background; the announcer batches for a moment
            clock.advance(cfg.announcements.batch_window_seconds + 1)
            await eco.stack.settle()
        greetings = [c for c in eco.chats() if "Hello friends" in c]
        assert len(greetings) == 1 and greetings[0].startswith("👋") and "Night Owl" in greetings[0], eco.chats()

        # admin: ban bob (he earns nothing, is refused a spin), then unban
        await eco.inbox("bob")  # bob's own rank-up notice and the like came earlier
        assert "bob is banned" in await eco.say(ADMIN, "ban @bob farming")
        assert any("frozen" in m for m in await eco.inbox("bob"))
        await eco.minutes(1)
        exp["alice"] += rate
        await check()
        assert await eco.pm("bob", f"spin {wager}") == ["⛔ Your economy access is restricted."]
        assert "bob is unbanned" in await eco.say(ADMIN, "unban bob")
        await eco.minutes(1)
        exp = {u: z + rate for u, z in exp.items()}
        await check()
        await eco.audit()
