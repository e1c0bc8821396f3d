"""Pure rules of the chat triggers: windows, silences, laughs, media, greetings, mentions, bot replies."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta

import pytest

from economy_presence.accrual import accrue, to_milli
from economy_presence.chat import triggers as tr
from economy_shared.config.triggers import CommentDuringMediaTrigger

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- windows --------------------------------------------------------------------------------------


def test_hour_and_day_windows_follow_the_clock() -> None:
    w = tr.hour_window(at(59 * 60 + 59))
    assert w == tr.hour_window(T0)
    assert tr.hour_window(at(3600)).id != w.id
    assert w.expires_ms == int(at(3600).timestamp() * 1000)
    d = tr.day_window(T0)
    assert d.id == "d2026-03-01"
    assert d.expires_ms == int(datetime(2026, 3, 2, tzinfo=UTC).timestamp() * 1000)


# --- conversation starter -----------------------------------------------------------------------


def test_first_message_ever_breaks_the_silence() -> None:
    assert tr.breaks_silence(None, None, "alice", T0, 10)


def test_silence_of_exactly_the_threshold_qualifies() -> None:
    assert tr.breaks_silence(T0, "bob", "alice", at(600), 10)
    assert not tr.breaks_silence(T0, "bob", "alice", at(599), 10)


def test_short_gap_does_not_qualify() -> None:
    assert not tr.breaks_silence(T0, "bob", "alice", at(300), 10)


def test_breaking_your_own_silence_does_not_count() -> None:
    assert not tr.breaks_silence(T0, "alice", "alice", at(3600), 10)


# --- laughs ---------------------------------------------------------------------------------------


def joke(teller: str = "alice") -> tr.Joke:
    return tr.Joke("m1", teller, teller.title(), T0)


def test_laugh_needs_a_joke() -> None:
    assert tr.laugh_blocked(None, "bob", T0, 300, 10, True) == "no_joke"


def test_laugh_at_yourself_is_excluded_unless_configured() -> None:
    assert tr.laugh_blocked(joke(), "alice", T0, 300, 10, True) == "self"
    assert tr.laugh_blocked(joke(), "alice", T0, 300, 10, False) == ""


def test_laugh_window_is_inclusive() -> None:
    assert tr.laugh_blocked(joke(), "bob", at(300), 300, 10, True) == ""
    assert tr.laugh_blocked(joke(), "bob", at(301), 300, 10, True) == "late"


def test_each_laugher_counts_once_and_the_joke_is_capped() -> None:
    j = joke()
    paid = []
    for i in range(12):
        who = f"user{i}"
        if not tr.laugh_blocked(j, who, at(1), 300, 10, True):
            j.laughers.add(who)
            paid.append(who)
    assert len(paid) == 10
    assert tr.laugh_blocked(j, "user0", at(1), 300, 10, True) == "repeat"
    assert tr.laugh_blocked(j, "user11", at(1), 300, 10, True) == "cap"


# --- content --------------------------------------------------------------------------------------


def test_first_after_media_change_window_edges() -> None:
    assert tr.within_first_window(T0, at(30), 30)
    assert not tr.within_first_window(T0, at(31), 30)
    assert not tr.within_first_window(T0, at(-1), 30)


@pytest.mark.parametrize(
    ("minutes", "cap"), [(0, 10), (10, 10), (30, 10), (45, 15), (60, 20), (90, 30), (120, 40)]
)
def test_comment_cap_scales_with_duration(minutes: int, cap: int) -> None:
    assert CommentDuringMediaTrigger().cap_for(minutes * 60) == cap


def test_comment_cap_without_scaling_is_the_base() -> None:
    assert CommentDuringMediaTrigger(scale_with_duration=False).cap_for(120 * 60) == 10


def test_fractional_comment_rewards_accumulate_exactly() -> None:
    half = to_milli(0.5)
    whole, carry = accrue(0, half)
    assert (whole, carry) == (0, 500)
    assert accrue(carry, half) == (1, 0)
    carry, paid = 0, 0
    for rate in (0.33, 0.33, 0.34):
        w, carry = accrue(carry, to_milli(rate))
        paid += w
    assert (paid, carry) == (1, 0)
    total, carry = 0, 0
    for _ in range(1000):
        w, carry = accrue(carry, to_milli(0.1))
        total += w
    assert total == 100  # the float version of the plan paid 99


def test_media_must_have_run_long_enough() -> None:
    assert tr.media_ran_enough(T0, 1000, at(800), 80)  # exactly 80 % counts
    assert not tr.media_ran_enough(T0, 1000, at(500), 80)  # skipped at 50 %: nobody survives
    assert not tr.media_ran_enough(T0, 0, at(5000), 80)  # unknown length: skipped


def test_survivors_were_here_at_start_and_still_are() -> None:
    start = {"alice": "Alice", "bob": "bob", "carol": "carol", "otherbot": "OtherBot", "dave": "dave"}
    now = {"alice": "Alice", "carol": "carol", "otherbot": "OtherBot", "erin": "erin", "dave": "dave"}
    got = tr.survivors(start, now, rejoined={"dave"}, ignored={"otherbot"})
    # bob left early, erin joined late, dave left and came back (a genuine re-arrival), OtherBot is ignored
    assert got == {"alice": "Alice", "carol": "carol"}


# --- social ---------------------------------------------------------------------------------------


def test_greeting_window_and_self_greeting() -> None:
    joins = {"bob": tr.RecentJoin("Bob", T0, "1"), "carol": tr.RecentJoin("carol", at(30), "2")}
    tr.prune_joins(joins, at(60), 60)
    assert set(joins) == {"bob", "carol"}  # 60 s old still counts
    tr.prune_joins(joins, at(61), 60)
    assert set(joins) == {"carol"}
    assert tr.greeted({"hi", "carol"}, joins, "carol") == []  # greeting yourself
    assert tr.greeted({"hi", "carol"}, joins, "alice") == ["carol"]
    assert tr.greeted({"hi", "car"}, joins, "alice") == []  # whole names only


def test_mentions_are_whole_names_of_present_users() -> None:
    present = {"alice": 1, "bob": 2, "al": 3}
    assert tr.mentioned({"hey", "alice", "and", "bob"}, present, "carol", set()) == ["alice", "bob"]
    assert tr.mentioned({"alice"}, present, "alice", set()) == []  # yourself
    assert tr.mentioned({"alice", "bob"}, present, "carol", {"bob"}) == ["alice"]  # bob got kudos instead
    assert tr.mentioned({"bobby"}, present, "carol", set()) == []


def test_bot_reply_pays_who_addressed_it_preferring_the_one_it_names() -> None:
    lines = deque(
        [
            tr.HumanLine("alice", "alice", T0, addressed_bot=True),
            tr.HumanLine("bob", "bob", at(10), addressed_bot=False),
            tr.HumanLine("carol", "carol", at(20), addressed_bot=True),
        ]
    )
    assert tr.bot_partner(lines, {"sure", "alice"}, at(30), 120).key == "alice"
    assert tr.bot_partner(lines, {"sure", "bob"}, at(30), 120).key == "carol"  # bob never asked the bot
    assert tr.bot_partner(lines, {"sure"}, at(30), 120).key == "carol"
    lines[2].answered = True
    assert tr.bot_partner(lines, {"sure"}, at(30), 120).key == "alice"
    assert tr.bot_partner(lines, {"sure"}, at(121), 120) is None  # alice's line is out of the window


def test_bot_line_after_unaddressed_chat_pays_nobody() -> None:
    lines = deque([tr.HumanLine("bob", "bob", T0, addressed_bot=False)])
    assert tr.bot_partner(lines, {"rain", "drop"}, at(5), 120) is None
    assert tr.bot_partner(lines, {"bob", "won"}, at(5), 120) is None  # naming bob is not an exchange
