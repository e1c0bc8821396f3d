"""Custom greetings on a genuine arrival (greeter.py; seed §3, DECISIONS 20, 21)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from announcer_kit import CHANNEL, Running, announcer_config
from prometheus_client import CollectorRegistry

from economy_announcer.greeter import Greeter
from economy_announcer.metrics import AnnouncerMetrics
from economy_announcer.outbox import Line, Outbox
from economy_announcer.service import policy_of
from economy_announcer.voice import LocalVoice
from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig
from economy_shared.schemas.announcer import QueuedResult
from economy_shared.users import user_key

WINDOW = 30 * 60  # presence.greeting_absence_minutes, default


class FakeVanity:
    """A dict-backed VanityLookup (rows stored raw, as a hand-written row could be)."""

    def __init__(self, rows: dict[tuple[str, str], str] | None = None) -> None:
        self.rows = {(user_key(u), item): v for (u, item), v in (rows or {}).items()}

    def item(self, channel: str, user: str, item: str) -> str | None:
        return self.rows.get((user_key(user), item))


class Kit:
    def __init__(self, config: EconomyConfig, clock: FakeClock, vanity: FakeVanity) -> None:
        self.config, self.clock = config, clock
        self.metrics = AnnouncerMetrics(CollectorRegistry())
        self.outbox = Outbox(lambda: policy_of(self.config), clock)
        self.voice = LocalVoice(self.outbox, lambda: self.config, self.metrics, lambda: None)
        self.greeter = Greeter(vanity, self.voice, lambda: self.config, clock, self.metrics)

    def arrive(self, user: str, absent_seconds: float | None = None) -> tuple[bool, str]:
        result = self.greeter.on_arrival(CHANNEL, user, absent_seconds)
        return result.greeted, result.reason

    def chat(self, seconds: float = 120.0) -> list[str]:
        """Public lines sent over the next ``seconds`` of clock time, at the pace, holds and cap."""
        lines: list[Line] = []
        for _ in range(int(seconds * 2)):
            while (line := self.outbox.pop_ready()) is not None:
                lines.append(line)
            self.clock.advance(0.5)
        return [line.text for line in lines if line.user is None]

    def skipped(self, reason: str) -> float:
        return self.metrics.greetings_skipped.labels(reason)._value.get()


GREETINGS = {("Bob", "greeting"): "Boo! I'm back", ("Amy", "greeting"): "hi all", ("Cat", "greeting"): "meow"}


@pytest.fixture
def kit(tmp_path: Path, fake_clock: FakeClock) -> Kit:
    return Kit(announcer_config(tmp_path), fake_clock, FakeVanity(GREETINGS))


def test_greeted_after_the_absence_window(kit: Kit) -> None:
    assert kit.arrive("Bob", WINDOW) == (True, "")
    assert kit.chat() == ["👋 Bob: Boo! I'm back"]
    assert kit.metrics.greetings_posted._value.get() == 1


def test_a_first_ever_arrival_is_greeted(kit: Kit) -> None:
    assert kit.arrive("bob", None) == (True, "")
    assert kit.chat() == ["👋 bob: Boo! I'm back"]


def test_not_greeted_inside_the_window(kit: Kit) -> None:
    assert kit.arrive("Bob", WINDOW - 1) == (False, "too_soon")
    assert kit.chat() == []
    assert kit.skipped("too_soon") == 1


def test_not_greeted_without_a_greeting(kit: Kit) -> None:
    assert kit.arrive("Dan", None) == (False, "no_greeting")
    assert kit.chat() == []
    assert kit.metrics.greetings_posted._value.get() == 0


@pytest.mark.parametrize(
    "announcements",
    [{"templates": {"greeting": ""}}, {"gates": [{"template": "greeting", "enabled": False}]}, {"enabled": False}],
)
def test_not_greeted_when_the_template_is_off(
    tmp_path: Path, fake_clock: FakeClock, announcements: dict[str, Any]
) -> None:
    kit = Kit(announcer_config(tmp_path, **announcements), fake_clock, FakeVanity(GREETINGS))
    assert kit.arrive("Bob", None) == (False, "disabled")
    assert kit.chat() == []
    assert kit.skipped("disabled") == 1


def test_arrivals_in_the_batch_window_are_one_line_within_the_cap(tmp_path: Path, fake_clock: FakeClock) -> None:
    """The outbox's own announcement batching merges them; the merged line counts once against the cap."""
    config = announcer_config(tmp_path, public_cap_per_minute=1, batch_window_seconds=2.0)
    kit = Kit(config, fake_clock, FakeVanity({**GREETINGS, ("Eve", "greeting"): "evening"}))
    assert kit.arrive("Bob", None) == (True, "")
    fake_clock.advance(0.5)
    assert kit.arrive("Amy", None) == (True, "merged")
    fake_clock.advance(0.5)
    assert kit.arrive("Cat", WINDOW) == (True, "merged")
    sent = kit.chat(seconds=10)
    assert sent == ["👋 Bob: Boo! I'm back • 👋 Amy: hi all • 👋 Cat: meow"]
    assert len(sent[0]) <= config.commands.max_message_length
    # the cap (1 a minute) is used: a fourth arrival after the window is refused, not sent
    assert kit.arrive("Eve", None) == (False, "capped")
    assert kit.chat(seconds=10) == []
    assert kit.metrics.greetings_posted._value.get() == 3


