"""Daily balance maintenance, the use case (rules in maintenance_rules.py, SQL in maintenance_store.py).

The run for a day is due from ``run_hour_utc`` on that day. The last run day is persisted per
channel; after downtime the service runs the latest due day once (a missed day is not paid
retroactively day by day: interest would compound on balances the days did not see). All of a
channel's postings for a day are one ledger request per block of 20,000 account ids, keyed by
day and block, so a partially applied run is finished, never repeated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.logging import get_logger
from economy_shared.schedule import PeriodicJob
from economy_shared.schemas.ledger import PostRequest, PostResult
from economy_shared.users import user_key

from .maintenance_rules import due_day, min_balance, plan, run_key
from .maintenance_store import MaintenanceStore
from .metrics import LedgerMetrics

log = get_logger("economy.ledger.maintenance")


@dataclass(frozen=True)
class MaintenanceReport:
    channel: str
    day: date
    mode: str
    postings: int
    total: int  # Z paid (interest) or removed (decay)


class BalanceMaintenance(PeriodicJob):
    """Checks once a minute (wall clock) whether a channel's daily run is due; a missed day runs at start."""

    name = "balance-maintenance"

    def __init__(
        self,
        store: MaintenanceStore,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        metrics: LedgerMetrics,
        poll_seconds: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(clock, poll_seconds, sleep)
        self._store = store
        self._config = config
        self._metrics = metrics

    async def run_due(self) -> list[MaintenanceReport]:
        cfg = self._config()
        settings = cfg.balance_maintenance
        if settings.mode == "none":
            return []
        day = due_day(self.clock.now(), settings.run_hour_utc)
        reports = []
        for channel in cfg.channel_names():
            last = await self.last_day(channel)
            if last is None or last < day:
                reports.append(await self.run(channel, day))
        return reports

    async def last_day(self, channel: str) -> date | None:
        return await self._store.last_day(channel)

    async def run(self, channel: str, day: date) -> MaintenanceReport:
        """Apply ``day``'s run for ``channel`` (idempotent: a second run of the same day changes nothing)."""
        settings = self._config().balance_maintenance
        floor = min_balance(settings)
        postings = total = 0
        for block in await self._store.blocks(channel, floor):
            n, z = await self._run_block(channel, day, floor, block)
            postings, total = postings + n, total + z
        await self._store.record_run(channel, day, settings.mode, to_ms(self.clock.now()), postings, total)
        log.info("balance_maintenance", channel=channel, day=day.isoformat(), mode=settings.mode,
                 postings=postings, total=total)
        return MaintenanceReport(channel, day, settings.mode, postings, total)

    async def _run_block(self, channel: str, day: date, floor: int, block: int) -> tuple[int, int]:
        settings = self._config().balance_maintenance
        key = run_key(settings.mode, channel, day, block)

        def request(accounts: list[tuple[str, int]]) -> PostRequest | None:
            postings = plan(settings, accounts)
            if not postings:
                return None
            return PostRequest(channel=channel, idempotency_key=key, postings=postings, on_banned="skip",
                               want_balances=False)

        applied = await self._store.apply_block(channel, floor, block, request, to_ms(self.clock.now()))
        if applied is None:
            return 0, 0
        req, outcome = applied
        if isinstance(outcome, ServiceError):
            if outcome.code == ErrorCode.IDEMPOTENCY_CONFLICT:
                return 0, 0  # this block of this day already ran (balances moved since)
            # Balances are read in the postings' own transaction, so nothing else can refuse it: a bug.
            raise outcome
        return self._count(req, outcome)

    def _count(self, req: PostRequest, result: PostResult) -> tuple[int, int]:
        if result.replayed:
            return 0, 0
        self._metrics.observe_post(req, result)
        skipped = set(result.skipped)
        applied = [p for p in req.postings if user_key(p.user) not in skipped]
        return len(applied), sum(abs(p.amount) for p in applied)
