"""Progression scenarios (sprint 9 §7.2): rank promotion, an achievement, the day's competition, a multiplier.

All five services in one process; balances derived from the config the test wrote; a clean audit at the end.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from economy_shared.clock import FakeClock
from tests.integration.integration_kit import ADMIN, running

RANKS = {"tiers": [{"name": "Extra", "min_lifetime_earned": 0}, {"name": "Grip", "min_lifetime_earned": 50}]}


async def test_rank_promotion_is_told_and_announced(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 10}, ranks=RANKS,
                       cytube_promotion={"min_rank": "Grip"}) as eco:
        rate = int(eco.config.presence.base_rate_per_minute)
        grip = eco.config.ranks.tiers[1]
        below = grip.min_lifetime_earned // rate - 1
        await eco.join("alice")
        await eco.minutes(below)
        assert not any("is now a Grip" in c for c in eco.chats())
        await eco.minutes(1)  # crosses the threshold
        assert (await eco.account("alice"))["rank_name"] == grip.name
        assert any("You're now a Grip." in m for m in await eco.inbox("alice"))
        assert sum("alice is now a Grip!" in c for c in eco.chats()) == 1
        await eco.minutes(3)  # no second promotion
        assert sum("is now a Grip" in c for c in eco.chats()) == 1
        assert await eco.balance("alice") == (below + 4) * rate
        reply = await eco.say("alice", "rank")
        assert "Grip" in reply
        await eco.audit()


ACHIEVEMENT = {"id": "chatty_three", "description": "Said three things", "reward": 25, "hidden": False,
               "announce_public": True, "condition": {"type": "lifetime_messages", "threshold": 3}}


async def test_achievement_awarded_once_with_a_pm(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 1}, achievements=[ACHIEVEMENT]) as eco:
        goal = eco.config.achievements[0]
        rate = int(eco.config.presence.base_rate_per_minute)
        await eco.join("alice")
        await eco.minutes(1)  # stats never open an account: a minute present does
        for i in range(int(goal.condition.threshold) - 1):
            await eco.chat("alice", f"message {i}")
        await eco.presence.stat_reporter.report_once()
        await eco.stack.settle()
        assert await eco.earned("alice", "achievement.") == []
        await eco.chat("alice", "the one that counts")
        await eco.presence.stat_reporter.report_once()
        await eco.stack.settle()
        assert await eco.earned("alice", f"achievement.{goal.id}") == [goal.reward]
        inbox = await eco.inbox("alice")
        assert sum(f"Achievement unlocked: {goal.description} (+{goal.reward} Z)" in m for m in inbox) == 1, inbox
        for i in range(3):  # more messages, more reports: never again
            await eco.chat("alice", f"more {i}")
            await eco.presence.stat_reporter.report_once()
        await eco.stack.settle()
        assert await eco.earned("alice", "achievement.") == [goal.reward]
        assert not any("Achievement unlocked" in m for m in await eco.inbox("alice"))
        assert sum(f"alice unlocked {goal.description}!" in c for c in eco.chats()) == 1
        assert await eco.balance("alice") == rate + goal.reward
        await eco.audit()


COMPETITION = {"id": "chatterbox", "description": "Sent 2+ messages today", "reward": 20,
               "condition": {"type": "daily_threshold", "field": "messages_sent", "threshold": 2}}


async def test_competition_paid_once_after_the_day_ends(tmp_path: Path, clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 5, 23, 0, tzinfo=UTC))
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 0}, daily_competitions=[COMPETITION]) as eco:
        comp = eco.config.daily_competitions[0]
        await eco.join("alice", "bob")
        for i in range(int(comp.condition.threshold)):
            await eco.chat("alice", f"hello {i}")
        await eco.chat("bob", "just once")  # below the threshold
        await eco.end_of_day()  # still the same day: nothing is due
        assert await eco.earned("alice", "competition.") == []
        clock.set(datetime(2026, 1, 6, 0, 0, 30, tzinfo=UTC) + timedelta(seconds=1))
        await eco.end_of_day()
        assert await eco.earned("alice", f"competition.{comp.id}") == [comp.reward]
        assert await eco.earned("bob", "competition.") == []
        told = await eco.inbox("alice")
        assert sum(f"🥇 {comp.description}: +{comp.reward} Z" in m for m in told) == 1, told
        assert sum("Daily competition results (2026-01-05)" in c for c in eco.chats()) == 1, eco.chats()
        await eco.end_of_day()  # run again (a restart's catch-up): paid once
        assert await eco.earned("alice", "competition.") == [comp.reward]
        assert not await eco.inbox("alice")
        assert sum("Daily competition results" in c for c in eco.chats()) == 1
        assert await eco.balance("alice") == comp.reward
        await eco.audit()


async def test_admin_event_doubles_the_next_minute(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 3}) as eco:
        rate = int(eco.config.presence.base_rate_per_minute)
        await eco.join("alice")
        await eco.minutes(1)
        assert await eco.balance("alice") == rate
        refused = await eco.say("alice", 'event start 2 30 "Double"')
        assert "for channel admins" in refused
        reply = await eco.say(ADMIN, 'event start 2 30 "Double"')
        assert "Double started: 2× earning for 30 min." in reply
        assert any("Double has started" in c for c in eco.chats())
        await eco.minutes(1)
        assert await eco.earned("alice", "presence.base") == [rate, 2 * rate]
        assert await eco.balance("alice") == 3 * rate
        await eco.audit()
