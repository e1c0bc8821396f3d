"""Announcer service wiring: storage, outbox, sender loop, request routes, PM commands, metrics."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from economy_shared.clock import Clock
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.runtime.service import EconomyService

from . import api, commands
from .metrics import AnnouncerMetrics
from .outbox import Outbox, Policy
from .sender import Sender
from .store import MIGRATIONS, AnnouncerStore
from .voice import LocalVoice


def policy_of(config: EconomyConfig) -> Policy:
    a = config.announcements
    return Policy(
        pace_seconds=a.pace_seconds,
        dedup_window_seconds=a.dedup_window_seconds,
        public_cap_per_minute=a.public_cap_per_minute,
        batch_window_seconds=a.batch_window_seconds,
        batch_separator=a.batch_separator,
        max_length=config.commands.max_message_length,
        max_queue=a.max_queue,
    )


class AnnouncerService(EconomyService):
    """``autosend=False`` leaves the sender loop off; tests then call ``drain_once()``/``flush()``."""

    name = "announcer"

    def __init__(self, config: EconomyConfig, client: Any, clock: Clock | None = None, *, autosend: bool = True):
        super().__init__(config, client, clock)
        self.autosend = autosend
        self._sender_task: asyncio.Task[None] | None = None

    async def setup(self) -> None:
        self.database = Database(self.db_path(), MIGRATIONS, busy_timeout_ms=self.config.database.busy_timeout_ms)
        await self.database.open()
        self.store = AnnouncerStore(self.database)
        await self.store.load()
        self.announcer_metrics = AnnouncerMetrics(self.metrics.registry)
        # Lambdas, not values: a reloaded config applies at once.
        self.outbox = Outbox(lambda: policy_of(self.config), self.clock, self.store.is_quiet)
        self.sender = Sender(self.outbox, self.client, lambda: self.config, self.announcer_metrics,
                             self.clock.real_seconds)
        self.voice = LocalVoice(self.outbox, lambda: self.config, self.announcer_metrics, self.sender.wake)
        api.register(self.router, self.voice)
        pm = self.enable_pm(voice=self.voice)  # replies go to this service's own outbox
        commands.register(pm, self.store, self.voice, lambda: self.config, self.clock)

    async def start(self) -> None:
        if self.autosend:
            self._sender_task = asyncio.get_running_loop().create_task(self.sender.run(), name="announcer-sender")

    async def stop(self) -> None:
        if self._sender_task is not None:
            self._sender_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender_task
            self._sender_task = None
        left = self.outbox.depth()
        if left:
            self.log.warning("outbox_not_empty_at_stop", lines=left)
        await self.database.close()

    async def drain_once(self) -> bool:
        return await self.sender.drain_once()

    async def flush(self) -> int:
        """Send everything queued now (tests and in-process stacks; ignores the pace)."""
        return await self.sender.flush()

    async def health_details(self) -> dict[str, Any]:
        sender_ok = self._sender_task is None or not self._sender_task.done()
        return {
            "status": "healthy" if sender_ok else "degraded",
            "queued": self.outbox.depth(),
            "quiet_users": self.store.quiet_count(),
        }

