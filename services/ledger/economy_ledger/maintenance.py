"""Daily balance maintenance: interest or decay, once per UTC day per channel (``balance_maintenance``).

- ``mode: interest``: each unbanned account with ``balance >= min_balance_to_earn`` earns
  ``min(floor(balance * daily_rate), max_daily_interest)``, kind ``earn`` (counts toward ranks,
  DECISIONS 5), key ``interest:<chan>:<date>``.
- ``mode: decay``: each unbanned account with ``balance >= exempt_below`` loses
  ``floor(balance * daily_rate)``, kind ``maintenance`` (negative), key ``decay:<chan>:<date>``.
- ``mode: none``: nothing runs.

The run for a day is due from ``run_hour_utc`` on that day. The last run day is persisted per
channel; after downtime the service runs the latest due day once (a missed day is not paid
retroactively day by day: interest would compound on balances the days did not see). All of a
channel's postings for a day are one ledger request (a further request per 20,000 account ids,
keyed by id block so a partially applied run is finished, never repeated).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from economy_shared.clock import to_ms
from economy_shared.config.presence import BalanceMaintenanceSettings, DecaySettings, InterestSettings
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.schedule import PeriodicJob
from economy_shared.schemas.ledger import Posting, PostingKind, PostRequest
from economy_shared.users import user_key

if TYPE_CHECKING:
    from .service import LedgerService

ID_BLOCK = 20_000  # accounts per request (PostRequest allows 20,000 postings)
ATTEMPTS = 3  # a decay block is recomputed if a balance fell meanwhile


# ---- pure rules -----------------------------------------------------------------------------


def _floor(balance: int, rate: float) -> int:
    return int((Decimal(balance) * Decimal(str(rate))).to_integral_value(rounding=ROUND_FLOOR))


def interest_amount(balance: int, cfg: InterestSettings) -> int:
    if balance < cfg.min_balance_to_earn:
        return 0
    return max(0, min(_floor(balance, cfg.daily_rate), cfg.max_daily_interest))


def decay_amount(balance: int, cfg: DecaySettings) -> int:
    """Z removed (positive number); a balance exactly at ``exempt_below`` decays."""
    if balance < cfg.exempt_below:
        return 0
    return max(0, min(_floor(balance, cfg.daily_rate), balance))


def min_balance(settings: BalanceMaintenanceSettings) -> int:
    if settings.mode == "interest":
        return settings.interest.min_balance_to_earn
    return settings.decay.exempt_below


def plan(settings: BalanceMaintenanceSettings, accounts: Iterable[tuple[str, int]]) -> list[Posting]:
    """Postings for ``(display name, balance)`` accounts under the configured mode."""
    out: list[Posting] = []
    for user, balance in accounts:
        if settings.mode == "interest":
            z = interest_amount(balance, settings.interest)
            if z > 0:
                out.append(Posting(user=user, amount=z, kind=PostingKind.EARN, trigger_id="maintenance.interest",
                                   reason="Daily interest"))
        elif settings.mode == "decay":
            z = decay_amount(balance, settings.decay)
            if z > 0:
                out.append(Posting(user=user, amount=-z, kind=PostingKind.MAINTENANCE,
                                   trigger_id="maintenance.decay", reason=settings.decay.label))
    return out


def due_day(now: datetime, run_hour: int) -> date:
    """The latest day whose run time has passed at ``now``."""
    today = now.date()
    return today if now.hour >= run_hour else today - timedelta(days=1)


def run_key(mode: str, channel: str, day: date, block: int) -> str:
    return f"{mode}:{channel.casefold()}:{day.isoformat()}" + (f":{block}" if block else "")


# ---- I/O ------------------------------------------------------------------------------------


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
        service: LedgerService,
        poll_seconds: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(service.clock, poll_seconds, sleep)
        self.service = service

    async def run_due(self) -> list[MaintenanceReport]:
        settings = self.service.config.balance_maintenance
        if settings.mode == "none":
            return []
        day = due_day(self.service.clock.now(), settings.run_hour_utc)
        reports = []
        for channel in self.service.config.channel_names():
            last = await self.last_day(channel)
            if last is None or last < day:
                reports.append(await self.run(channel, day))
        return reports

    async def last_day(self, channel: str) -> date | None:
        row = await self.service.database.fetchone(
            "SELECT last_day FROM maintenance_runs WHERE channel=?", (channel.casefold(),)
        )
        return date.fromisoformat(row["last_day"]) if row else None

    async def run(self, channel: str, day: date) -> MaintenanceReport:
        """Apply ``day``'s run for ``channel`` (idempotent: a second run of the same day changes nothing)."""
        settings = self.service.config.balance_maintenance
        blocks = await self._blocks(channel, min_balance(settings))
        postings = total = 0
        for block in blocks:
            n, z = await self._run_block(channel, day, settings, block)
            postings, total = postings + n, total + z
        now_ms = to_ms(self.service.clock.now())
        await self.service.database.execute(
            "INSERT INTO maintenance_runs (channel, last_day, mode, ran_ms, postings, total) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(channel) DO UPDATE SET last_day=excluded.last_day, mode=excluded.mode, "
            "ran_ms=excluded.ran_ms, postings=excluded.postings, total=excluded.total",
            (channel.casefold(), day.isoformat(), settings.mode, now_ms, postings, total),
        )
        self.service.log.info("balance_maintenance", channel=channel, day=day.isoformat(), mode=settings.mode,
                              postings=postings, total=total)
        return MaintenanceReport(channel, day, settings.mode, postings, total)

    async def _blocks(self, channel: str, floor: int) -> list[int]:
        rows = await self.service.database.fetchall(
            "SELECT DISTINCT id / ? AS block FROM accounts WHERE channel=? AND banned=0 AND user_key NOT LIKE '~%' "
            "AND balance >= ? ORDER BY block",
            (ID_BLOCK, channel.casefold(), floor),
        )
        return [int(r["block"]) for r in rows]

    async def _accounts(self, channel: str, floor: int, block: int) -> list[tuple[str, int]]:
        rows = await self.service.database.fetchall(
            "SELECT display_name, balance FROM accounts WHERE channel=? AND banned=0 AND user_key NOT LIKE '~%' "
            "AND balance >= ? AND id >= ? AND id < ? ORDER BY id",
            (channel.casefold(), floor, block * ID_BLOCK, (block + 1) * ID_BLOCK),
        )
        return [(r["display_name"], int(r["balance"])) for r in rows]

    async def _run_block(
        self, channel: str, day: date, settings: BalanceMaintenanceSettings, block: int
    ) -> tuple[int, int]:
        key = run_key(settings.mode, channel, day, block)
        for attempt in range(ATTEMPTS):
            postings = plan(settings, await self._accounts(channel, min_balance(settings), block))
            if not postings:
                return 0, 0
            req = PostRequest(channel=channel, idempotency_key=key, postings=postings, on_banned="skip",
                              want_balances=False)
            try:
                result = await self.service.store.post(req, to_ms(self.service.clock.now()))
            except ServiceError as err:
                if err.code == ErrorCode.IDEMPOTENCY_CONFLICT:
                    return 0, 0  # this block of this day already ran (balances moved since)
                if err.code == ErrorCode.INSUFFICIENT_FUNDS and attempt + 1 < ATTEMPTS:
                    continue  # someone spent between our read and the post: read again
                raise
            if result.replayed:
                return 0, 0
            self.service.observe_post(req, result)
            skipped = set(result.skipped)
            applied = [p for p in postings if user_key(p.user) not in skipped]
            return len(applied), sum(abs(p.amount) for p in applied)
        return 0, 0
