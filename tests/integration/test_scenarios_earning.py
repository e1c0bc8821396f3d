"""The seed's earning scenarios (sprint 9 §7.2), all five services in one process.

Every balance is derived from the config the test wrote; every scenario ends with a clean ledger audit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from economy_shared.clock import FakeClock
from tests.integration.integration_kit import running


async def test_join_earn_check_balance(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 3}) as eco:
        await eco.join("alice")
        await eco.minutes(5)
        rate = eco.config.presence.base_rate_per_minute
        assert await eco.balance("alice") == 5 * rate
        reply = await eco.say("alice", "balance")
        assert f"💰 Balance: {int(5 * rate):,} Z" in reply
        await eco.audit()


async def test_chat_triggers_pay_as_configured(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 0}, chat_triggers={
        "first_message_of_day": {"enabled": True, "reward": 5},
        "long_message": {"enabled": True, "min_chars": 30, "reward": 2, "max_per_hour": 30},
    }) as eco:
        triggers = eco.config.chat_triggers
        await eco.join("alice")
        await eco.chat("alice", "hi")  # the first message of the day, short
        assert await eco.balance("alice") == triggers.first_message_of_day.reward
        await eco.chat("alice", "x" * triggers.long_message.min_chars)  # long, no longer the first
        await eco.chat("alice", "ok")  # short and not the first: nothing
        assert await eco.balance("alice") == triggers.first_message_of_day.reward + triggers.long_message.reward
        assert await eco.earned("alice", "chat.first_message_of_day") == [triggers.first_message_of_day.reward]
        assert await eco.earned("alice", "chat.long_message") == [triggers.long_message.reward]
        await eco.audit()


async def test_streak_across_two_utc_days(tmp_path: Path, clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 5, 23, 30, tzinfo=UTC))
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 1},
                       streaks={"daily": {"enabled": True, "min_presence_minutes": 15, "rewards": {2: 10, 3: 20}}},
                       ) as eco:
        daily = eco.config.streaks.daily
        await eco.join("alice")
        await eco.minutes(daily.min_presence_minutes)  # 23:45: day 1 counts
        assert await eco.earned("alice", "streak.") == []
        clock.set(datetime(2026, 1, 5, 23, 59, tzinfo=UTC))
        await eco.minutes(daily.min_presence_minutes)  # over midnight: day 2 counts, streak day 2
        assert await eco.earned("alice", "streak.day2") == [daily.rewards[2]]
        inbox = await eco.inbox("alice")
        assert sum("Day 2 streak" in m for m in inbox) == 1, inbox
        await eco.minutes(5)  # nothing pays twice
        assert await eco.earned("alice", "streak.") == [daily.rewards[2]]
        rate = eco.config.presence.base_rate_per_minute
        minutes = len(await eco.earned("alice", "presence.base"))
        assert minutes == 2 * daily.min_presence_minutes + 5
        assert await eco.balance("alice") == minutes * rate + daily.rewards[2]
        await eco.audit()
