"""Onboarding minimums (eligibility.py): no presence earning before the minimum account age and message count."""

from __future__ import annotations

from pathlib import Path

from economy_presence.credit import NOT_ELIGIBLE, earning
from economy_shared.clock import FakeClock
from economy_shared.schemas.ledger import PostItem
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL
from tests.presence.gate_kit import LONG, gate_stack, gated, presence_z, start
from tests.presence.test_chat_support import join, say
from tests.presence.test_timed_helpers import audit_ok, balance, earnings, restart, tick


async def test_min_messages_block_tick_and_trigger_until_met(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    onboarding = {"welcome_wallet": 100, "min_messages_to_earn": 3}
    async with gated(tmp_path, bus, clock, onboarding=onboarding) as (stack, presence):
        await join(stack, "alice")
        await say(stack, "alice", LONG)  # message 1: the long-message trigger is refused
        await say(stack, "alice", LONG)  # message 2
        await tick(stack, presence, 2)
        assert await earnings(stack, "alice", "chat.") == []
        assert await presence_z(stack, "alice") == 0
        assert await balance(stack, "alice") == 100  # the welcome wallet is still paid
        assert presence.presence_metrics.gated_users.labels(CHANNEL)._value.get() == 1
        await say(stack, "alice", LONG)  # message 3: the bar is met by this very line
        await tick(stack, presence)
        assert await earnings(stack, "alice", "chat.") == [("chat.long_message", 5)]
        assert await presence_z(stack, "alice") == 3
        assert await audit_ok(stack)


async def test_min_account_age_unblocks_exactly_when_met(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with gated(tmp_path, bus, clock, onboarding={"min_account_age_minutes": 10}) as (stack, presence):
        await join(stack, "alice")
        await tick(stack, presence, 9)
        await say(stack, "alice", LONG)
        assert await presence_z(stack, "alice") == 0
        assert await earnings(stack, "alice", "chat.") == []
        await tick(stack, presence)  # minute 10: ten minutes since presence first saw alice
        assert await presence_z(stack, "alice") == 3


async def test_restart_keeps_first_seen_and_message_count(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = gate_stack(tmp_path, bus, clock, onboarding={"min_account_age_minutes": 6, "min_messages_to_earn": 2})
    try:  # not ``gated``: the restart replaces the stack, and the new one is the one to close
        presence = await start(stack)
        await join(stack, "alice")
        await say(stack, "alice", "one")
        await tick(stack, presence, 3)
        stack, presence = await restart(stack, ["alice"])
        presence.chat.flush_delay = 0.0
        await tick(stack, presence, 3)  # six minutes old now, but one message only
        assert await presence_z(stack, "alice") == 0
        await say(stack, "alice", "two")
        await tick(stack, presence)
        assert await presence_z(stack, "alice") == 3
    finally:
        await stack.close()


async def test_rain_and_any_batch_drop_gated_users_only(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with gated(tmp_path, bus, clock, onboarding={"min_messages_to_earn": 1}) as (stack, presence):
        await join(stack, "alice", "bob")
        await say(stack, "bob", "hello")
        items = [
            PostItem(idempotency_key="rain:test:1", postings=[earning("alice", 7, "rain.ambient"),
                                                                earning("bob", 7, "rain.ambient")]),
            PostItem(idempotency_key="rain:test:2", postings=[earning("alice", 7, "rain.ambient")]),
        ]
        outcomes = await presence.credits.post_items(CHANNEL, items, "rain")
        assert outcomes[0].applied and outcomes[1] is NOT_ELIGIBLE and outcomes[1].answered
        assert await earnings(stack, "bob", "rain.") == [("rain.ambient", 7)]
        assert await earnings(stack, "alice", "rain.") == []
        single = await presence.credits.credit(CHANNEL, "owed:x", earning("alice", 3, "streak.daily"), "streak")
        assert single is NOT_ELIGIBLE
        assert await audit_ok(stack)


async def test_defaults_off_gate_nothing(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with gated(tmp_path, bus, clock) as (stack, presence):
        assert not presence.gate.active
        await join(stack, "alice")
        await tick(stack, presence)
        assert await presence_z(stack, "alice") == 3


async def test_a_reload_raising_the_bar_judges_everyone_again(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    async with gated(tmp_path, bus, clock, onboarding={"min_messages_to_earn": 1}) as (stack, presence):
        await join(stack, "alice")
        await say(stack, "alice", "hi")
        await tick(stack, presence)
        assert await presence_z(stack, "alice") == 3
        raised = presence.config.model_copy(
            update={"onboarding": presence.config.onboarding.model_copy(update={"min_messages_to_earn": 2})})
        presence.config = raised
        await tick(stack, presence)
        assert await presence_z(stack, "alice") == 3  # one message is not two any more


async def test_admin_rain_is_a_grant_not_an_earning(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with gated(tmp_path, bus, clock, onboarding={"min_messages_to_earn": 5}) as (stack, presence):
        await join(stack, "alice", "bob")
        result = await presence.timed.admin_rain.rain(CHANNEL, "boss", 10)
        assert sum(result.paid.values()) == 10  # split exactly as the admin chose, gate or not
        assert await balance(stack, "alice") + await balance(stack, "bob") == 10
        assert await audit_ok(stack)


async def test_lines_that_are_not_messages_do_not_count(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with gated(tmp_path, bus, clock, onboarding={"min_messages_to_earn": 1}) as (stack, presence):
        await join(stack, "alice")
        await say(stack, "alice", "   ")  # blank: the chat engine does not count it either
        await say(stack, "ZCoinBot", "alice")  # the bot itself
        await stack.event("setAFK", {"name": "ghost", "afk": True})  # someone not here: nothing changes
        await tick(stack, presence)
        assert await presence_z(stack, "alice") == 0
        assert presence.gate.messages[CHANNEL].get("alice", 0) == 0
        assert "zcoinbot" not in presence.gate.messages[CHANNEL]
