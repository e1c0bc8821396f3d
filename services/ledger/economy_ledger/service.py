"""Ledger service wiring: storage, request subjects (internal and public), PM commands, metrics."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge

from economy_shared.db import Database
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.liveness import LIFECYCLE, ServiceLiveness
from economy_shared.runtime.requests import RequestRouter
from economy_shared.runtime.service import EconomyService
from economy_shared.schemas.ledger import PostRequest, PostResult
from economy_shared.subjects import PUBLIC_COMMAND

from . import api, commands
from .maintenance import BalanceMaintenance
from .public_api import build_public_router
from .rollup import JournalRollup
from .store import MIGRATIONS, LedgerStore

mark_live("help", "balance")


class LedgerService(EconomyService):
    name = "ledger"

    async def setup(self) -> None:
        self.database = Database(
            self.db_path(), MIGRATIONS, busy_timeout_ms=self.config.database.busy_timeout_ms, synchronous="FULL"
        )
        await self.database.open()
        self.store = LedgerStore(self.database)
        self.postings = Counter(
            "economy_ledger_postings_total", "Postings applied", ["channel", "kind"], registry=self.metrics.registry
        )
        self.z_moved = Counter(
            "economy_ledger_z_total", "Z moved by postings (absolute)", ["channel", "kind"],
            registry=self.metrics.registry,
        )
        self.accounts_gauge = Gauge(
            "economy_ledger_accounts", "Accounts per channel", ["channel"], registry=self.metrics.registry
        )
        self.circulation = Gauge(
            "economy_total_circulation", "Z held by users", ["channel"], registry=self.metrics.registry
        )
        api.register(self)
        self.enable_pm()
        self.pm.liveness = ServiceLiveness()  # the front desk speaks for services that are down
        commands.register(self)
        self.public_router = build_public_router(self)

    def extra_subjects(self) -> dict[str, RequestRouter]:
        return {PUBLIC_COMMAND: self.public_router}

    def observe_post(self, req: PostRequest, result: PostResult) -> None:
        if result.replayed:
            return
        skipped = set(result.skipped)
        for p in req.postings:
            if p.user.casefold() in skipped:
                continue
            self.postings.labels(req.channel, p.kind.value).inc()
            self.z_moved.labels(req.channel, p.kind.value).inc(abs(p.amount))

    async def start(self) -> None:
        if self.pm.liveness is not None:
            await self.client.subscribe(LIFECYCLE, self.pm.liveness.on_lifecycle)
        self.maintenance = BalanceMaintenance(self)  # daily interest/decay; runs a missed day now
        await self.maintenance.start()
        self.rollup = JournalRollup(self)  # journal retention: folds old per-minute rows, hourly
        await self.rollup.start()

    async def stop(self) -> None:
        if hasattr(self, "maintenance"):
            await self.maintenance.stop()
        if hasattr(self, "rollup"):
            await self.rollup.stop()
        await self.database.close()

    async def health_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"status": "healthy", "channels": {}}
        for ch in self.config.channel_names():
            accounts, held = await self.store.summary(ch)
            self.accounts_gauge.labels(ch).set(accounts)
            self.circulation.labels(ch).set(held)
            details["channels"][ch] = {"accounts": accounts, "circulation": held}
        return details
