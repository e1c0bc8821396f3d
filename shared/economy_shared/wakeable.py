"""One background loop for work that is both poked and polled (rank notices, achievement checks, stat
reports): run ``work`` when ``poke()`` is called or every ``poll_seconds``, whichever comes first; a
failing pass is logged with its traceback and the loop goes on; ``stop()`` cancels and waits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from .runtime.logging import get_logger

log = get_logger("economy.background")


class WakeableLoop:
    def __init__(self, name: str, work: Callable[[], Awaitable[object]], poll_seconds: float) -> None:
        self.name = name
        self._work = work
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that lands as the wait ends,
            # and stop() would then wait for the loop forever
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self._work()
            except Exception:
                log.exception("background_pass_failed", loop=self.name)
