"""When events run, as pure rules: a scheduled event's current window, durations in words, and the exact
split of a presence bonus. Time is a parameter (DECISIONS 2); cron is croniter's (DECISIONS 19).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from economy_shared.config.events import ScheduledEvent
from economy_shared.config.fields import window_containing


def open_window(event: ScheduledEvent, now: datetime) -> tuple[datetime, datetime] | None:
    """The window (start, end) of ``event`` that contains ``now``, or None.

    The window starts at the latest cron fire at or before ``now``; so after a restart inside a window
    the event is found running, and a window that closed while we were down is not started late.
    """
    return window_containing(event.cron, timedelta(hours=event.duration_hours), now)


def split_bonus(total: int, users: Sequence[str]) -> dict[str, int]:
    """``total`` shared exactly among ``users`` (sorted order decides who gets the leftover Z); never more.

    With fewer Z than users, the first ``total`` users get 1 Z each and the rest nothing.
    """
    if total <= 0 or not users:
        return {}
    ordered = sorted(users, key=str.casefold)
    base, rest = divmod(total, len(ordered))
    shares = {u: base + (1 if i < rest else 0) for i, u in enumerate(ordered)}
    return {u: z for u, z in shares.items() if z > 0}


def duration_text(minutes: float) -> str:
    """``90`` → "1 hour 30 minutes", ``240`` → "4 hours", ``5`` → "5 minutes"."""
    total = max(1, round(minutes))
    hours, mins = divmod(total, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts)


def left_text(ms: int) -> str:
    """Time left, short: "34 min", "2h 5m"."""
    minutes = max(1, -(-ms // 60_000))
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    return f"{hours}h {mins}m" if mins else f"{hours}h"


def name_slug(name: str) -> str:
    """An event name as an idempotency-key part."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40] or "event"


def factor_text(factor: object) -> str:
    """``Decimal('2.000')`` → "2", ``1.5`` → "1.5"."""
    text = f"{float(str(factor)):.3f}".rstrip("0").rstrip(".")
    return text or "1"
