"""What a queue action costs: the duration tier (or the fixed playnext / forcenow price), scaled by the
channel's inflation factor, less the rank discount (the shared rule, economy_shared/price_rules.py).

Pure rules, no I/O. The discount is a whole percent from the user's rank perks (DECISIONS 17) and
rounds in the user's favour (the price rounds down), but a priced action never becomes free: a
positive base price costs at least 1. A tier the operator priced at 0 stays free.
"""

from __future__ import annotations

from dataclasses import dataclass

from economy_shared.config.spending import SpendingSettings
from economy_shared.price_rules import discounted, inflated
from economy_shared.schemas.media import MediaAction

ACTION_LABEL: dict[str, str] = {"queue": "Queue", "playnext": "Play next", "forcenow": "Play now"}


@dataclass(frozen=True)
class Quote:
    action: MediaAction
    tier: str  # the duration tier's label, or the action's label for playnext / forcenow
    base_cost: int  # after the inflation factor, before the rank discount
    discount_percent: int
    cost: int


__all__ = ["ACTION_LABEL", "Quote", "discounted", "quote"]


def quote(spending: SpendingSettings, action: MediaAction, duration_seconds: float, discount_percent: int,
          factor: float = 1.0) -> Quote:
    """The price of ``action`` for an item of this length, for a user with this discount, at this inflation."""
    if action == "queue":
        tier = spending.tier_for(max(0.0, duration_seconds))
        label, base = tier.label, tier.cost
    elif action == "playnext":
        label, base = ACTION_LABEL[action], spending.interrupt_play_next
    else:
        label, base = ACTION_LABEL[action], spending.force_play_now
    base = inflated(base, factor)
    return Quote(action, label, base, discount_percent, discounted(base, discount_percent))
