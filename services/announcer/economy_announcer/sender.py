"""Drains the outbox to the robot at the pace, through kryten-py's ``send_pm``/``send_chat``.

A send that fails is logged, counted (``dropped{reason="send_error"}``) and skipped; the loop never
dies of it. Every public line is cleaned once more right before it is sent (``clean_public``), so no
line the bot says in chat starts with '/' (DECISIONS 20), whatever path queued or merged it.
Tests drive it with ``drain_once()`` (one paced step, FakeClock-friendly) or ``flush()``
(everything now) instead of running ``run()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger

from .metrics import AnnouncerMetrics
from .outbox import Line, Outbox, clean_public

log = get_logger("economy.announcer.sender", service="announcer")


class Sender:
    def __init__(
        self,
        outbox: Outbox,
        client: Any,
        config: Callable[[], EconomyConfig],
        metrics: AnnouncerMetrics,
        real_seconds: Callable[[float], float] = lambda s: s,
    ) -> None:
        self._real_seconds = real_seconds  # the outbox counts in clock time; waits are real
        self._outbox = outbox
        self._client = client
        self._config = config
        self._metrics = metrics
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was queued: re-check now instead of at the end of the current wait."""
        self._wake.set()

    async def drain_once(self) -> bool:
        """Send the next line if pace, batch hold and cap allow it now. True if one was sent."""
        line = self._outbox.pop_ready()
        if line is None:
            return False
        await self._send(line)
        return True

    async def flush(self) -> int:
        """Send everything queued right away, ignoring the pace (tests; never used in the loop)."""
        lines = self._outbox.pop_all()
        for line in lines:
            await self._send(line)
        return len(lines)

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                if await self.drain_once():
                    await asyncio.sleep(0)
                    continue
                delay = self._outbox.wait_seconds()
            except Exception:
                log.exception("sender_step_failed")
                delay = max(self._config().announcements.pace_seconds, 1.0)
            if delay is None:
                await self._wake.wait()
                continue
            try:  # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow the cancel of stop()
                async with asyncio.timeout(max(self._real_seconds(delay), 0.01)):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def _send(self, line: Line) -> None:
        domain = self._config().domain_of(line.channel)
        try:
            if line.user is None:
                text = clean_public(line.text)  # the last gate: whatever queued or merged it, no '/' command
                if not text:
                    self._metrics.drop("empty")
                    return
                await self._client.send_chat(line.channel, text, domain=domain)
            else:
                await self._client.send_pm(line.channel, line.user, line.text, domain=domain)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log.warning("send_failed", channel=line.channel, kind=line.kind, user=line.user, error=repr(err))
            self._metrics.drop("send_error")
        else:
            self._metrics.sent.labels(line.kind).inc()
        finally:
            self._metrics.observe_depth(self._outbox)