def test_a_greeting_starting_with_a_slash_never_reaches_chat_as_a_command(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    rows = {("Bob", "greeting"): "/kick Amy\n/ban Cat", ("Amy", "greeting"): "  / /clear"}
    config = announcer_config(tmp_path, templates={"greeting": "{greeting}"})  # nothing in front of it
    seen: list[Mapping[str, Any]] = []
    kit = Kit(config, fake_clock, FakeVanity(rows))

    class Spy:
        def queue_announcement(self, channel: str, template: str, context: Mapping[str, Any]) -> QueuedResult:
            seen.append(context)
            return kit.voice.queue_announcement(channel, template, context)

    kit.greeter = Greeter(FakeVanity(rows), Spy(), lambda: config, fake_clock, kit.metrics)
    assert kit.arrive("Bob", None) == (True, "")
    assert seen[0]["greeting"] == "kick Amy /ban Cat"  # cleaned by the greeter itself, before any template
    assert kit.arrive("Amy", None) == (True, "merged")
    assert seen[1]["greeting"] == "clear"
    (line,) = kit.chat()
    assert not line.startswith("/") and "\n" not in line
    assert line == "kick Amy /ban Cat • clear"


def test_a_greeting_that_cleans_to_nothing_is_no_greeting(tmp_path: Path, fake_clock: FakeClock) -> None:
    kit = Kit(announcer_config(tmp_path), fake_clock, FakeVanity({("Bob", "greeting"): " // \u202e\x00"}))
    assert kit.arrive("Bob", None) == (False, "no_greeting")
    assert kit.chat() == []


def test_one_arrival_is_greeted_once_even_if_reported_twice(kit: Kit) -> None:
    assert kit.arrive("Bob", WINDOW) == (True, "")
    kit.clock.advance(90)  # past the batch hold and the dedup window: only the greeter's memory stops it
    assert kit.arrive("bob", WINDOW) == (False, "already_greeted")
    assert kit.chat() == ["👋 Bob: Boo! I'm back"]
    # a real return needs a whole window away, so it is greeted again
    kit.clock.advance(WINDOW)
    assert kit.arrive("Bob", WINDOW) == (True, "")
    assert kit.chat() == ["👋 Bob: Boo! I'm back"]


def test_the_bot_is_never_greeted(tmp_path: Path, fake_clock: FakeClock) -> None:
    kit = Kit(announcer_config(tmp_path), fake_clock, FakeVanity({("ZCoinBot", "greeting"): "I am the bot"}))
    assert kit.arrive("ZCoinBot", None) == (False, "ignored")


def test_the_window_follows_the_config(tmp_path: Path, fake_clock: FakeClock) -> None:
    kit = Kit(announcer_config(tmp_path), fake_clock, FakeVanity(GREETINGS))
    kit.config = kit.config.model_copy(
        update={"presence": kit.config.presence.model_copy(update={"greeting_absence_minutes": 5})}
    )
    assert kit.arrive("Bob", 5 * 60) == (True, "")
    assert kit.arrive("Amy", 5 * 60 - 1) == (False, "too_soon")


async def test_the_arrival_route_with_the_shops_store(running: Running) -> None:
    """Wired in the service to the shop's real VanityStore; bad input is refused."""
    ok = await running.request({"command": "announcer.arrival", "channel": CHANNEL, "user": "Bob",
                                "absent_seconds": 4000})
    assert ok["success"] and ok["data"] == {"greeted": False, "reason": "no_greeting"}
    store = running.service.vanity_store
    await store.set_item(CHANNEL, "Bob", "Bob", "greeting", "/me Boo! I'm back", None, 0)
    await store.set_item(CHANNEL, "Bob", "Bob", "title", "Scream Queen", None, 0)
    ok = await running.request({"command": "announcer.arrival", "channel": CHANNEL.upper(), "user": "bob",
                                "absent_seconds": 4000})
    assert ok["success"] and ok["data"] == {"greeted": True, "reason": ""}
    await running.service.flush()
    assert running.bus.chats() == ["👋 bob «Scream Queen»: me Boo! I'm back"]
    metrics = running.service.announcer_metrics
    assert metrics.greetings_posted._value.get() == 1
    assert metrics.greetings_skipped.labels("no_greeting")._value.get() == 1
    bad = await running.request({"command": "announcer.arrival", "channel": "nowhere", "user": "Bob"})
    assert not bad["success"] and bad["error_code"] == "bad_request"
    neg = await running.request({"command": "announcer.arrival", "channel": CHANNEL, "user": "Bob",
                                 "absent_seconds": -1})
    assert not neg["success"] and neg["error_code"] == "bad_request"


async def test_pms_through_the_service_use_the_personal_currency_name(running: Running) -> None:
    await running.service.vanity_store.set_item(CHANNEL, "Bob", "Bob", "currency_name", "Bobux", None, 0)
    for user in ("bob", "Amy"):
        r = await running.request({"command": "announcer.pm", "channel": CHANNEL, "user": user,
                                   "text": "💰 Balance: 10 Z (Z-Coins)"})
        assert r["success"] and r["data"]["queued"]
    await running.service.flush()
    assert running.bus.pms_to("Bob") == ["💰 Balance: 10 Z (Bobux)"]
    assert running.bus.pms_to("Amy") == ["💰 Balance: 10 Z (Z-Coins)"]
