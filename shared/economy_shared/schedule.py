"""Wall-clock schedules: runs aligned to boundaries (every minute on the minute), with an injected clock."""

from __future__ import annotations

import asyncio
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


class PeriodicJob:
    """Checks every ``poll_seconds`` (aligned to the wall clock) whether work is due: ``run_due()``.

    The wait is a real sleep (injectable ``sleep``) while every decision reads the injected clock,
    so a test's ``FakeClock`` is never advanced by the loop. A failing run is logged; the loop goes on.
    """

    name = "periodic_job"
    # True: the first run happens inside ``start()`` (a missed day is caught up before "ready").
    # False: it happens in the background, for jobs whose backlog may be long.
    catch_up_in_start = True

    def __init__(
        self,
        clock: Clock,
        poll_seconds: float,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._sleep = sleep or _real_sleep
        self._task: asyncio.Task[None] | None = None

    async def run_due(self) -> object:
        raise NotImplementedError

    async def start(self) -> None:
        if self.catch_up_in_start:
            await self._run_once()
        self._task = asyncio.get_running_loop().create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        if not self.catch_up_in_start:
            await self._run_once()
        while True:
            now = self.clock.now().timestamp()
            await self._sleep(self.poll_seconds - now % self.poll_seconds)
            await self._run_once()

    async def _run_once(self) -> None:
        try:
            await self.run_due()
        except Exception:
            log.exception("periodic_job_failed", job=self.name)


async def _real_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)
