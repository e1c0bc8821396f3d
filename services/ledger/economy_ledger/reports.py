"""Economy reports, the use case (rules in report_rules.py, SQL in report_store.py).

``Reports`` answers ``econ:stats`` / ``econ:health`` (PM) and ``economy.stats`` / ``economy.health`` /
``economy.snapshot`` (public subject) with one implementation each. ``SnapshotJob`` takes one
snapshot per channel per wall-clock slot (``snapshots.interval_hours``); the slot that holds "now"
is taken at start when missing (one catch-up, never one per missed slot), and the unique
(channel, slot) key means a replay writes nothing. Presence is asked who is here with a short
timeout; no answer records ``present`` as null and never blocks the snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge

from economy_shared.clock import Clock, day_str, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger
from economy_shared.runtime.requests import call
from economy_shared.schedule import PeriodicJob
from economy_shared.schemas.ledger import AuditResult
from economy_shared.schemas.presence import PresentUsers, PresentUsersRequest
from economy_shared.schemas.reports import EconomyHealth, EconomyStats, Snapshot
from economy_shared.subjects import service_subject

from .report_rules import day_start, participation, slot_start, trend
from .report_store import ReportStore

log = get_logger("economy.ledger.reports")

Audit = Callable[[str], Awaitable[AuditResult]]


class ReportMetrics:
    """``median``: the ledger's ``economy_median_balance`` gauge (metrics.py, also refreshed on each scrape),
    set here too at each snapshot; one gauge of that name per registry."""

    def __init__(self, registry: CollectorRegistry, median: Gauge) -> None:
        self.circulation = Gauge("economy_circulation", "Z held by users at the latest snapshot", ["channel"],
                                 registry=registry)
        self.accounts = Gauge("economy_accounts", "User accounts at the latest snapshot", ["channel"],
                              registry=registry)
        self.median = median
        self.digests = Counter("economy_digests_sent", "Digest PMs handed to the announcer", ["kind"],
                               registry=registry)

    def observe_snapshot(self, s: Snapshot) -> None:
        self.circulation.labels(s.channel).set(s.circulation)
        self.accounts.labels(s.channel).set(s.accounts)
        self.median.labels(s.channel).set(s.median_balance)


class PresentNow:
    """``presence.present_users``; None when presence does not answer (down, slow, refusing)."""

    def __init__(self, client: object, timeout: float = 1.0) -> None:
        self._client = client
        self._timeout = timeout

    async def __call__(self, channel: str) -> list[str] | None:
        reply = await call(self._client, service_subject("presence"), PresentUsersRequest(channel=channel),
                           timeout=self._timeout)
        if not reply.success:
            return None
        try:
            return PresentUsers.model_validate(reply.data).users
        except ValueError:
            return None


PresentLookup = Callable[[str], Awaitable[list[str] | None]]


class Reports:
    """``audit_ttl_seconds``: the audit reads the whole journal, and ``economy.health`` answers anyone, so
    its result is reused for that long (real seconds) per channel."""

    def __init__(self, store: ReportStore, audit: Audit, present: PresentLookup,
                 config: Callable[[], EconomyConfig], clock: Clock, metrics: ReportMetrics,
                 audit_ttl_seconds: float = 60.0) -> None:
        self._store = store
        self._audit = audit
        self._audit_ttl = audit_ttl_seconds
        self._audits: dict[str, tuple[float, AuditResult]] = {}
        self._present = present
        self._config = config
        self._clock = clock
        self.metrics = metrics

    async def stats(self, channel: str) -> EconomyStats:
        now = self._clock.now()
        start, end = to_ms(day_start(now.date())), to_ms(now) + 1
        accounts, circulation = await self._store.totals(channel)
        top = await self._store.top_earners_of_day(channel, day_str(now), 1)
        latest = await self._store.latest_snapshot(channel)
        return EconomyStats(
            channel=channel, day=day_str(now), circulation=circulation, accounts=accounts,
            today=await self._store.flows(channel, start, end),
            active_today=await self._store.active_users(channel, day_str(now), start, end),
            top_earner=top[0][0] if top else None, top_earned=top[0][1] if top else 0,
            latest_snapshot_ms=latest.slot_ms if latest else None,
            circulation_delta=circulation - latest.circulation if latest else None,
            accounts_delta=accounts - latest.accounts if latest else None,
        )

    async def health(self, channel: str) -> EconomyHealth:
        present = await self._present(channel)
        holders = await self._store.holders_among(channel, present) if present is not None else None
        _, circulation = await self._store.totals(channel)
        latest = await self._store.latest_snapshot(channel)
        delta = circulation - latest.circulation if latest else None
        audit = await self._cached_audit(channel)
        return EconomyHealth(
            channel=channel, present=len(present) if present is not None else None, present_with_accounts=holders,
            participation_percent=participation(holders, len(present) if present is not None else None),
            median_balance=await self._store.median_balance(channel), circulation=circulation,
            circulation_delta=delta, trend=trend(delta),
            audit_ok=audit.ok, audit_mismatches=len(audit.mismatches) + len(audit.negative),
        )

    async def _cached_audit(self, channel: str) -> AuditResult:
        hit = self._audits.get(channel)
        if hit is not None and time.monotonic() - hit[0] < self._audit_ttl:
            return hit[1]
        result = await self._audit(channel)
        self._audits[channel] = (time.monotonic(), result)
        return result

    async def snapshot(self, channel: str, slot_ms: int | None = None, at_ms: int | None = None) -> Snapshot | None:
        if slot_ms is not None:
            return await self._store.snapshot_at(channel, slot_ms)
        return await self._store.latest_snapshot(channel, at_ms)

    async def capture(self, channel: str) -> Snapshot | None:
        """Take the snapshot of the slot holding now; None when it already exists (idempotent)."""
        now = self._clock.now()
        hours = self._config().snapshots.interval_hours
        slot = slot_start(now, hours)
        existing = await self._store.snapshot_at(channel, to_ms(slot))
        if existing is not None:
            self.metrics.observe_snapshot(existing)  # gauges hold after a restart inside the slot
            return None
        present = await self._present(channel)
        accounts, circulation = await self._store.totals(channel)
        snap = Snapshot(
            channel=channel, slot_ms=to_ms(slot), taken_ms=to_ms(now), interval_hours=hours,
            circulation=circulation, accounts=accounts, present=len(present) if present is not None else None,
            median_balance=await self._store.median_balance(channel),
            flows=await self._store.flows(channel, to_ms(slot - timedelta(hours=hours)), to_ms(slot)),
        )
        if not await self._store.write_snapshot(snap):
            return None
        self.metrics.observe_snapshot(snap)
        log.info("economy_snapshot", channel=channel, slot=slot.isoformat(), circulation=circulation,
                 accounts=accounts, present=snap.present)
        return snap

    async def prune(self, channel: str) -> int:
        keep = self._config().snapshots.keep_days
        if keep == 0:
            return 0
        return await self._store.prune_snapshots(channel, to_ms(self._clock.now() - timedelta(days=keep)))


class SnapshotJob(PeriodicJob):
    """Checks once a minute (wall clock) whether the current slot's snapshot is missing."""

    name = "economy-snapshots"

    def __init__(self, reports: Reports, config: Callable[[], EconomyConfig], clock: Clock,
                 poll_seconds: float = 60.0, sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        super().__init__(clock, poll_seconds, sleep)
        self._reports = reports
        self._config = config

    async def run_due(self) -> list[Snapshot]:
        cfg = self._config()
        if not cfg.snapshots.enabled:
            return []
        taken = []
        for channel in cfg.channel_names():
            try:
                snap = await self._reports.capture(channel)
                await self._reports.prune(channel)
            except Exception:
                log.exception("economy_snapshot_failed", channel=channel)  # one channel never stops the others
                continue
            if snap is not None:
                taken.append(snap)
        return taken
