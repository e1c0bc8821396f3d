"""The earning multipliers applied: one ``Boost`` per channel and moment, used by every credit presence
makes (the tick, chat/content/social triggers, ambient rain, streak/milestone/bridge/welcome-back
bonuses) and by nothing else (DECISIONS 11: not gambling, transfers, admin postings, the admin rain,
the welcome wallet, competition awards or an event's own presence bonus).

The boost is fixed when the earning happens and written into the request's body (amount and journal
metadata), so a request re-sent after an outage is the very same body even if the event has ended.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from economy_shared.clock import Clock, from_ms
from economy_shared.config import EconomyConfig
from economy_shared.schemas.events import ActiveMultipliers, MultiplierSource
from economy_shared.users import user_key

from ..metrics import PresenceMetrics
from ..timed.owed import BoostFn
from .book import EarningEvents
from .carries import BoostCarries
from .multipliers import NO_BOOST, ActiveSource, Boost, active_sources, boost_of, visible

SOURCE_KINDS = ("off_peak", "population", "holiday", "scheduled", "adhoc")


class Boosts:
    def __init__(
        self,
        events: EarningEvents,
        carries: BoostCarries,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        population: Callable[[str], int],
        metrics: PresenceMetrics,
    ) -> None:
        self._events = events
        self._carries = carries
        self._config = config
        self._clock = clock
        self._population = population  # earning users present in a channel
        self._metrics = metrics

    def sources(self, channel: str, at: datetime | None = None, population: int | None = None) -> list[ActiveSource]:
        now = at or self._clock.now()
        crowd = self._population(channel) if population is None else population
        return active_sources(self._config().multipliers, now, crowd, self._events.active(channel, now))

    def current(self, channel: str, at: datetime | None = None, population: int | None = None) -> Boost:
        sources = self.sources(channel, at, population)
        if not sources:
            return NO_BOOST
        return boost_of(sources, self._config().multipliers.max_combined)

    def apply(
        self, channel: str, user: str, amount: int, boost: Boost | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        """``amount`` under the channel's boost now: (whole Z to pay, journal metadata or None)."""
        b = self.current(channel) if boost is None else boost
        if not b.active or amount <= 0:
            return amount, None
        return self._carries.apply(channel, user_key(user), amount, b), b.metadata(base=amount)

    def fn(self, channel: str) -> BoostFn:
        """A rule's boost for this channel, fixed now (one snapshot for a whole evaluation)."""
        b = self.current(channel)

        def boost(key: str, amount: int) -> tuple[int, dict[str, Any] | None]:
            if not b.active or amount <= 0:
                return amount, None
            return self._carries.apply(channel, key, amount, b), b.metadata(base=amount)

        return boost

    def view(self, channel: str) -> ActiveMultipliers:
        """What ``events`` shows: non-hidden sources and their own product, never a hidden one (DECISIONS 11)."""
        now = self._clock.now()
        cap = self._config().multipliers.max_combined
        shown, combined = visible(self.sources(channel, now), cap)
        ends = {f"{e.kind}:{e.name}": e.ends_ms for e in self._events.active(channel, now)}
        return ActiveMultipliers(
            sources=[MultiplierSource(source=s.source, label=s.label, multiplier=float(s.factor),
                                      ends_at=from_ms(ends[s.source]).isoformat() if s.source in ends else None)
                     for s in shown],
            combined=float(combined), max_combined=cap,
        )

    def observe(self, channel: str, boost: Boost) -> None:
        """Export the channel's multiplier state (called once per tick)."""
        self._metrics.combined_multiplier.labels(channel).set(float(boost.factor))
        by_kind = dict.fromkeys(SOURCE_KINDS, 1.0)
        for s in boost.sources:
            kind = s.source.split(":")[0]
            by_kind[kind] = by_kind.get(kind, 1.0) * float(s.factor)
        for kind, value in by_kind.items():
            self._metrics.multiplier_sources.labels(channel, kind).set(value)
