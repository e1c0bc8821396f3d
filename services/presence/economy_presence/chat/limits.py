"""Caps and cooldowns: counters per (channel, scope, window), claimed atomically in memory.

``claim`` checks and increments with no ``await`` in between, so two messages processed
concurrently can never both take the last slot. Counters are written behind to SQLite (see
``ChatRewards.flush``) and loaded at start, so caps survive a restart; the claimed slot number
is part of each payment's idempotency key, so a counter lost in a crash cannot pay twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .triggers import Window

LimitKey = tuple[str, str, str]  # (channel, scope, window id)


@dataclass(frozen=True)
class LimitRow:
    channel: str
    scope: str
    window: str
    count: int
    expires_ms: int


class Limits:
    def __init__(self) -> None:
        self._counts: dict[LimitKey, tuple[int, int]] = {}
        self._dirty: set[LimitKey] = set()

    def load(self, rows: Iterable[LimitRow]) -> None:
        for r in rows:
            self._counts[(r.channel, r.scope, r.window)] = (r.count, r.expires_ms)

    def count(self, channel: str, scope: str, window: Window) -> int:
        return self._counts.get((channel, scope, window.id), (0, 0))[0]

    def claim(self, channel: str, scope: str, window: Window, cap: int) -> int | None:
        """Take the next slot (1, 2, …) if fewer than ``cap`` are taken; None when capped."""
        key = (channel, scope, window.id)
        used = self._counts.get(key, (0, 0))[0]
        if used >= cap:
            return None
        self._counts[key] = (used + 1, window.expires_ms)
        self._dirty.add(key)
        return used + 1

    def release(self, channel: str, scope: str, window: Window) -> None:
        """Give a slot back (a payment that could not be made, e.g. the ledger was down)."""
        key = (channel, scope, window.id)
        used, expires = self._counts.get(key, (0, window.expires_ms))
        if used > 0:
            self._counts[key] = (used - 1, expires)
            self._dirty.add(key)

    def prune(self, now_ms: int) -> None:
        for key in [k for k, (_, exp) in self._counts.items() if exp <= now_ms]:
            del self._counts[key]
            self._dirty.discard(key)

    def take_dirty(self) -> list[LimitRow]:
        rows = []
        for key in self._dirty:
            if key in self._counts:
                count, expires = self._counts[key]
                rows.append(LimitRow(key[0], key[1], key[2], count, expires))
        self._dirty.clear()
        return rows

    def mark_dirty(self, rows: Iterable[LimitRow]) -> None:
        """Put rows back after a failed write."""
        for r in rows:
            key = (r.channel, r.scope, r.window)
            if key in self._counts:
                self._dirty.add(key)

    def __len__(self) -> int:
        return len(self._counts)
