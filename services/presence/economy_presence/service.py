"""Presence service wiring: build the stores and components, register routes, handlers and the schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from economy_shared.channels import ChannelDirectory
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.ledger_client import LedgerClient
from economy_shared.runtime.service import EconomyService
from economy_shared.schedule import run_aligned

from . import api, commands, event_api, event_commands, member_import_api, public_competitions
from .arrivals import WelcomeWallet
from .batching import CreditBatcher
from .chat import ChatRewards
from .competitions import Competitions
from .competitions.runner import CompetitionMetrics
from .competitions.store import CompetitionStore
from .credit import CreditPath
from .eligibility import EarningGate
from .events.book import EarningEvents
from .events.boosts import Boosts
from .events.carries import BoostCarries
from .events.multipliers import Boost
from .events.store import EventStore
from .greeting_notice import GreetingNotice
from .idle import ActivityWatch
from .member_import import MemberImport
from .member_import_store import MemberImportStore
from .metrics import PresenceMetrics
from .migrations import MIGRATIONS
from .nudge import InactivityNudge
from .session_events import SessionEvents
from .sessions import Arrival, Session, SessionBook
from .stat_reporter import presence_reporter
from .store import PresenceStore
from .ticker import Ticker
from .timed import TimedRewards


class PresenceService(EconomyService):
    name = "presence"
    autotick = True  # in-process tests drive ticks by hand
    ledger_retries: ClassVar[int] = 2  # in-process outage tests set 0

    async def setup(self) -> None:
        cfg = self.config
        self.database = Database(self.db_path(), MIGRATIONS, busy_timeout_ms=cfg.database.busy_timeout_ms)
        await self.database.open()
        self.store = PresenceStore(self.database)
        self.channels = ChannelDirectory(cfg.channel_names())
        self.ledger = LedgerClient(self.ledger_transport(), timeout=max(5.0, cfg.nats.request_timeout_seconds),
                                   retries=self.ledger_retries)
        account_reads = LedgerClient(self.client, timeout=min(3.0, cfg.nats.request_timeout_seconds))
        self.presence_metrics = PresenceMetrics(self.metrics.registry)
        self.batcher = CreditBatcher(self.ledger)
        self.credits = CreditPath(self.ledger, self.batcher, self.store, self.presence_metrics, self.clock, self.log)
        debounce = timedelta(minutes=cfg.presence.join_debounce_minutes)
        self.books: dict[str, SessionBook] = {c: SessionBook(debounce) for c in self.channels}
        # onboarding minimums, idling, the inactivity nudge (eligibility.py, idle.py, nudge.py)
        self.gate = EarningGate(self.database, self._config, self.channels)
        self.credits.gate = self.gate
        self.activity_watch = ActivityWatch(self.books, self.channels, self.gate, self._config, self.clock)
        self.enable_pm()
        config = self._config
        self.sessions = SessionEvents(
            self.books, self.channels, self.store, config, self.clock, self._on_arrival, self.spawn,
            self.client.kv_get, lambda name: self.metrics.events.labels(self.name, name).inc(), self.log,
        )
        # moving in from the original (issue 14): imported streaks, welcome wallets the original already paid
        self.member_import = MemberImport(MemberImportStore(self.database), self.channels, self.clock)
        await self.member_import.load()
        self.welcome = WelcomeWallet(self.credits, self.voice, config, self.member_import.welcome_claimed)
        self.greeting_notice = GreetingNotice(self.client, config, self.log)  # custom greetings (announcer)
        self.nudge = InactivityNudge(account_reads.balances, self.voice, self._config, self.clock,
                                     self.presence_metrics, self.log)
        # earning events and multipliers (events/): every presence credit goes through self.boosts
        self.events = EarningEvents(EventStore(self.database), config, self.clock, self.voice, list(self.channels),
                                    self.present_names, lambda: self.timed.payer.kick(), self.presence_metrics,
                                    self.log)
        self.boost_carries = BoostCarries(self.database)
        self.boosts = Boosts(self.events, self.boost_carries, config, self.clock, self.population,
                             self.presence_metrics)
        self.timed = TimedRewards(
            self.database, self.credits, self.ledger, self.voice, config, self.clock, self.spawn,
            list(self.channels), self.present_names, self.log, boost_for=self.boosts.fn,
        )
        self.chat = ChatRewards(
            self.database, self.credits, account_reads, self.client, self.books, self.channels, config,
            self.clock, self.spawn, self.presence_metrics, self.log, boost=self.boosts.apply,
        )
        # daily competitions (competitions/): the day that ended, at 00:00:30 UTC; awards paid as owed rows
        self.competitions = Competitions(
            CompetitionStore(self.database), self.ledger, config, self.clock, self.voice, list(self.channels),
            self.chat.flush, lambda: self.timed.payer.kick(), CompetitionMetrics(self.metrics.registry), self.log,
        )
        public_competitions.register(self.router, self.channels, self.competitions)
        self.ticker = Ticker(
            self.books, self.store, self.credits, config, self.presence_metrics, self.sessions.flush,
            self._after_minute, self.log, boost=self._minute_boost, before_minute=self.events.advance,
            gate=self.gate,
        )
        # achievement stats (lifetime messages, hours, streak, emotes) to the ledger, batched (stat_reporter.py)
        self.stat_reporter = presence_reporter(self.database, self.client,
                                               timeout=max(5.0, cfg.nats.request_timeout_seconds))
        await self.sessions.load()
        await self.gate.load()
        await self.ticker.load()
        await self.chat.load()
        await self.events.load()
        await self.boost_carries.load()
        event_api.register(self.router, self.channels, self.events, self.boosts)
        event_commands.register(self.pm, self.boosts.view, self.events.start_adhoc, self.events.stop_adhoc,
                                self.clock.now)
        api.register(self.router, self.books, self.channels, self.store, self.ticker, self.present_names,
                     self.timed.streak_days, self.clock, streak_state=self.timed.store.streak)
        member_import_api.register(self.router, self.member_import)
        commands.register(self.pm, config, self.chat.likes.like, self.chat.triggers_report,
                          self.timed.admin_rain.rain)
        for event, handler in (
            ("adduser", self.sessions.on_join), ("userleave", self.sessions.on_leave),
            ("setafk", self.sessions.on_afk), ("userlist", self.sessions.on_userlist),
            ("chatmsg", self.activity_watch.wrap(self.chat.on_chat)),  # activity first: idle.py
            ("changemedia", self.chat.on_media), ("emotelist", self.chat.on_emotes),
        ):
            self.client.on(event)(handler)

    def ledger_transport(self) -> Any:
        """What money requests travel over (the NATS client; tests put a reply-losing wrapper here)."""
        return self.client

    def _config(self) -> EconomyConfig:
        return self.config  # read at each use: ``reload`` swaps the whole config

    def on_config_changed(self, old: EconomyConfig, new: EconomyConfig) -> None:
        """A reload (DECISIONS 25): the session books hold the join debounce as a value."""
        super().on_config_changed(old, new)
        try:
            books = self.books
        except AttributeError:  # a SIGHUP before setup: nothing built yet
            return
        for book in books.values():
            book.debounce = timedelta(minutes=new.presence.join_debounce_minutes)

    async def _scheduled_tick(self, slot: int, at: datetime) -> None:
        await self.ticker.scheduled(slot, at)

    async def start(self) -> None:
        for channel in self.books:
            await self.sessions.recover(channel)
        await self.credits.resend()  # requests a previous run kept: same key, same body
        await self.timed.start()
        await self.chat.start()
        if self.autotick:
            self.spawn(
                run_aligned(self.clock, lambda: self.config.presence.tick_interval_seconds, self._scheduled_tick,
                            "presence_tick"),
                name="presence-tick",
            )
            await self.stat_reporter.start()  # in-process tests call report_once() by hand
            # catches up a missed midnight first; in-process tests call competitions.run_due() by hand
            self.spawn(self.competitions.run_forever(), name="daily-competitions")

    async def stop(self) -> None:
        await self.stat_reporter.stop()
        await self.boost_carries.flush()
        await self.chat.stop()
        await self.batcher.close()
        await self.sessions.flush_all()
        await self.database.close()

    async def health_details(self) -> dict[str, Any]:
        return {"status": "healthy", "present": {c: len(b.sessions) for c, b in self.books.items()}}

    # ---- small glue ---------------------------------------------------------------------------------
    def present_names(self, channel: str) -> list[str]:
        """Display names of present, earning-eligible users (``channel`` as configured)."""
        book = self.books.get(channel)
        if book is None:
            return []
        return sorted(s.display for s in book.sessions.values() if not self.config.is_ignored(s.display))

    def population(self, channel: str) -> int:
        """Earning users present (the crowd bonus): sessions minus the ignored users and the bot (DECISIONS 9)."""
        book = self.books.get(channel)
        if book is None:
            return 0
        cfg = self.config
        ignored = {cfg.bot.username.casefold(), "[server]", *(u.casefold() for u in cfg.ignored_users)}
        return len(book.sessions) - sum(1 for key in ignored if key in book.sessions)

    def _minute_boost(self, channel: str, at: datetime, crowd: int) -> Boost:
        boost = self.boosts.current(channel, at, crowd)
        self.boosts.observe(channel, boost)
        return boost

    async def _after_minute(self, channel: str, present: dict[str, Session], at: datetime) -> None:
        await self.timed.on_minutes(channel, present, at)
        try:
            await self.boost_carries.flush()
        except Exception:
            self.log.exception("boost_carries_flush_failed")

    async def _on_arrival(self, channel: str, arrival: Arrival) -> None:
        self.gate.seen(channel, arrival.key, self.clock.now())
        self.chat.on_arrival(channel, arrival)
        self.spawn(self.greeting_notice.on_arrival(channel, arrival), name="greeting-notice")  # never waited on
        await self.welcome.on_genuine_arrival(channel, arrival)
        await self.timed.on_arrival(channel, arrival)
        await self.nudge.on_arrival(channel, arrival)  # after a long absence (nudge.py)
