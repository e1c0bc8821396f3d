"""Effective AFK (DECISIONS 9): CyTube's flag OR ``afk_threshold_minutes`` without chat → base rate only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from economy_presence.idle import effective_afk
from economy_presence.sessions import Session
from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.presence.gate_kit import gated, minutes, presence_z
from tests.presence.test_chat_support import join, say
from tests.presence.test_timed_helpers import tick

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _present() -> dict[str, Session]:
    return {"a": Session("A", T0), "b": Session("B", T0, last_active=T0 + timedelta(minutes=3)),
            "c": Session("C", T0, afk=True)}


def test_idle_at_the_threshold_is_afk_and_chat_resets_it() -> None:
    view = effective_afk(_present(), T0 + timedelta(minutes=5), 5)
    assert {k: s.afk for k, s in view.items()} == {"a": True, "b": False, "c": True}
    assert (view["a"].display, view["a"].started, view["a"].rank) == ("A", T0, 0)  # the rest reads through
    later = effective_afk(_present(), T0 + timedelta(minutes=8), 5)
    assert later["b"].afk  # 5 minutes after b's last line


def test_nobody_idle_and_threshold_zero_return_the_sessions_themselves() -> None:
    present = _present()
    view = effective_afk(present, T0 + timedelta(minutes=4, seconds=59), 5)
    assert all(view[k] is s for k, s in present.items())
    assert effective_afk(present, T0 + timedelta(days=1), 0) is present  # 0: only CyTube's flag
    assert not present["a"].afk  # the view never touches the sessions


async def test_silent_user_drops_to_base_rate_and_chat_brings_the_bonus_back(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    async with gated(tmp_path, bus, clock, presence={"afk_threshold_minutes": 5}) as (stack, presence):
        await join(stack, "alice")
        await tick(stack, presence, 4)  # minutes 1..4: active (3 Z each)
        assert await presence_z(stack, "alice") == 12
        await tick(stack, presence)  # minute 5: five minutes without a line → base only
        await tick(stack, presence)
        assert await presence_z(stack, "alice") == 12 + 1 + 1
        assert await minutes(presence, "alice") == (6, 4)  # present 6, active 4: the same effective AFK
        await say(stack, "alice", "hi")
        await tick(stack, presence)
        assert await presence_z(stack, "alice") == 14 + 3
        assert await minutes(presence, "alice") == (7, 5)


async def test_threshold_zero_only_the_cytube_flag_counts(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with gated(tmp_path, bus, clock, presence={"afk_threshold_minutes": 0}) as (stack, presence):
        await join(stack, "alice")
        await tick(stack, presence, 20)
        assert await presence_z(stack, "alice") == 60
        await stack.event("setAFK", {"name": "alice", "afk": True})
        await tick(stack, presence)
        assert await presence_z(stack, "alice") == 61


async def test_the_flag_still_counts_while_chatting(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with gated(tmp_path, bus, clock, presence={"afk_threshold_minutes": 5}) as (stack, presence):
        await join(stack, "alice")
        await stack.event("setAFK", {"name": "alice", "afk": True})
        await tick(stack, presence)
        assert await presence_z(stack, "alice") == 1


async def test_ignored_users_and_the_bot_do_not_count_as_activity(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    async with gated(tmp_path, bus, clock, presence={"afk_threshold_minutes": 2}) as (stack, presence):
        await join(stack, "alice")
        await tick(stack, presence, 2)
        await say(stack, "OtherBot", "hello alice")  # an ignored user
        await say(stack, "alice", "   ")  # an empty line is no activity
        await tick(stack, presence)
        assert await presence_z(stack, "alice") == 3 + 1 + 1
        assert presence.books["testchan"].sessions["alice"].last_active is None
