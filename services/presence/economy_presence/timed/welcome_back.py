"""Welcome back: a bonus on a genuine arrival after ``retention.welcome_back.days_absent`` whole days away.

Independent of the welcome wallet (which pays once ever, on the very first arrival): a user the
service has never seen (``absent_for is None``) gets only the wallet; a returning user gets this
whatever happened to their wallet. One per user and UTC day (``welcomeback:<chan>:<user>:<date>``).
"""

from __future__ import annotations

from datetime import date

from economy_shared.channels import channel_key
from economy_shared.config import EconomyConfig

from ..sessions import Arrival
from .owed import BoostFn, Owed, no_boost, render


def welcome_back_owed(
    config: EconomyConfig, channel: str, arrival: Arrival, today: date, boost: BoostFn = no_boost
) -> Owed | None:
    cfg = config.retention.welcome_back
    if not cfg.enabled or cfg.bonus <= 0 or not arrival.genuine or arrival.absent_for is None:
        return None
    days = arrival.absent_for.days  # whole days: 6 d 23 h is 6
    if days < cfg.days_absent:
        return None
    amount, meta = boost(arrival.key, cfg.bonus)
    return Owed(
        key=f"welcomeback:{channel_key(channel)}:{arrival.key}:{today.isoformat()}",
        user=arrival.display,
        amount=amount,
        trigger_id="retention.welcome_back",
        reason=f"Welcome back ({days} days absent)",
        notice=render(cfg.message, config, arrival.display, amount, days=days),
        metadata=meta,
    )
