"""What the simulator remembers about each user between minutes (the services' state, in memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from economy_presence.sessions import Session
from economy_presence.timed.bridge import BridgeState
from economy_presence.timed.streaks import StreakState

from .population import Habits


@dataclass
class Usage:
    """A day's count and the last time of one limited action (a game, the paid queue, a shoutout)."""

    day: int = -1
    count: int = 0
    last_s: float | None = None  # sim seconds

    def today(self, day: int) -> int:
        return self.count if self.day == day else 0

    def use(self, day: int, at_s: float) -> None:
        if self.day != day:
            self.day, self.count = day, 0
        self.count += 1
        self.last_s = at_s


@dataclass
class Person:
    idx: int
    habits: Habits
    key: str
    display: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    session: Session | None = None
    streak: StreakState = field(default_factory=StreakState)
    bridge: dict[str, BridgeState] = field(default_factory=dict)  # bridge week id -> state
    minutes: int = 0  # lifetime presence minutes
    messages: int = 0  # lifetime chat messages
    emotes: set[int] = field(default_factory=set)  # distinct emotes used, lifetime
    biggest_win: int = 0
    tipped: set[int] = field(default_factory=set)  # people this user tipped
    tipped_by: set[int] = field(default_factory=set)
    achievements: set[str] = field(default_factory=set)
    owned: set[str] = field(default_factory=set)  # vanity items bought
    games: dict[str, Usage] = field(default_factory=dict)
    queues: Usage = field(default_factory=Usage)
    shoutout_ms: int | None = None
    fortune_day: int = -1
    tips_day: int = -1
    tips_today: int = 0
    first_queue_day: int | None = None
    first_day: int | None = None
    day_counts: dict[str, int] = field(default_factory=dict)  # today's activity counters (competitions)

    def usage(self, game: str) -> Usage:
        return self.games.setdefault(game, Usage())
