"""Media service wiring: storage, the MediaCMS client, the use cases, request routes, PM commands, recovery."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.ledger_client import LedgerClient
from economy_shared.rank_perks import RankPerks
from economy_shared.runtime.service import EconomyService

from . import api, commands
from .approvals import Approvals
from .fulfilment import Fulfilment
from .gate import Gate
from .mediacms import MediaCmsClient
from .metrics import MediaMetrics
from .queueing import Queueing
from .recovery import Recovery
from .robot import Playlist
from .searching import Searching
from .store import MIGRATIONS, RequestStore


class MediaService(EconomyService):
    """``autoresolve=False`` leaves the recovery loop off; tests then call ``resolve_due()`` themselves."""

    name = "media"
    autoresolve = True
    poll_seconds = 5.0

    def __init__(self, config: EconomyConfig, client: Any, clock: Clock | None = None) -> None:
        super().__init__(config, client, clock)
        self._loop: asyncio.Task[None] | None = None

    async def setup(self) -> None:
        self.database = Database(self.db_path(), MIGRATIONS, busy_timeout_ms=self.config.database.busy_timeout_ms)
        await self.database.open()
        self.channels = ChannelDirectory(self.config.channel_names())
        self.requests = RequestStore(self.database)
        self.ledger = LedgerClient(self.client, timeout=max(5.0, self.config.nats.request_timeout_seconds))
        self.media_metrics = MediaMetrics(self.metrics.registry)
        self.enable_pm()  # the announcer's voice

        def config() -> EconomyConfig:  # read at use, so a reloaded config applies at once
            return self.config

        self.catalog = MediaCmsClient(lambda: self.config.mediacms, self.media_metrics)
        self.perks = RankPerks(self.client)
        self.playlist = Playlist(self.client, config)
        self.fulfilment = Fulfilment(
            store=self.requests, ledger=self.ledger, playlist=self.playlist, voice=self.voice, config=config,
            clock=self.clock, metrics=self.media_metrics, channels=self.channels, spawn=self.spawn,
        )
        gate = Gate(catalog=self.catalog, perks=self.perks, ledger=self.ledger, store=self.requests, config=config,
                    clock=self.clock)
        self.searching = Searching(catalog=self.catalog, perks=self.perks, config=config, metrics=self.media_metrics,
                                   channels=self.channels)
        self.queueing = Queueing(gate=gate, store=self.requests, fulfilment=self.fulfilment, config=config,
                                 clock=self.clock, metrics=self.media_metrics, channels=self.channels)
        self.approvals = Approvals(store=self.requests, fulfilment=self.fulfilment, voice=self.voice, config=config,
                                   clock=self.clock, channels=self.channels)
        self.recovery = Recovery(store=self.requests, fulfilment=self.fulfilment, voice=self.voice, config=config,
                                 clock=self.clock, metrics=self.media_metrics, channels=self.channels)
        api.register(self.router, searching=self.searching, queueing=self.queueing, approvals=self.approvals)
        commands.register(self.pm, config=config, searching=self.searching, queueing=self.queueing,
                          approvals=self.approvals)

    async def start(self) -> None:
        await self.catalog.start()
        # Every request in flight when we stopped is finished now (charged and queued, or refunded); what the
        # ledger cannot take yet stays stored and the loop finishes it later.
        try:
            recovered = await self.resolve_due(stale_before_ms=to_ms(self.clock.now()))
            if recovered:
                self.log.info("recovered_requests", count=recovered)
        except Exception:
            self.log.exception("recovery_pass_failed")
        if self.autoresolve:
            self._loop = self.spawn(self._resolve_loop(), name="media-recovery")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        busy = [t for t in self._tasks if not t.done() and t is not asyncio.current_task()]
        if busy:  # let requests in flight reach a stored state before the file closes
            await asyncio.wait(busy, timeout=5.0)
        await self.catalog.close()
        await self.database.close()

    async def health_details(self) -> dict[str, Any]:
        counts = await self.requests.open_counts()
        return {
            "status": "healthy",  # a catalog or robot outage degrades replies, not the service
            "catalog": "configured" if self.config.mediacms.configured else "not configured",
            "open_requests": counts,
        }

    async def resolve_due(self, stale_before_ms: int | None = None) -> int:
        """One recovery pass (see recovery.py); tests call it by hand with ``autoresolve`` off."""
        return await self.recovery.resolve_due(stale_before_ms)

    async def _resolve_loop(self) -> None:
        while True:
            await self.clock.sleep(self.poll_seconds)
            try:
                await self.resolve_due()
            except Exception:
                self.log.exception("resolve_pass_failed")
