"""Earning multipliers as pure rules (DECISIONS 11): which sources are active, and what they make together.

Sources: off-peak (days and UTC hours), high population (earning users present), holidays (UTC
date), scheduled events and the admin's ad-hoc event. Active factors multiply and the product is
capped by ``multipliers.max_combined``. Factors are exact ``Decimal`` values with at most three
decimals (integer milli-factors), so a boosted amount is an exact number of milli-Z.

``events`` shows only non-hidden sources, and its combined figure is the product of those alone:
a hidden source is never revealed, not even through the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from economy_shared.config.events import MultiplierSettings

ONE = Decimal(1)
MILLI = 1000


def exact(factor: float | Decimal) -> Decimal:
    """A config or admin factor as an exact Decimal of at most three decimals (rounded down)."""
    return (Decimal(str(factor)) * MILLI).to_integral_value(rounding=ROUND_FLOOR) / MILLI


@dataclass(frozen=True)
class ActiveEvent:
    """An event whose window contains now (from the events store)."""

    kind: str  # "adhoc" | "scheduled"
    name: str
    multiplier: Decimal
    ends_ms: int
    hidden: bool = False


@dataclass(frozen=True)
class ActiveSource:
    source: str  # "off_peak", "population", "holiday:<name>", "scheduled:<name>", "adhoc:<name>"
    label: str  # what `events` shows
    factor: Decimal
    hidden: bool = False


@dataclass(frozen=True)
class Boost:
    """What every presence earning is multiplied by right now, and why."""

    factor: Decimal = ONE
    sources: tuple[ActiveSource, ...] = ()

    @property
    def milli(self) -> int:
        return int(self.factor * MILLI)

    @property
    def active(self) -> bool:
        return self.factor != ONE

    def metadata(self, base: int | None = None) -> dict[str, Any] | None:
        """What the journal row records (hidden sources included: the journal is the audit trail)."""
        if not self.active:
            return None
        meta: dict[str, Any] = {"multiplier": str(self.factor), "sources": [s.source for s in self.sources]}
        if base is not None:
            meta["base"] = base
        return meta


NO_BOOST = Boost()


def active_sources(
    cfg: MultiplierSettings, now: datetime, population: int, events: Sequence[ActiveEvent]
) -> list[ActiveSource]:
    """Every source active at ``now`` for a channel with ``population`` earning users present."""
    out: list[ActiveSource] = []
    op = cfg.off_peak
    if op.active_at(now):
        out.append(ActiveSource("off_peak", "📅 Off-peak bonus", exact(op.multiplier), op.hidden))
    hp = cfg.high_population
    if hp.enabled and population >= hp.min_users:
        out.append(ActiveSource("population", "👥 Crowd bonus", exact(hp.multiplier), hp.hidden))
    hol = cfg.holidays
    if hol.enabled:
        today = now.strftime("%m-%d")
        out += [ActiveSource(f"holiday:{h.name}", f"🎄 {h.name}", exact(h.multiplier), hol.hidden)
                for h in hol.dates if h.date == today]
    for e in events:
        icon = "⚡" if e.kind == "adhoc" else "🎉"
        out.append(ActiveSource(f"{e.kind}:{e.name}", f"{icon} {e.name}", exact(e.multiplier), e.hidden))
    return [s for s in out if s.factor > ONE]


def combine(sources: Sequence[ActiveSource], cap: float) -> Decimal:
    """Product of the factors, capped (three decimals, rounded down)."""
    product = ONE
    for s in sources:
        product *= s.factor
    return min(exact(product), exact(cap))


def boost_of(sources: Sequence[ActiveSource], cap: float) -> Boost:
    return Boost(combine(sources, cap), tuple(sources))


def visible(sources: Sequence[ActiveSource], cap: float) -> tuple[list[ActiveSource], Decimal]:
    """What ``events`` may show: the non-hidden sources and their own (capped) product."""
    shown = [s for s in sources if not s.hidden]
    return shown, combine(shown, cap)


def boosted_milli(amount: int, boost: Boost) -> int:
    """``amount`` whole Z times the factor, in milli-Z (exact)."""
    return amount * boost.milli
