"""When a user may buy a queue action: blackout windows, the daily allowance and the cooldown (pure rules).

- Blackout windows start at each cron fire time (UTC, croniter) and last ``duration_hours``; the
  start instant itself is inside the window (``economy_shared.config.fields.last_fire``), unlike the
  plan's strict ``get_prev`` (sprint 5 §14.13). Windows are global, not per channel.
- Every paid action (queue, playnext, forcenow) counts toward the day's allowance
  (``max_queues_per_day`` + the rank's ``extra_queues_per_day``) and the cooldown; a refunded action
  gives its slot back (DECISIONS 19). A "day" is the UTC date.
- The cooldown's remaining time is rounded *up* to whole seconds and shown in whole minutes rounded
  up, so "1 min" is never shown while more than a minute is left and never "0 min".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from economy_shared.config.spending import SpendingSettings


@dataclass(frozen=True)
class Blackout:
    name: str
    ends: datetime


@dataclass(frozen=True)
class Usage:
    """What a user already used, read from the service's store."""

    today: int  # counted actions on this UTC day
    last_ms: int | None  # when the latest counted action was requested


def blackout_at(spending: SpendingSettings, now: datetime) -> Blackout | None:
    hit = spending.active_blackout(now)
    return Blackout(hit[0].name, hit[1]) if hit is not None else None


def allowance(spending: SpendingSettings, extra_queues: int) -> int:
    """Paid queue actions a user may take per UTC day."""
    return spending.max_queues_per_day + max(0, extra_queues)


def cooldown_left_seconds(spending: SpendingSettings, last_ms: int | None, now_ms: int) -> int:
    """Whole seconds (rounded up) until the next paid action is allowed; 0 when it is allowed now."""
    if last_ms is None or spending.queue_cooldown_minutes <= 0:
        return 0
    left_ms = spending.queue_cooldown_minutes * 60_000 - (now_ms - last_ms)
    return max(0, -(-left_ms // 1000))


def minutes_up(seconds: int) -> int:
    return max(1, -(-seconds // 60))
