"""What a rule owes a user: one idempotent earning plus what to say once it is paid.

Rules produce ``Owed`` items; they are stored in the same transaction as the rule's state change
and paid afterwards (``payout.py``), so a crash or a ledger outage can delay a bonus but never
lose it, and the key (derived from the business fact) means it is never paid twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.templating import safe_format


@dataclass(frozen=True)
class Announcement:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Owed:
    key: str  # idempotency key, e.g. ``streak:<chan>:<user>:<date>``
    user: str  # display name
    amount: int
    trigger_id: str
    reason: str
    notice: str = ""  # PM sent to the user once paid ("" = none)
    announce: Announcement | None = None  # public line once paid
    metadata: dict[str, Any] | None = None  # the journal row's metadata (multiplier sources, base amount)


# A rule's amount through the earning multipliers: (user key, base Z) -> (Z to pay, journal metadata).
BoostFn = Callable[[str, int], tuple[int, "dict[str, Any] | None"]]


def no_boost(_key: str, amount: int) -> tuple[int, dict[str, Any] | None]:
    return amount, None


def notice_fields(config: EconomyConfig, user: str, amount: int, **extra: Any) -> dict[str, Any]:
    """Placeholders every earning notification may use (``config.presence.NOTICE_FIELDS``)."""
    cur = config.currency
    return {"user": user, "amount": amount, "currency": cur.plural, "symbol": cur.symbol, **extra}


def render(template: str, config: EconomyConfig, user: str, amount: int, **extra: Any) -> str:
    return safe_format(template, **notice_fields(config, user, amount, **extra))
