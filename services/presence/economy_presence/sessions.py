"""Who is present, and whether an arrival is genuine (DECISIONS 8, 9). Pure: no I/O.

A user who leaves stops earning at once. The join debounce only decides whether the next
``adduser`` is a *genuine arrival* (welcome, welcome back, greeting) or a bounce (a websocket
reconnect), in which case the session simply continues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from economy_shared.users import user_key


@dataclass
class Session:
    display: str
    started: datetime
    afk: bool = False  # CyTube's AFK flag (setafk); the tick also treats idling as AFK (idle.py)
    rank: int = 0
    last_active: datetime | None = None  # last chat message; None: none since ``started``


@dataclass(frozen=True)
class Arrival:
    key: str
    display: str
    genuine: bool
    absent_for: timedelta | None  # None: never seen before
    continued: bool = False  # an adduser for a session we already had (duplicate or bounce)


@dataclass
class SessionBook:
    """Sessions of one channel, plus when each known user was last seen."""

    debounce: timedelta
    sessions: dict[str, Session] = field(default_factory=dict)
    last_seen: dict[str, datetime] = field(default_factory=dict)

    def join(self, name: str, now: datetime, rank: int = 0, afk: bool = False) -> Arrival:
        key = user_key(name)
        current = self.sessions.get(key)
        if current is not None:
            current.rank = rank or current.rank
            return Arrival(key, current.display, genuine=False, absent_for=timedelta(0), continued=True)
        seen = self.last_seen.get(key)
        absent = None if seen is None else max(timedelta(0), now - seen)
        genuine = absent is None or absent >= self.debounce
        self.sessions[key] = Session(display=name, started=now, afk=afk, rank=rank)
        return Arrival(key, name, genuine=genuine, absent_for=absent)

    def leave(self, name: str, now: datetime) -> Session | None:
        key = user_key(name)
        session = self.sessions.pop(key, None)
        if session is not None:
            self.last_seen[key] = now
        return session

    def set_afk(self, name: str, afk: bool) -> bool:
        session = self.sessions.get(user_key(name))
        if session is None:
            return False
        session.afk = afk
        return True

    def present(self) -> dict[str, Session]:
        return dict(self.sessions)

    def mark_seen(self, now: datetime) -> None:
        """Everyone present now was seen now (called by the tick)."""
        for key in self.sessions:
            self.last_seen[key] = now
