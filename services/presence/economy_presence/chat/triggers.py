"""The rule of each trigger, as pure functions over small state objects (no I/O, no clock).

Design choices where the plan was silent or wrong (sprint3.md §9):
- Caps count per *clock* hour / UTC day (``hour_window``/``day_window``). The window id is part of
  the idempotency key together with the claimed slot number, so even a counter lost in a crash
  can never pay a slot twice: the ledger answers the repeated key as a replay.
- A silence is broken only by someone other than the last speaker (no monologue farming).
- Laughs pay the last *non-laugh* speaker, once per distinct laugher, up to a cap per joke.
- A bot line pays at most one human line, and only one that addressed the bot by name within the
  reply window (announcements after ordinary chat pay nobody).
- Double-dipping (§9.15): a kudos target is not also paid the mention for the same message; a
  newcomer greeted by name is (the greeter and the newcomer are different people).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from economy_shared.clock import day_str, to_ms

HOUR_MS = 3_600_000
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Window:
    """A fixed counting window: its id (used in keys) and when its counters may be forgotten."""

    id: str
    expires_ms: int


def hour_window(now: datetime) -> Window:
    start = to_ms(now) // HOUR_MS
    return Window(f"h{start}", (start + 1) * HOUR_MS)


def day_window(now: datetime) -> Window:
    start = to_ms(now) // DAY_MS
    return Window(f"d{day_str(now)}", (start + 1) * DAY_MS)


def play_window(play_id: str, now: datetime) -> Window:
    """Counters of one media play; kept a day so a long item or a restart does not reset them."""
    return Window(f"p{play_id}", to_ms(now) + DAY_MS)


# --- conversation starter ---------------------------------------------------------------------


def breaks_silence(
    last_at: datetime | None, last_speaker: str | None, sender: str, now: datetime, min_silence_minutes: int
) -> bool:
    """True when ``sender`` ends a silence of at least the threshold (exactly the threshold counts).

    The first message the channel has ever seen counts. The last speaker breaking their own
    silence does not.
    """
    if last_at is None:
        return True
    if last_speaker == sender:
        return False
    return now - last_at >= timedelta(minutes=min_silence_minutes)


# --- laughs ---------------------------------------------------------------------------------------


@dataclass
class Joke:
    """The last non-laugh message of a channel: the one laughs are credited to."""

    msg_id: str
    teller_key: str
    teller: str
    at: datetime
    laughers: set[str] = field(default_factory=set)


def laugh_blocked(joke: Joke | None, laugher: str, now: datetime, window_s: int, cap: int, self_excluded: bool) -> str:
    """Why this laugh pays nothing ("" when it may pay). Checks only names; aliases come later."""
    if joke is None:
        return "no_joke"
    if self_excluded and joke.teller_key == laugher:
        return "self"
    if now - joke.at > timedelta(seconds=window_s):
        return "late"
    if laugher in joke.laughers:
        return "repeat"
    if len(joke.laughers) >= cap:
        return "cap"
    return ""


# --- content ------------------------------------------------------------------------------------


def within_first_window(started: datetime, now: datetime, window_s: int) -> bool:
    """The first comment after a media change must come within the window (inclusive)."""
    return timedelta(0) <= now - started <= timedelta(seconds=window_s)


def media_ran_enough(started: datetime, duration_s: float, now: datetime, min_percent: int) -> bool:
    """The item played at least ``min_percent`` of its length (exactly the share counts)."""
    if duration_s <= 0:
        return False
    return (now - started).total_seconds() * 100 >= duration_s * min_percent


def survivors(
    present_at_start: dict[str, str], present_now: dict[str, str], rejoined: set[str], ignored: set[str]
) -> dict[str, str]:
    """Present at the start, present now, and not away long enough for a genuine re-arrival."""
    return {
        key: present_now[key]
        for key in present_at_start
        if key in present_now and key not in rejoined and key not in ignored
    }


# --- social -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecentJoin:
    display: str
    at: datetime
    arrival_id: str


def prune_joins(joins: dict[str, RecentJoin], now: datetime, window_s: int) -> None:
    """Forget arrivals older than the greeting window (an age equal to the window still counts)."""
    limit = timedelta(seconds=window_s)
    for key in [k for k, j in joins.items() if now - j.at > limit]:
        del joins[key]


def greeted(tokens: set[str], joins: dict[str, RecentJoin], sender: str) -> list[str]:
    """Recent arrivals the message names, except the sender greeting themselves."""
    return [key for key in joins if key in tokens and key != sender]


def mentioned(tokens: set[str], present: Container[str], sender: str, exclude: set[str]) -> list[str]:
    """Present users the message names, other than the sender and ``exclude`` (e.g. kudos targets)."""
    return sorted(key for key in tokens if key in present and key != sender and key not in exclude)


@dataclass
class HumanLine:
    """A recent human chat line, remembered so the bot's answer can be credited to it."""

    key: str
    display: str
    at: datetime
    addressed_bot: bool
    answered: bool = False


def bot_partner(lines: deque[HumanLine], bot_tokens: set[str], now: datetime, window_s: int) -> HumanLine | None:
    """The human line a bot line answers: unanswered, in the window, and addressed to the bot by name.

    Among several, the one whose author the bot line names wins, else the most recent. Lines that
    did not address the bot never pay, so announcements and other bot chatter pay nobody.
    """
    limit = timedelta(seconds=window_s)
    asked = [ln for ln in reversed(lines) if ln.addressed_bot and not ln.answered and now - ln.at <= limit]
    for line in asked:
        if line.key in bot_tokens:
            return line
    return asked[0] if asked else None
