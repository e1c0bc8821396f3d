"""Unit tests of the outbox: priorities, fairness, pace, dedup, cap, batching, splitting, quiet mode."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from economy_announcer.outbox import Outbox, Policy, clean_public
from economy_shared.clock import FakeClock
from economy_shared.schemas.announcer import Priority

CH = "testchan"


def make(clock: FakeClock, quiet: set[str] | None = None, **policy: object) -> Outbox:
    pol = replace(Policy(), **policy)  # type: ignore[arg-type]
    quiet = quiet or set()
    return Outbox(lambda: pol, clock, lambda channel, user: user.casefold() in quiet)


def drain(box: Outbox) -> list[str]:
    out = []
    while (line := box.pop_ready()) is not None:
        out.append(line.text)
    return out


def drain_paced(box: Outbox, clock: FakeClock) -> list[tuple[float, str]]:
    """Everything, stepping the fake clock by what ``wait_seconds`` asks for; (seconds since start, text)."""
    start = clock.now().timestamp()
    out = []
    while (wait := box.wait_seconds()) is not None:
        clock.advance(wait)
        line = box.pop_ready()
        assert line is not None, "wait_seconds said a line was ready"
        out.append((round(clock.now().timestamp() - start, 3), line.text))
    return out


def test_replies_before_notifications_before_announcements(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0, batch_window_seconds=0)
    box.public(CH, "announcement")
    box.pm(CH, "alice", "notification", Priority.NOTIFY)
    box.pm(CH, "bob", "reply", Priority.REPLY)
    assert drain(box) == ["reply", "notification", "announcement"]


def test_round_robin_between_users_keeps_each_users_chunks_in_order(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0, max_length=40)
    long_reply = "\n".join(f"line {i} of a long help text" for i in range(4))
    box.pm(CH, "alice", long_reply)
    box.pm(CH, "bob", "short answer")
    sent = drain(box)
    assert sent[1] == "short answer"  # bob does not wait behind all of alice's chunks
    assert [s for s in sent if s.startswith("line")] == [f"line {i} of a long help text" for i in range(4)]


def test_pace_spaces_every_line_of_a_channel(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=2.0)
    for i in range(3):
        box.pm(CH, f"user{i}", f"hello {i}")
    assert box.pop_ready() is not None  # the first goes at once
    assert box.pop_ready() is None  # the next must wait for the pace
    assert box.wait_seconds() == pytest.approx(2.0)
    fake_clock.advance(1.9)
    assert box.pop_ready() is None
    fake_clock.advance(0.1)
    assert box.pop_ready() is not None
    assert [t for t, _ in drain_paced(box, fake_clock)] == [2.0]


def test_pace_is_per_channel(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=2.0)
    box.pm("one", "alice", "a1")
    box.pm("one", "alice", "a2")
    box.pm("two", "bob", "b1")
    assert {box.pop_ready().text, box.pop_ready().text} == {"a1", "b1"}  # type: ignore[union-attr]
    assert box.pop_ready() is None


def test_wait_seconds_is_none_when_empty(fake_clock: FakeClock) -> None:
    assert make(fake_clock).wait_seconds() is None


def test_splitting_at_240_on_line_boundaries(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0)
    lines = [f"{i:02d} " + "x" * 96 for i in range(6)]  # 99 characters each
    result = box.pm(CH, "alice", "\n".join(lines))
    sent = drain(box)
    assert result.chunks == len(sent) == 3
    assert all(len(s) <= 240 for s in sent)
    assert "\n".join(sent).split("\n") == lines  # nothing lost, order kept, no line cut


def test_one_long_line_is_split_on_spaces(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0)
    words = [f"word{i}" for i in range(100)]
    box.pm(CH, "alice", " ".join(words))
    sent = drain(box)
    assert len(sent) > 1 and all(len(s) <= 240 for s in sent)
    assert " ".join(sent).split() == words


def test_quiet_drops_unsolicited_pms_only(fake_clock: FakeClock) -> None:
    box = make(fake_clock, quiet={"alice"}, pace_seconds=0)
    dropped = box.pm(CH, "Alice", "rain!", Priority.NOTIFY, unsolicited=True)
    kept = box.pm(CH, "Alice", "your balance", Priority.REPLY)
    other = box.pm(CH, "bob", "rain!", Priority.NOTIFY, unsolicited=True)
    assert (dropped.queued, dropped.reason) == (False, "quiet")
    assert kept.queued and other.queued
    assert drain(box) == ["your balance", "rain!"]


def test_dedup_window_for_public_lines(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0, dedup_window_seconds=30, batch_window_seconds=0)
    assert box.public(CH, "Big news!").queued
    again = box.public(CH, "big   NEWS!")
    assert (again.queued, again.reason) == (False, "duplicate")
    assert box.public(CH, "Big news!", dedup=False).queued  # the caller may bypass dedup
    fake_clock.advance(30)
    assert box.public(CH, "Big news!").queued
    assert box.public("otherchan", "Big news!").queued  # dedup is per channel


def test_pms_are_never_deduplicated(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0)
    assert box.pm(CH, "alice", "same").queued
    assert box.pm(CH, "alice", "same").queued


def test_public_cap_refuses_lines_past_the_cap(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0, public_cap_per_minute=10, dedup_window_seconds=0)
    results = [box.public(CH, f"line {i}") for i in range(15)]
    assert sum(r.queued for r in results) == 10
    assert {r.reason for r in results[10:]} == {"capped"}
    assert box.pm(CH, "alice", "PMs are not capped").queued
    fake_clock.advance(60)
    assert box.public(CH, "a new minute").queued


def test_public_cap_holds_at_send_time_too(fake_clock: FakeClock) -> None:
    """Lines admitted in one minute and still queued in the next cannot burst past the cap."""
    box = make(fake_clock, pace_seconds=0, public_cap_per_minute=3, dedup_window_seconds=0)
    for i in range(3):
        box.public(CH, f"early {i}")
    fake_clock.advance(59)
    assert len(drain(box)) == 3
    fake_clock.advance(2)  # admissions expired, sends did not
    for i in range(3):
        assert box.public(CH, f"late {i}").queued
    box.pm(CH, "alice", "a reply")
    assert drain(box) == ["a reply"]  # PMs still flow while public chat waits
    assert box.wait_seconds() == pytest.approx(58.0)
    fake_clock.advance(58)
    assert drain(box) == ["late 0", "late 1", "late 2"]


def test_batch_holds_an_announcement_and_merges_rapid_ones(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0, batch_window_seconds=2.0)
    assert box.public(CH, "⭐ alice is now a Grip!", batch=True).queued
    fake_clock.advance(1)
    merged = box.public(CH, "🏆 bob unlocked Night Owl!", batch=True)
    assert (merged.queued, merged.reason) == (True, "merged")
    assert box.pop_ready() is None  # still inside the batch window
    assert box.wait_seconds() == pytest.approx(1.0)
    fake_clock.advance(1)
    assert drain(box) == ["⭐ alice is now a Grip! • 🏆 bob unlocked Night Owl!"]


def test_batch_does_not_merge_past_the_length_limit(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0, batch_window_seconds=2.0, max_length=40)
    box.public(CH, "a" * 30, batch=True)
    assert box.public(CH, "b" * 30, batch=True).reason == ""
    fake_clock.advance(2)
    assert drain(box) == ["a" * 30, "b" * 30]


def test_merged_announcements_count_once_against_the_cap(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0, batch_window_seconds=2.0, public_cap_per_minute=1)
    assert box.public(CH, "one", batch=True).queued
    assert box.public(CH, "two", batch=True).queued
    assert box.public(CH, "three", batch=False).reason == "capped"


def test_public_lines_never_start_with_a_slash(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0)
    box.public(CH, "/clear everything")
    assert drain(box) == ["clear everything"]
    assert clean_public("  // kick\x07 me") == "kick me"
    assert clean_public("fine\n/ban bob\n\u200b/kick carol") == "fine\nban bob\nkick carol"
    assert box.public(CH, "/ /").reason == "empty"


def test_full_queue_refuses_announcements_but_a_reply_evicts_the_newest(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=0, max_queue=10, dedup_window_seconds=0, public_cap_per_minute=100)
    for i in range(5):
        box.pm(CH, f"u{i}", f"note {i}", Priority.NOTIFY)
    for i in range(5):
        box.public(CH, f"news {i}")
    assert box.public(CH, "one too many").reason == "full"
    assert box.pm(CH, "x", "note", Priority.NOTIFY).reason == "full"
    reply = box.pm(CH, "alice", "answer")
    assert reply.queued and reply.evicted == 1
    sent = drain(box)
    assert sent[0] == "answer" and "news 4" not in sent and len(sent) == 10


def test_pop_all_ignores_pace_and_holds_but_keeps_order(fake_clock: FakeClock) -> None:
    box = make(fake_clock, pace_seconds=5, batch_window_seconds=2)
    box.public(CH, "held", batch=True)
    box.pm(CH, "alice", "first")
    box.pm(CH, "alice", "second")
    assert [line.text for line in box.pop_all()] == ["first", "second", "held"]
    assert box.depth() == 0


def test_depths_per_channel(fake_clock: FakeClock) -> None:
    box = make(fake_clock)
    box.pm("One", "a", "x")
    box.pm("one", "b", "y")
    box.pm("two", "c", "z")
    assert box.depths() == {"One": 2, "two": 1}
    assert box.depth() == 3


@settings(max_examples=300)
@given(st.text(max_size=700), st.booleans())
def test_no_public_line_the_bot_says_starts_with_a_slash(text: str, batch: bool) -> None:
    """Whatever text reaches the public lane (announce, say, a rendered template), no line of what is
    sent starts with '/' or carries control/format characters (DECISIONS 20)."""
    box = make(FakeClock(), pace_seconds=0, public_cap_per_minute=10**6, batch_window_seconds=0.0)
    box.public(CH, text, dedup=False, batch=batch)
    box.public(CH, "/" + text, dedup=False, batch=batch)
    for sent in drain(box):
        for line in sent.split("\n"):
            assert line and not line.startswith("/"), sent
            assert not any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in line), sent
