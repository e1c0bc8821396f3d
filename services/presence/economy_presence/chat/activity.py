"""Daily activity counters and per-trigger analytics, counted in memory and written behind.

Column names match the fields daily competitions read (``config/economy.example.yaml``).
Unique emotes are stored per (user, day, emote) so a restart cannot count one twice, and the
analytics' unique users per (trigger, day) are stored the same way, so the count is exact
(the plan's ``unique_users`` stayed at 1).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

ActivityField = Literal[
    "messages_sent", "long_messages", "gifs_posted", "kudos_given", "kudos_received", "laughs_received",
    "bot_interactions",
]
ACTIVITY_FIELDS: tuple[ActivityField, ...] = (
    "messages_sent", "long_messages", "gifs_posted", "kudos_given", "kudos_received", "laughs_received",
    "bot_interactions",
)

DayKey = tuple[str, str, str]  # (channel, user_key, day)
TriggerDay = tuple[str, str, str]  # (channel, trigger_id, day)


@dataclass
class ActivityBatch:
    counters: dict[DayKey, Counter[str]] = field(default_factory=dict)
    emotes: list[tuple[str, str, str, str]] = field(default_factory=list)  # (channel, user, day, emote)
    hits: dict[TriggerDay, list[int]] = field(default_factory=dict)  # [hits, z]
    users: list[tuple[str, str, str, str]] = field(default_factory=list)  # (channel, trigger, day, user)

    def empty(self) -> bool:
        return not (self.counters or self.emotes or self.hits or self.users)


class Activity:
    def __init__(self) -> None:
        self._pending = ActivityBatch()
        self._emotes_seen: dict[DayKey, set[str]] = {}
        self._users_seen: dict[TriggerDay, set[str]] = {}
        self._day = ""

    # ---- counting ---------------------------------------------------------------------------------
    def bump(self, channel: str, user: str, day: str, name: ActivityField, n: int = 1) -> None:
        self._roll(day)
        self._pending.counters.setdefault((channel, user, day), Counter())[name] += n

    def add_emotes(self, channel: str, user: str, day: str, emotes: set[str]) -> int:
        """Record emotes used; returns how many were new for this user today."""
        self._roll(day)
        seen = self._emotes_seen.setdefault((channel, user, day), set())
        new = emotes - seen
        if new:
            seen |= new
            self._pending.emotes.extend((channel, user, day, e) for e in sorted(new))
            self._pending.counters.setdefault((channel, user, day), Counter())
        return len(new)

    def hit(self, channel: str, trigger_id: str, day: str, user: str, z: int) -> None:
        """One paid hit of a trigger."""
        self._roll(day)
        row = self._pending.hits.setdefault((channel, trigger_id, day), [0, 0])
        row[0] += 1
        row[1] += z
        seen = self._users_seen.setdefault((channel, trigger_id, day), set())
        if user not in seen:
            seen.add(user)
            self._pending.users.append((channel, trigger_id, day, user))

    def _roll(self, day: str) -> None:
        """A new UTC day: drop yesterday's de-duplication sets (the database keeps the truth)."""
        if day > self._day:
            self._day = day
            self._emotes_seen = {k: v for k, v in self._emotes_seen.items() if k[2] >= day}
            self._users_seen = {k: v for k, v in self._users_seen.items() if k[2] >= day}

    # ---- write-behind ------------------------------------------------------------------------------
    def take(self) -> ActivityBatch:
        batch, self._pending = self._pending, ActivityBatch()
        return batch

    def restore(self, batch: ActivityBatch) -> None:
        """Merge back a batch whose write failed, so nothing is lost."""
        for key, counts in batch.counters.items():
            self._pending.counters.setdefault(key, Counter()).update(counts)
        self._pending.emotes.extend(batch.emotes)
        for key, (hits, z) in batch.hits.items():
            row = self._pending.hits.setdefault(key, [0, 0])
            row[0] += hits
            row[1] += z
        self._pending.users.extend(batch.users)

    def pending(self) -> bool:
        return not self._pending.empty()
