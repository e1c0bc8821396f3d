"""Wall-clock schedules: runs aligned to boundaries (every minute on the minute), with an injected clock."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from .clock import Clock
from .runtime.logging import get_logger

log = get_logger("economy.schedule")


def boundary_index(when: datetime, interval_seconds: float) -> int:
    """Which interval-long slot since the epoch ``when`` falls in (the tick id)."""
    return math.floor(when.timestamp() / interval_seconds)


def next_boundary(when: datetime, interval_seconds: float) -> datetime:
    slot = boundary_index(when, interval_seconds) + 1
    return datetime.fromtimestamp(slot * interval_seconds, tz=UTC)


async def run_aligned(
    clock: Clock,
    interval_seconds: Callable[[], float],
    job: Callable[[int, datetime], Awaitable[None]],
    name: str,
) -> None:
    """Call ``job(slot, at)`` at every boundary. A failing run is logged and the schedule goes on.

    Work time does not drift the schedule: each wait is to the next boundary, not a fixed sleep.
    """
    while True:
        interval = interval_seconds()
        now = clock.now()
        target = next_boundary(now, interval)
        await clock.sleep((target - now).total_seconds())
        try:
            await job(boundary_index(target, interval), target)
        except Exception:
            log.exception("scheduled_job_failed", job=name)
