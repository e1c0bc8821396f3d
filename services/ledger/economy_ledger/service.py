"""Ledger service wiring: storage, request subjects (internal and public), PM commands, schedules."""

from __future__ import annotations

from typing import Any

from economy_shared.channels import ChannelDirectory
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.envelope import Reply
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.liveness import LIFECYCLE, ServiceLiveness
from economy_shared.runtime.requests import RequestRouter, call
from economy_shared.runtime.service import EconomyService
from economy_shared.schemas.base import Request
from economy_shared.subjects import PUBLIC_COMMAND, ServiceName, service_subject
from economy_shared.userstats import AliasResolver

from . import (
    achievement_commands,
    admin_commands,
    api,
    board_commands,
    bounty_commands,
    commands,
    public_achievements,
    public_bounties,
    reload_commands,
    report_commands,
    tip_commands,
)
from .achievements import Achievements
from .achievements_store import AchievementsStore
from .admin import Admin
from .admin_store import AdminStore
from .boards import Boards
from .boards_store import BoardsStore
from .bounties import Bounties
from .bounty_expiry import BountyExpiry
from .bounty_store import BountyStore
from .config_reload import ConfigReload
from .gambling_lookup import GamblingLookup
from .gauge_store import median_balance
from .import_store import ImportStore
from .imports import Imports
from .inflation import FloatStore, InflationGovernor
from .maintenance import BalanceMaintenance
from .maintenance_store import MaintenanceStore
from .metrics import LedgerMetrics
from .migrations import MIGRATIONS
from .presence_lookup import PresenceLookup
from .promoter import CytubePromoter
from .promotion_store import PromotionStore
from .promotions import Promotions
from .public_admin import register_internal as register_admin_internal
from .public_admin import register_public as register_admin_public
from .public_api import build_public_router
from .public_events import register_event_forwards
from .public_inflation import register_inflation_routes
from .public_reload import register_public_reload
from .public_reports import register_report_routes
from .rank_notifier import RankNotifier
from .rank_store import RankStore
from .ranks import Ranks
from .report_digests import DigestJob
from .report_store import ReportStore
from .reports import PresentNow, ReportMetrics, Reports, SnapshotJob
from .rollup import JournalRollup
from .rollup_store import RollupStore
from .store import LedgerStore
from .tips import Tips
from .tips_store import TipsStore
from .vanity_lookup import VanityLookup

mark_live("help", "balance", "rank")


