"""Pure rules of daily balance maintenance (``balance_maintenance``): interest or decay, once per UTC day.

- ``mode: interest``: each unbanned account with ``balance >= min_balance_to_earn`` earns
  ``min(floor(balance * daily_rate), max_daily_interest)``, kind ``earn`` (counts toward ranks,
  DECISIONS 5), key ``interest:<chan>:<date>``.
- ``mode: decay``: each unbanned account with ``balance >= exempt_below`` loses
  ``floor(balance * daily_rate)``, kind ``maintenance`` (negative), key ``decay:<chan>:<date>``.
- ``mode: none``: nothing runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from economy_shared.channels import channel_key
from economy_shared.config.presence import BalanceMaintenanceSettings, DecaySettings, InterestSettings
from economy_shared.schemas.ledger import Posting, PostingKind


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
    return f"{mode}:{channel_key(channel)}:{day.isoformat()}" + (f":{block}" if block else "")
