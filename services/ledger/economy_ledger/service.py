"""Ledger service wiring: storage, request subjects (internal and public), PM commands, schedules."""

from __future__ import annotations

from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.envelope import Reply
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.liveness import LIFECYCLE, ServiceLiveness
from economy_shared.runtime.requests import RequestRouter, call
from economy_shared.runtime.service import EconomyService
from economy_shared.schemas.base import Request
from economy_shared.subjects import PUBLIC_COMMAND, service_subject

from . import api, commands
from .maintenance import BalanceMaintenance
from .maintenance_store import MaintenanceStore
from .metrics import LedgerMetrics
from .presence_lookup import PresenceLookup
from .public_api import build_public_router
from .rollup import JournalRollup
from .rollup_store import RollupStore
from .store import MIGRATIONS, LedgerStore

mark_live("help", "balance")


class LedgerService(EconomyService):
    name = "ledger"

    async def setup(self) -> None:
        self.database = Database(
            self.db_path(), MIGRATIONS, busy_timeout_ms=self.config.database.busy_timeout_ms, synchronous="FULL"
        )
        await self.database.open()

        def config() -> EconomyConfig:  # read at use, so a reload reaches every component
            return self.config

        self.store = LedgerStore(self.database)
        self.ledger_metrics = LedgerMetrics(self.metrics.registry)
        api.register(self.router, self.store, config, self.clock, self.ledger_metrics)
        pm = self.enable_pm()
        pm.liveness = ServiceLiveness()  # the front desk speaks for services that are down
        commands.register(pm, self.store, config, PresenceLookup(self.client))
        self.public_router = build_public_router(self.store, config, self._ask_media,
                                                 observe=self.metrics.observe_request)
        # daily interest/decay (runs a missed day at start); journal retention (folds old rows, hourly)
        self.maintenance = BalanceMaintenance(
            MaintenanceStore(self.database, self.store), config, self.clock, self.ledger_metrics
        )
        self.rollup = JournalRollup(RollupStore(self.database), config, self.clock)

    async def _ask_media(self, request: Request, timeout: float) -> Reply:
        return await call(self.client, service_subject("media"), request, timeout)

    def extra_subjects(self) -> dict[str, RequestRouter]:
        return {PUBLIC_COMMAND: self.public_router}

    async def start(self) -> None:
        if self.pm.liveness is not None:
            await self.client.subscribe(LIFECYCLE, self.pm.liveness.on_lifecycle)
        await self.maintenance.start()
        await self.rollup.start()

    async def stop(self) -> None:
        await self.maintenance.stop()
        await self.rollup.stop()
        await self.database.close()

    async def health_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"status": "healthy", "channels": {}}
        for ch in self.config.channel_names():
            accounts, held = await self.store.summary(ch)
            self.ledger_metrics.observe_summary(ch, accounts, held)
            details["channels"][ch] = {"accounts": accounts, "circulation": held}
        return details