class LedgerService(EconomyService):
    name = "ledger"

    async def setup(self) -> None:
        self.database = Database(
            self.db_path(), MIGRATIONS, busy_timeout_ms=self.config.database.busy_timeout_ms, synchronous="FULL"
        )
        await self.database.open()

        def config() -> EconomyConfig:  # read at use, so a reload reaches every component
            return self.config

        self.store = LedgerStore(self.database, ranks=lambda: self.config.ranks, on_rank_up=self._rank_up,
                                 achievements=lambda: self.config.achievements, on_change=self._accounts_changed)
        self.ledger_metrics = LedgerMetrics(self.metrics.registry)
        self.inflation = InflationGovernor(FloatStore(self.database), config, self.clock,
                                           self.ledger_metrics.price_multiplier)
        ranks = Ranks(RankStore(self.database), config, price_factor=self.inflation.factor)
        api.register(self.router, self.store, config, self.clock, self.ledger_metrics, ranks)
        pm = self.enable_pm()
        pm.liveness = ServiceLiveness()  # the front desk speaks for services that are down
        commands.register(pm, self.store, config, PresenceLookup(self.client), ranks)
        self.rank_notifier = RankNotifier(
            store=RankStore(self.database), voice=self.voice, robot=self.client, rank_of=self.directory.rank_of,
            config=config, clock=self.clock, metrics=self.ledger_metrics,
            channels=ChannelDirectory(self.config.channel_names()),
        )
        # paid CyTube promotion (promotions.py): ledger.buy_promotion; unfinished purchases resumed at start
        self.promotions = Promotions(
            store=PromotionStore(self.database, self.store), ranks=RankStore(self.database),
            promoter=CytubePromoter(self.client, self.directory.rank_of), price_factor=self.inflation.factor,
            voice=self.voice, config=config, clock=self.clock, metrics=self.ledger_metrics,
            channels=ChannelDirectory(self.config.channel_names()),
        )
        api.register_promotions(self.router, self.promotions)
        self.tips = Tips(TipsStore(self.database, self.store), AliasResolver(self.client, ttl_seconds=300),
                         PresenceLookup(self.client), self.voice, config, self.clock, self.ledger_metrics)
        api.register_tips(self.router, self.tips, config)
        tip_commands.register(pm, self.tips, config)
        # achievements: checked after postings that may meet a condition (store on_change) and on
        # ledger.report_stats from presence and gambling
        self.achievements = Achievements(AchievementsStore(self.database, self.store), self.voice, config,
                                         self.clock, self.ledger_metrics,
                                         ChannelDirectory(self.config.channel_names()))
        # leaderboards and profiles (profile shows the achievement count)
        self.boards = Boards(BoardsStore(self.database), PresenceLookup(self.client), GamblingLookup(self.client),
                             config, self.clock, self.ledger_metrics, achievements=self.achievements,
                             vanity=VanityLookup(self.client))  # the vanity line from the announcer (~1 s)
        api.register_boards(self.router, self.boards, config)
        board_commands.register(pm, self.boards, config)
        self.public_router = build_public_router(self.store, config, self._ask_media, ranks,
                                                 observe=self.metrics.observe_request, tips=self.tips,
                                                 boards=self.boards, ask_service=self._ask_service)
        register_inflation_routes(self.public_router, self.inflation)  # stats.inflation (public_inflation.py)
        register_event_forwards(self.public_router, self._ask_presence, config)  # events.list, event.* (presence)
        public_achievements.register_internal(self.router, self.achievements, config)
        public_achievements.register_public(self.public_router, self.achievements, config)
        achievement_commands.register(pm, self.achievements)
        # daily interest/decay (runs a missed day at start); journal retention (folds old rows, hourly)
        self.maintenance = BalanceMaintenance(
            MaintenanceStore(self.database, self.store), config, self.clock, self.ledger_metrics
        )
        self.rollup = JournalRollup(RollupStore(self.database), config, self.clock)
        # reload everywhere (config_reload.py): PM reload, public admin.reload / config.reload
        reload = ConfigReload(self.reloader.validate, self.reloader.reload, self._ask_service, config)
        reload_commands.register(pm, reload)
        register_public_reload(self.public_router, reload, config)
        # bounties (bounties.py): PM bounty/bounties/claim_bounty, ledger.bounty_*, public bounty.*; hourly expiry
        self.bounties = Bounties(BountyStore(self.database, self.store), self.voice, config, self.clock,
                                 self.ledger_metrics)
        bounty_commands.register(pm, self.bounties, config)
        public_bounties.register_internal(self.router, self.bounties)
        public_bounties.register_public(self.public_router, self.bounties, config)
        self.bounty_expiry = BountyExpiry(self.bounties, config, self.clock)
        # moving in from the original (imports.py, issue 14): ledger.import_accounts / ledger.import_bounties
        api.register_imports(self.router, Imports(ImportStore(self.database, self.store), config, self.clock,
                                                  self.ledger_metrics))
        # reports (reports.py): PM econ:stats/econ:health, public economy.stats/.health/.snapshot,
        # snapshots per wall-clock slot, daily user digest and weekly admin digest (report_digests.py)
        report_store, present_now = ReportStore(self.database), PresentNow(self.client)
        self.report_metrics = ReportMetrics(self.metrics.registry, self.ledger_metrics.median_balance)
        self.reports = Reports(report_store, self.store.audit, present_now, config, self.clock, self.report_metrics)
        report_commands.register(pm, self.reports, config)
        register_report_routes(self.public_router, self.reports)
        # admin words (admin.py): PM grant/deduct/set_balance/set_rank/ban/unban/econ:user, ledger.admin_*,
        # public admin.* and the original's names (forbidden unless api.allow_admin_commands)
        self.admin = Admin(AdminStore(self.store), PresenceLookup(self.client), self.voice, config, self.clock,
                           self.ledger_metrics)
        admin_commands.register(pm, self.admin, config)
        register_admin_internal(self.router, self.admin)
        register_admin_public(self.public_router, self.admin, config)
        self.snapshots = SnapshotJob(self.reports, config, self.clock)
        self.digests = DigestJob(report_store, self.store.account, present_now, PresenceLookup(self.client).streak_days,
                                 self.directory.is_admin, self.voice, config, self.clock, self.report_metrics)

    def _rank_up(self) -> None:
        self.rank_notifier.poke()

    def _accounts_changed(self, accounts: set[tuple[str, str]]) -> None:
        self.achievements.changed(accounts)

    async def _ask_media(self, request: Request, timeout: float) -> Reply:
        return await call(self.client, service_subject("media"), request, timeout)

    async def _ask_presence(self, request: Request, timeout: float) -> Reply:
        return await call(self.client, service_subject("presence"), request, timeout)

    async def _ask_service(self, name: ServiceName, request: Request, timeout: float) -> Reply:
        return await call(self.client, service_subject(name), request, timeout)

    def extra_subjects(self) -> dict[str, RequestRouter]:
        return {PUBLIC_COMMAND: self.public_router}

    async def start(self) -> None:
        if self.pm.liveness is not None:
            await self.client.subscribe(LIFECYCLE, self.pm.liveness.on_lifecycle)
        await self.maintenance.start()
        await self.rollup.start()
        await self.bounty_expiry.start()  # expires what fell due while stopped, then hourly
        await self.snapshots.start()  # the current slot's snapshot if missing (catch-up), then each slot
        await self.digests.start()  # digests due and owed to users present now, then every minute
        await self.rank_notifier.start()  # tells rank-ups committed before a stop, then waits for more
        await self.achievements.start()
        await self.promotions.resume()  # purchases charged before a crash: promoted or refunded

    async def stop(self) -> None:
        await self.rank_notifier.stop()
        await self.achievements.stop()
        await self.maintenance.stop()
        await self.rollup.stop()
        await self.bounty_expiry.stop()
        await self.snapshots.stop()
        await self.digests.stop()
        await self.database.close()

    async def health_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"status": "healthy", "channels": {}}
        for ch in self.config.channel_names():
            accounts, held = await self.store.summary(ch)
            self.ledger_metrics.observe_summary(ch, accounts, held)
            self.ledger_metrics.median_balance.labels(ch).set(await median_balance(self.database, ch))
            await self.boards.refresh_metrics(ch)  # economy_rank_distribution, at most every 30 s
            await self.bounties.refresh_metrics(ch)  # economy_bounties_open / _escrowed_z
            details["channels"][ch] = {"accounts": accounts, "circulation": held}
        return details
