"""Today's cumulative presence per user, in memory, and who just crossed a threshold (DECISIONS 10).

It mirrors ``daily_presence.minutes`` (the tick adds one minute per present user; this adds the
same minute), so each tick costs one dict update and one comparison per present user; only users
whose count reaches their next unevaluated threshold are handed to the rules. It is reseeded from
the database at start-up and at each UTC day change, so restarts and several sessions a day add up.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterable

NONE_LEFT = sys.maxsize


class DayProgress:
    def __init__(self) -> None:
        self.day: str | None = None
        self.minutes: dict[str, int] = {}
        self._next_due: dict[str, int] = {}
        self._thresholds: tuple[int, ...] = ()

    def reset(self, day: str, minutes: dict[str, int]) -> None:
        """Start ``day`` from the stored counts; every threshold is evaluated again (rules are guarded)."""
        self.day = day
        self.minutes = dict(minutes)
        self._next_due = {}

    def set_thresholds(self, thresholds: Iterable[int]) -> None:
        """Minute counts that matter (streak qualification, milestones); a change re-arms everyone."""
        ts = tuple(sorted({t for t in thresholds if t > 0}))
        if ts != self._thresholds:
            self._thresholds = ts
            self._next_due = {}

    @property
    def first(self) -> int:
        return self._thresholds[0] if self._thresholds else NONE_LEFT

    def add_minute(self, keys: Iterable[str]) -> list[str]:
        """One presence minute for each key; returns those that reached a threshold to evaluate."""
        first, minutes, due = self.first, self.minutes, self._next_due
        crossed = []
        for k in keys:
            m = minutes.get(k, 0) + 1
            minutes[k] = m
            if m >= due.get(k, first):
                crossed.append(k)
        return crossed

    def pending(self, keys: Iterable[str] | None = None) -> list[str]:
        """Keys (all known today by default) with a threshold reached but not yet evaluated."""
        first = self.first
        pool = self.minutes if keys is None else keys
        return [k for k in pool if self.minutes.get(k, 0) >= self._next_due.get(k, first)]

    def due(self, key: str) -> tuple[int, ...]:
        """Thresholds reached by ``key`` since its last evaluation."""
        m = self.minutes.get(key, 0)
        start = self._next_due.get(key, self.first)
        return tuple(t for t in self._thresholds if start <= t <= m)

    def evaluated(self, key: str) -> None:
        """Every threshold up to the current count has been handled."""
        m = self.minutes.get(key, 0)
        i = bisect.bisect_right(self._thresholds, m)
        self._next_due[key] = self._thresholds[i] if i < len(self._thresholds) else NONE_LEFT
