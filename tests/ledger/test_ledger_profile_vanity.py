"""``profile`` shows the vanity items the announcer reports (``announcer.vanity_get``, ~1 s), with the title
in the header; the line is left out, with no error, when the announcer is silent, slow, refusing, or the
user owns nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from economy_ledger.service import LedgerService
from economy_ledger.vanity_lookup import vanity_bits
from economy_shared.clock import FakeClock
from economy_shared.envelope import fail, ok
from economy_shared.schemas.vanity import VanityState
from economy_shared.subjects import PUBLIC_COMMAND, service_subject
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack, make_config

LEDGER = service_subject("ledger")
ANNOUNCER = service_subject("announcer")
LINE = "🎭 Title: Scream Queen · Colour: Hot Pink · Greeting ✓ · GIF ✓ · Currency: Bobux"
OWNED = {"user": "Alice", "greeting": "hi all", "title": "Scream Queen", "color_name": "Hot Pink",
         "color_hex": "#FF69B4", "gif_url": "https://x.example/a.gif", "currency_name": "Bobux"}


class FakeAnnouncer:
    """The announcer subject: ``vanity_get`` as configured, PMs recorded (the ledger's replies go here)."""

    def __init__(self, bus: InMemoryBus) -> None:
        self.owned: dict[str, dict[str, Any]] = {}
        self.mode = "answer"  # answer | refuse | slow
        self.pms: list[str] = []
        self.asked: list[str] = []
        bus.add_responder(ANNOUNCER, self.handle)

    async def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        cmd = req["command"]
        if cmd == "announcer.pm":
            self.pms.append(req["text"])
            return ok("announcer", cmd, {"queued": True, "chunks": 1, "reason": ""})
        if cmd != "announcer.vanity_get":
            return fail("announcer", cmd, "unknown_command", f"Unknown command: {cmd}")
        self.asked.append(req["user"])
        if self.mode == "refuse":
            return fail("announcer", cmd, "unknown_command", f"Unknown command: {cmd}")
        if self.mode == "slow":
            await asyncio.sleep(3)
        return ok("announcer", cmd, self.owned.get(req["user"].casefold(), {"user": req["user"]}))


@pytest.fixture
async def kit(tmp_path: Path) -> AsyncIterator[tuple[Stack, FakeAnnouncer]]:
    stack = Stack(InMemoryBus(), make_config(tmp_path, commands={"rate_limit_per_minute": 600}), FakeClock())
    announcer = FakeAnnouncer(stack.bus)
    await stack.add(LedgerService)
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": "fund:1",
                                     "postings": [{"user": "Alice", "amount": 1_200, "kind": "earn"},
                                                  {"user": "Bob", "amount": 50, "kind": "earn"}]})
    assert r["success"], r
    yield stack, announcer
    await stack.close()


async def profile(stack: Stack, user: str) -> dict[str, Any]:
    r = await stack.request(PUBLIC_COMMAND, {"command": "profile.get", "channel": CHANNEL, "username": user})
    assert r["success"] and r["data"]["found"], r
    return r["data"]


async def test_profile_shows_the_vanity_line_and_the_title(kit: tuple[Stack, FakeAnnouncer]) -> None:
    stack, announcer = kit
    announcer.owned["alice"] = OWNED
    data = await profile(stack, "ALICE")
    assert data["title"] == "Scream Queen" and data["vanity"] == LINE
    lines = data["text"].split("\n")
    assert lines[0] == "👤 Alice's profile — “Scream Queen”" and LINE in lines
    await stack.pm("alice", "profile")  # the PM word: the same text
    assert announcer.pms[-1] == data["text"]
    internal = await stack.request(LEDGER, {"command": "ledger.profile", "channel": CHANNEL, "user": "alice"})
    assert internal["data"]["vanity"] == LINE


async def test_profile_without_vanity_has_no_line(kit: tuple[Stack, FakeAnnouncer]) -> None:
    stack, announcer = kit
    data = await profile(stack, "bob")  # owns nothing
    assert announcer.asked == ["Bob"]
    assert (data["title"], data["vanity"]) == ("", "")
    assert data["text"].split("\n")[0] == "👤 Bob's profile" and "🎭" not in data["text"]
    announcer.mode = "refuse"  # an older announcer that does not know vanity_get
    announcer.owned["alice"] = OWNED
    data = await profile(stack, "alice")
    assert "🎭" not in data["text"] and "💰 Balance: 1,200 Z" in data["text"]


async def test_a_silent_or_slow_announcer_only_drops_the_line(kit: tuple[Stack, FakeAnnouncer]) -> None:
    stack, announcer = kit
    announcer.owned["alice"] = OWNED
    announcer.mode = "slow"
    started = time.monotonic()
    data = await profile(stack, "alice")
    assert time.monotonic() - started < 2.5  # ~1 s wait, not the announcer's 3 s
    assert data["vanity"] == "" and "🎭" not in data["text"] and data["balance"] == 1_200
    stack.bus.remove_responders([announcer.handle])  # down: no responders at all
    data = await profile(stack, "alice")
    assert data["vanity"] == "" and data["title"] == "" and "📈 Lifetime earned: 1,200 Z" in data["text"]


def test_the_line_names_only_what_is_owned() -> None:
    assert vanity_bits(VanityState(user="a")).line == ""
    assert vanity_bits(VanityState.model_validate(OWNED)).line == LINE
    bits = vanity_bits(VanityState(user="a", color_name="Mint", gif_pending="https://x.example/b.gif"))
    assert (bits.title, bits.line) == ("", "🎭 Colour: Mint · GIF ⏳")
