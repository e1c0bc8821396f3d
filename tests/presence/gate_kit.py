"""Shared helpers for the idling / onboarding-minimum / nudge tests (no tests here)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.presence.test_chat_support import chat_config
from tests.presence.test_chat_support import start as start_chat
from tests.presence.test_timed_helpers import earnings

LONG = "this line is long enough to pay the long message trigger"


def gate_stack(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, **overrides: Any) -> Stack:
    """Presence pays 1 Z base + 2 Z active bonus a minute (3 active, 1 AFK); only the long-message trigger (5 Z)."""
    raw: dict[str, Any] = {
        "presence": {"base_rate_per_minute": 1, "active_bonus_per_minute": 2, "night_watch": {"enabled": False}},
        "onboarding": {"welcome_wallet": 0},
        "rain": {"enabled": False},
        "balance_maintenance": {"mode": "none"},
    }
    for k, v in overrides.items():
        raw[k] = {**raw[k], **v} if isinstance(v, dict) and isinstance(raw.get(k), dict) else v
    return Stack(bus, chat_config(tmp_path, "chat.long_message",
                                  chat_triggers={"long_message": {"reward": 5, "min_chars": 20}}, **raw), clock)


async def start(stack: Stack) -> PresenceService:
    return await start_chat(stack)


@asynccontextmanager
async def gated(tmp_path: Path, bus: InMemoryBus, clock: FakeClock,
                **overrides: Any) -> AsyncIterator[tuple[Stack, PresenceService]]:
    """``gate_stack`` with presence started, closed on the way out."""
    stack = gate_stack(tmp_path, bus, clock, **overrides)
    try:
        yield stack, await start(stack)
    finally:
        await stack.close()


async def presence_z(stack: Stack, user: str) -> int:
    """What ``user`` has earned from presence minutes so far."""
    return sum(amount for _trigger, amount in await earnings(stack, user, "presence."))


async def minutes(presence: PresenceService, user: str) -> tuple[int, int]:
    """(minutes present, minutes active) today, from presence's daily_presence."""
    row = await presence.database.fetchone(
        "SELECT SUM(minutes) AS m, SUM(active_minutes) AS a FROM daily_presence WHERE channel=? AND user_key=?",
        (CHANNEL, user.casefold()),
    )
    return (int(row["m"] or 0), int(row["a"] or 0)) if row else (0, 0)
