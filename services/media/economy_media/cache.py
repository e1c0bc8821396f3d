"""A bounded, expiring cache of catalog answers: hits *and* not-found (sprint 5 §14.8).

``NOT_FOUND`` is a value of its own, so a cached "no such item" is told apart from a miss (the plan's
``_get_cached`` could not). Errors are never cached. Entries expire after ``ttl`` seconds of the
injected monotonic clock and are dropped when read after that; past ``max_entries`` the least
recently used entry goes first. ``ttl == 0`` turns caching off.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final


class _NotFound:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_FOUND"


NOT_FOUND: Final = _NotFound()
_MISS: Final = object()


class TtlCache:
    def __init__(self, ttl: float, max_entries: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._now = monotonic
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def configure(self, ttl: float, max_entries: int) -> None:
        """Apply new limits (a config reload); shrinking drops the least recently used entries."""
        self.ttl, self.max_entries = ttl, max_entries
        self._trim()

    def clear(self) -> None:
        self._entries.clear()

    def get(self, key: str) -> Any:
        """The cached value (possibly ``NOT_FOUND``), or ``MISS`` (see ``missed``)."""
        entry = self._entries.get(key)
        if entry is None:
            return _MISS
        expires, value = entry
        if self._now() >= expires:
            del self._entries[key]
            return _MISS
        self._entries.move_to_end(key)
        return value

    @staticmethod
    def missed(value: Any) -> bool:
        return value is _MISS

    def put(self, key: str, value: Any) -> None:
        if self.ttl <= 0:
            return
        self._entries[key] = (self._now() + self.ttl, value)
        self._entries.move_to_end(key)
        self._trim()

    def _trim(self) -> None:
        while len(self._entries) > max(0, self.max_entries):
            self._entries.popitem(last=False)
