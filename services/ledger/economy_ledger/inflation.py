"""The inflation governor (config ``inflation``; lessons-from-the-original: prices follow the float).

Per channel, the float is the sum of the balances of non-system accounts. It is re-read at most
every ``update_interval_seconds`` (cached per channel, on the injected clock) and turned into the
price factor by ``InflationSettings.multiplier_for`` (1.0 when the governor is off, the default).
Spenders get the factor in ``ledger.rank_perks`` (``price_factor``) and apply the one price rule
(economy_shared/price_rules.py); operators see it on the public ``stats.inflation``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Gauge

from economy_shared.channels import channel_key
from economy_shared.clock import Clock
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.schemas.ledger import SYSTEM_PREFIX


class FloatStore:
    """The one query: a channel's float (system accounts, whose names start with ``~``, left out)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def channel_float(self, channel: str) -> int:
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(balance), 0) AS held FROM accounts WHERE channel=? AND substr(user_key, 1, 1) != ?",
            (channel_key(channel), SYSTEM_PREFIX),
        )
        return int(row["held"]) if row else 0


@dataclass(frozen=True)
class InflationState:
    enabled: bool
    multiplier: float
    channel_float: int
    anchor_float: int
    min_multiplier: float
    max_multiplier: float


class InflationGovernor:
    def __init__(self, store: FloatStore, config: Callable[[], EconomyConfig], clock: Clock,
                 gauge: Gauge | None = None) -> None:
        self._store = store
        self._config = config
        self._clock = clock
        self._gauge = gauge
        self._cache: dict[str, tuple[float, int]] = {}  # channel key → (read at, epoch s; float)

    async def _float(self, channel: str) -> int:
        key = channel_key(channel)
        now = self._clock.now().timestamp()
        cached = self._cache.get(key)
        if cached is not None and 0 <= now - cached[0] < self._config().inflation.update_interval_seconds:
            return cached[1]
        value = await self._store.channel_float(channel)
        self._cache[key] = (now, value)
        return value

    async def state(self, channel: str) -> InflationState:
        s = self._config().inflation
        held = await self._float(channel) if s.enabled else 0
        multiplier = s.multiplier_for(held)
        if self._gauge is not None:
            self._gauge.labels(channel_key(channel)).set(multiplier)
        return InflationState(s.enabled, multiplier, held, s.anchor_float, s.min_multiplier, s.max_multiplier)

    async def factor(self, channel: str) -> float:
        """The price factor in force now (1.0 when the governor is off; no query then)."""
        return (await self.state(channel)).multiplier
