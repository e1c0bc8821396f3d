"""The one price rule every spender uses (DECISIONS 17; the inflation governor in config/spending.py).

A spend price is the base scaled by the channel's inflation factor, rounded to the nearest Z, then the
rank discount, rounded down (in the user's favour). A positive base never becomes free: both steps
keep at least 1. A base the operator priced at 0 stays free. Pure: no I/O.
"""

from __future__ import annotations


def inflated(base: int, factor: float) -> int:
    """``round(base * factor)``; at least 1 when ``base`` is positive; 0 for a free base."""
    if base <= 0:
        return 0
    return max(1, round(base * max(factor, 0.0)))


def discounted(price: int, discount_percent: int) -> int:
    """``price`` less ``discount_percent`` %, rounded down; at least 1 when ``price`` is positive."""
    if price <= 0:
        return 0
    pct = min(max(discount_percent, 0), 100)
    return max(1, price * (100 - pct) // 100)


def spend_price(base: int, factor: float, discount_percent: int) -> int:
    """What a user pays: inflation first, then the rank discount."""
    return discounted(inflated(base, factor), discount_percent)
