"""DECISIONS 20 at the last gate: no line the bot says in public chat starts with '/' (a CyTube
command run at the bot's rank), whatever the text, the split, the batch merge or the separator."""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from announcer_kit import announcer_config
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from economy_announcer.metrics import AnnouncerMetrics
from economy_announcer.outbox import Line, Outbox, Policy
from economy_announcer.sender import Sender
from economy_shared.clock import FakeClock
from economy_shared.pm.text import split_message
from economy_shared.schemas.announcer import Priority

CH = "testchan"
CONFIG = announcer_config(Path("/nonexistent"))  # never opened: the sender only reads domains and pace


class RecordingRobot:
    def __init__(self) -> None:
        self.chats: list[str] = []
        self.pms: list[str] = []

    async def send_chat(self, channel: str, message: str, *, domain: str | None = None) -> str:
        self.chats.append(message)
        return "ok"

    async def send_pm(self, channel: str, username: str, message: str, *, domain: str | None = None) -> str:
        self.pms.append(message)
        return "ok"


def wired(policy: Policy) -> tuple[Outbox, Sender, RecordingRobot, AnnouncerMetrics]:
    clock = FakeClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    box = Outbox(lambda: policy, clock)
    robot = RecordingRobot()
    metrics = AnnouncerMetrics(CollectorRegistry())
    return box, Sender(box, robot, lambda: CONFIG, metrics), robot, metrics


def assert_safe(message: str) -> None:
    for line in message.split("\n"):
        assert line.strip(), repr(message)
        assert not line.startswith("/"), repr(message)
        assert not any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in line), repr(message)


@settings(max_examples=250, deadline=None)
@given(
    texts=st.lists(st.text(max_size=500), min_size=1, max_size=4),
    separator=st.text(max_size=10),  # batch_separator is operator config: up to 10 characters of anything
    max_length=st.integers(min_value=8, max_value=240),
    batch=st.booleans(),
)
def test_no_public_line_the_bot_sends_starts_with_a_slash(
    texts: list[str], separator: str, max_length: int, batch: bool
) -> None:
    policy = Policy(pace_seconds=0, public_cap_per_minute=10**6, batch_window_seconds=2.0,
                    batch_separator=separator, max_length=max_length, max_queue=10**6)
    box, sender, robot, _ = wired(policy)
    for text in texts:
        box.public(CH, text, dedup=False, batch=batch)
        box.public(CH, "/" + text, dedup=False, batch=batch)
    asyncio.run(sender.flush())
    for message in robot.chats:
        assert_safe(message)
        assert len(message) <= max_length


def test_a_split_continuation_line_that_starts_with_a_slash_is_cleaned() -> None:
    text = "x" * 235 + " /kick bob"
    assert split_message(text, 240)[1] == "/kick bob"  # the splitter alone would start a line with '/'
    box, sender, robot, _ = wired(Policy(pace_seconds=0))
    assert box.public(CH, text).chunks == 2
    asyncio.run(sender.flush())
    assert robot.chats == ["x" * 235, "kick bob"]


def test_a_batch_separator_cannot_start_a_line_with_a_slash() -> None:
    box, sender, robot, _ = wired(Policy(pace_seconds=0, batch_separator="\n/"))
    box.public(CH, "rain!", batch=True)
    box.public(CH, "kick bob", batch=True)
    asyncio.run(sender.flush())
    assert robot.chats == ["rain!\nkick bob"]


class QueuedAsIs:
    """Stands in for the outbox: hands the sender lines exactly as given, cleaned or not."""

    def __init__(self, lines: list[Line]) -> None:
        self._lines = lines

    def pop_all(self) -> list[Line]:
        lines, self._lines = self._lines, []
        return lines

    def depths(self) -> dict[str, int]:
        return {CH: len(self._lines)}


def test_the_sender_cleans_a_public_line_whatever_queued_it() -> None:
    """The outbox already cleans; the sender is the last gate in case a future path does not."""
    queued = QueuedAsIs([
        Line(CH, None, "/ban alice\n\u200b/kick bob", Priority.ANNOUNCE, 1, 0.0),
        Line(CH, None, " / /", Priority.ANNOUNCE, 2, 0.0),
        Line(CH, "alice", "/me is a pm, not a command", Priority.REPLY, 3, 0.0),
    ])
    robot = RecordingRobot()
    metrics = AnnouncerMetrics(CollectorRegistry())
    sender = Sender(queued, robot, lambda: CONFIG, metrics)  # type: ignore[arg-type]
    assert asyncio.run(sender.flush()) == 3
    assert robot.chats == ["ban alice\nkick bob"]
    assert robot.pms == ["/me is a pm, not a command"]  # a PM is not run as a command: left as written
    assert metrics.dropped.labels("empty")._value.get() == 1
    assert metrics.sent.labels("chat")._value.get() == 1
