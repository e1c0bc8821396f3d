"""Gambling service wiring: storage, games, request routes, PM commands, the resolve loop, recovery."""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.ledger_client import LedgerClient
from economy_shared.runtime.service import EconomyService

from . import api, commands
from .duel_store import DuelStore
from .duels import Duels
from .gate import Gate
from .heist_store import HeistStore
from .heists import Heists
from .metrics import GamblingMetrics
from .odds import Rng
from .quick import QuickGames
from .recovery import Recovery
from .report import Reports
from .stat_reporter import gambling_reporter
from .store import MIGRATIONS, PlayStore


class GamblingService(EconomyService):
    """``autoresolve=False`` leaves the resolve loop off; tests then call ``resolve_due()`` themselves."""

    name = "gambling"
    autoresolve = True
    poll_seconds = 1.0

    def __init__(self, config: EconomyConfig, client: Any, clock: Clock | None = None, *,
                 rng: Rng | None = None) -> None:
        super().__init__(config, client, clock)
        self.rng: Rng = rng or random.SystemRandom()
        self._loop: asyncio.Task[None] | None = None

    async def setup(self) -> None:
        self.database = Database(self.db_path(), MIGRATIONS, busy_timeout_ms=self.config.database.busy_timeout_ms)
        await self.database.open()
        self.channels = ChannelDirectory(self.config.channel_names())
        self.plays = PlayStore(self.database)
        self.duel_store = DuelStore(self.database)
        self.heist_store = HeistStore(self.database)
        self.ledger = LedgerClient(self.client, timeout=max(5.0, self.config.nats.request_timeout_seconds))
        self.gambling_metrics = GamblingMetrics(self.metrics.registry)
        self.enable_pm()  # the voice the games speak with

        def config() -> EconomyConfig:  # read at use, so a reloaded config applies at once
            return self.config

        self.gate = Gate(config=config, ledger=self.ledger, plays=self.plays, clock=self.clock)
        # Each game gets exactly the collaborators it uses; none of them sees this service.
        self.quick = QuickGames(
            gate=self.gate, plays=self.plays, ledger=self.ledger, voice=self.voice, config=config, clock=self.clock,
            rng=self.rng, metrics=self.gambling_metrics, channels=self.channels, spawn=self.spawn,
        )
        self.duels = Duels(
            gate=self.gate, store=self.duel_store, ledger=self.ledger, voice=self.voice, config=config,
            clock=self.clock, rng=self.rng, metrics=self.gambling_metrics, channels=self.channels, spawn=self.spawn,
        )
        self.heists = Heists(
            gate=self.gate, store=self.heist_store, ledger=self.ledger, voice=self.voice, config=config,
            clock=self.clock, rng=self.rng, metrics=self.gambling_metrics, channels=self.channels, spawn=self.spawn,
        )
        self.reports = Reports(plays=self.plays, duels=self.duel_store, heists=self.heist_store, config=config,
                               clock=self.clock)
        # achievement stats (total wagered, biggest win) to the ledger, batched (stat_reporter.py)
        self.stat_reporter = gambling_reporter(self.database, self.client,
                                               timeout=max(5.0, self.config.nats.request_timeout_seconds))
        self.recovery = Recovery(quick=self.quick, duels=self.duels, heists=self.heists, clock=self.clock)
        api.register(self.router, quick=self.quick, reports=self.reports, channels=self.channels)
        commands.register(self.pm, config=config, quick=self.quick, duels=self.duels, heists=self.heists,
                          reports=self.reports)

    async def start(self) -> None:
        # Every stake that was in flight or waiting when we stopped is settled or refunded now; what the
        # ledger cannot take yet (it is down too) stays persisted and the loop finishes it later.
        try:
            recovered = await self.resolve_due(stale_before_ms=to_ms(self.clock.now()))
            if recovered:
                self.log.info("recovered_games", count=recovered)
        except Exception:
            self.log.exception("recovery_pass_failed")
        if self.autoresolve:
            self._loop = self.spawn(self._resolve_loop(), name="gambling-resolve")
            await self.stat_reporter.start()  # in-process tests call report_once() by hand

    async def stop(self) -> None:
        await self.stat_reporter.stop()
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        busy = [t for t in self._tasks if not t.done() and t is not asyncio.current_task()]
        if busy:  # let commands in flight finish their transactions before the file closes
            await asyncio.wait(busy, timeout=5.0)
        await self.database.close()

    async def health_details(self) -> dict[str, Any]:
        held = {}
        for chan in self.channels:
            result = await self.reports.escrows(chan)
            self.gambling_metrics.escrowed(chan, result.escrowed)
            held[chan] = result.escrowed
        return {"status": "healthy", "escrowed": held}

    async def resolve_due(self, stale_before_ms: int | None = None) -> int:
        """One resolve pass (see recovery.py); tests call it by hand with ``autoresolve`` off."""
        return await self.recovery.resolve_due(stale_before_ms)

    async def _resolve_loop(self) -> None:
        while True:
            await self.clock.sleep(self.poll_seconds)
            try:
                await self.resolve_due()
            except Exception:
                self.log.exception("resolve_pass_failed")
