"""Exact fractional earnings (DECISIONS 3): rates accumulate in integer milli-Z per (user, source)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

MILLI = 1000


def to_milli(z: float | Decimal | int) -> int:
    """Config rates (e.g. 1.5 Z/min) to integer milli-Z, exactly for any rate with ≤ 3 decimals."""
    return int((Decimal(str(z)) * MILLI).to_integral_value(rounding=ROUND_FLOOR))


def accrue(carry_milli: int, add_milli: int) -> tuple[int, int]:
    """Add to a carry; return (whole Z to pay now, new carry in milli-Z)."""
    total = carry_milli + add_milli
    whole, rest = divmod(total, MILLI)
    return whole, rest
