"""Rank reads: a user's standing and perks, for PM ``rank``, ``ledger.rank``, ``ledger.rank_perks`` and the
public ``rank.get`` (one implementation; DECISIONS 17). A user without an account stands at the first
tier with nothing earned; no account is created by asking.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from economy_shared.config import EconomyConfig
from economy_shared.schemas.ledger import RankPerksResult, RankResult
from economy_shared.users import user_key

from .rank_rules import progress
from .rank_store import RankStore


class Ranks:
    def __init__(self, store: RankStore, config: Callable[[], EconomyConfig],
                 price_factor: Callable[[str], Awaitable[float]] | None = None) -> None:
        self._store = store
        self._config = config
        self._price_factor = price_factor  # the inflation governor's factor (inflation.py); None: 1.0

    async def standing(self, channel: str, user: str) -> RankResult:
        found = await self._store.floor_and_lifetime(channel, user)
        floor, lifetime = found if found is not None else (None, 0)
        p = progress(self._config().ranks, lifetime, floor)
        return RankResult(
            user=user, found=found is not None, rank_name=p.name, tier_index=p.index, lifetime_earned=lifetime,
            next_rank=p.next_name, next_at=p.next_at, remaining=p.remaining, percent=round(p.percent, 1),
            perks=p.perks.describe(), discount_percent=p.perks.discount_percent,
        )

    async def perks(self, channel: str, user: str) -> RankPerksResult:
        found = await self._store.floor_and_lifetime(channel, user)
        return self._perks(user, found, await self._factor(channel))

    async def perks_many(self, channel: str, users: list[str]) -> dict[str, RankPerksResult]:
        """Perks of many users (one query), keyed by the name as asked."""
        found = await self._store.floors_and_lifetimes(channel, users)
        factor = await self._factor(channel)
        return {u: self._perks(u, found.get(user_key(u)), factor) for u in users}

    async def _factor(self, channel: str) -> float:
        return await self._price_factor(channel) if self._price_factor is not None else 1.0

    def _perks(self, user: str, found: tuple[str | None, int] | None, factor: float) -> RankPerksResult:
        floor, lifetime = found if found is not None else (None, 0)
        p = progress(self._config().ranks, lifetime, floor)
        return RankPerksResult(
            user=user, rank_name=p.name, tier_index=p.index, discount_percent=p.perks.discount_percent,
            extra_queues_per_day=p.perks.extra_queues_per_day, rain_bonus_percent=p.perks.rain_bonus_percent,
            free_daily_fortune=p.perks.free_daily_fortune, cytube_level=p.perks.cytube_level, price_factor=factor,
        )
