"""Per-user sliding-window limiter that says "slow down" once per window, not once per message.

Idle users are pruned once per window from ``check`` itself, so memory stays bounded by the users
active in the last window without a timer.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: tell the user once
    DROP = "drop"  # over the limit and already told


@dataclass
class _Window:
    hits: deque[float] = field(default_factory=deque)
    warned_until: float = 0.0


class RateLimiter:
    def __init__(self, per_minute: int, window_seconds: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window_seconds
        self._users: dict[str, _Window] = {}
        self._next_prune = 0.0

    def __len__(self) -> int:
        """Users currently remembered."""
        return len(self._users)

    def check(self, user_key: str, now: float) -> Verdict:
        if now >= self._next_prune:
            self.forget_idle(now)
            self._next_prune = now + self.window
        w = self._users.setdefault(user_key, _Window())
        while w.hits and now - w.hits[0] >= self.window:
            w.hits.popleft()
        if len(w.hits) < self.per_minute:
            w.hits.append(now)
            return Verdict.ALLOW
        if now >= w.warned_until:
            w.warned_until = w.hits[0] + self.window
            return Verdict.WARN
        return Verdict.DROP

    def forget_idle(self, now: float) -> None:
        """Drop users with no hits in the window (keeps memory bounded)."""
        idle = [k for k, w in self._users.items() if not w.hits or now - w.hits[-1] >= self.window]
        for k in idle:
            if now >= self._users[k].warned_until:
                del self._users[k]
