"""Catalog search with the price each result costs *this* user (tier price less their rank discount)."""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.channels import ChannelDirectory
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.rank_perks import RankPerks
from economy_shared.schemas.media import CatalogEntry, SearchResult

from . import texts
from .mediacms import MediaCmsClient
from .metrics import MediaMetrics
from .pricing import quote
from .queueing import known_channel


class Searching:
    def __init__(self, *, catalog: MediaCmsClient, perks: RankPerks, config: Callable[[], EconomyConfig],
                 metrics: MediaMetrics, channels: ChannelDirectory) -> None:
        self._catalog = catalog
        self._perks = perks
        self._config = config
        self._metrics = metrics
        self._channels = channels

    async def search(self, channel: str, query: str, user: str | None = None) -> SearchResult:
        chan = known_channel(self._channels, channel)
        cfg = self._config()
        if not cfg.mediacms.configured:
            raise ServiceError(ErrorCode.DISABLED, texts.NOT_CONFIGURED)
        words = " ".join(query.split())
        found = await self._catalog.search(words)
        if found.items is None:
            self._metrics.searches.labels(chan, "error").inc()
            raise ServiceError(ErrorCode.UNAVAILABLE, texts.CATALOG_DOWN)
        self._metrics.searches.labels(chan, "results" if found.items else "empty").inc()
        perks = await self._perks.of(channel, user) if user and found.items else None  # discount + inflation
        discount = perks.discount_percent if perks is not None else 0
        factor = perks.price_factor if perks is not None else 1.0
        entries = []
        for item in found.items:
            q = quote(cfg.spending, "queue", item.duration_seconds, discount, factor)
            entries.append(CatalogEntry(id=item.id, title=item.title, duration_seconds=item.duration_seconds,
                                        tier=q.tier, base_cost=q.base_cost, cost=q.cost))
        return SearchResult(query=words, discount_percent=discount, results=entries)
