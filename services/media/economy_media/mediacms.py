"""The MediaCMS client: one aiohttp session, the real upstream endpoints, retries, a cache; never raises.

- Search ``GET {base_url}api/v1/search?q=<query>``, detail ``GET {base_url}api/v1/media/<friendly_token>``
  (the upstream API; see items.py for the answer shapes).
- ``Authorization: Token <api_token>`` only when a token is set.
- Each attempt has its own timeout (``request_timeout_seconds``). Timeouts and 5xx answers are
  retried ``max_retries`` times with exponential backoff (seed §4.3); a 4xx is final, and a refused
  connection is final too (the catalog is down: say so at once rather than make the user wait).
- Detail answers 400/401/403/404/410 mean "no such item for us" (upstream answers 400 "media file does
  not exist" and 401 for private media) and are cached as ``NOT_FOUND``; found items and search
  results are cached as well; errors never are.
- Every failure comes back as a value (``ERROR`` + a reason), so no handler ever sees an exception.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import aiohttp

from economy_shared.config.spending import MediaCmsSettings
from economy_shared.runtime.logging import get_logger

from .cache import NOT_FOUND, TtlCache
from .items import CatalogItem, item_from, items_from_search
from .metrics import MediaMetrics

log = get_logger("economy.media.mediacms")

NOT_FOUND_STATUSES = frozenset({400, 401, 403, 404, 410})
DEFAULT_BACKOFF_SECONDS = 0.5


class Found(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    ERROR = "error"


@dataclass(frozen=True)
class ItemLookup:
    status: Found
    item: CatalogItem | None = None
    cached: bool = False
    error: str = ""


@dataclass(frozen=True)
class SearchLookup:
    items: list[CatalogItem] | None  # None: the catalog did not answer usefully
    cached: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.items is not None


@dataclass(frozen=True)
class _Fetched:
    payload: Any = None
    not_found: bool = False
    error: str = ""


def retryable(status: int | None, timed_out: bool) -> bool:
    """The retry policy: timeouts and 5xx answers only."""
    return timed_out or (status is not None and 500 <= status <= 599)


def backoff_delay(base: float, attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based): base, 2×base, 4×base …"""
    return base * (2**attempt)


class MediaCmsClient:
    def __init__(self, settings: Callable[[], MediaCmsSettings], metrics: MediaMetrics | None = None, *,
                 backoff: float = DEFAULT_BACKOFF_SECONDS,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._metrics = metrics
        self._backoff = backoff
        self._sleep = sleep
        s = settings()
        self.cache = TtlCache(s.cache_ttl_seconds, s.cache_max_entries, monotonic)
        self._cached_base = s.base_url
        self._session: aiohttp.ClientSession | None = None

    # ---- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers={"Accept": "application/json"})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ---- lookups ----------------------------------------------------------------------------------
    async def search(self, query: str) -> SearchLookup:
        settings = self._sync()
        words = " ".join(query.split())
        key = f"search:{words.casefold()}"
        cached = self.cache.get(key)
        self._count_cache("search", not self.cache.missed(cached))
        if not self.cache.missed(cached):
            return SearchLookup(list(cached), cached=True)
        fetched = await self._get("search", "api/v1/search", {"q": words})
        if fetched.error:
            return SearchLookup(None, error=fetched.error)
        items = items_from_search(fetched.payload, settings.search_results_limit)
        if items is None:
            self._count_error("search", "bad_payload")
            return SearchLookup(None, error="unexpected search answer")
        self.cache.put(key, tuple(items))
        return SearchLookup(items)

    async def item(self, catalog_id: str) -> ItemLookup:
        self._sync()
        key = f"item:{catalog_id}"  # friendly tokens are case-sensitive
        cached = self.cache.get(key)
        self._count_cache("item", not self.cache.missed(cached))
        if cached is NOT_FOUND:
            return ItemLookup(Found.NOT_FOUND, cached=True)
        if not self.cache.missed(cached):
            return ItemLookup(Found.FOUND, cached, cached=True)
        fetched = await self._get("item", f"api/v1/media/{quote(catalog_id, safe='')}", None, item=True)
        if fetched.not_found:
            self.cache.put(key, NOT_FOUND)
            return ItemLookup(Found.NOT_FOUND)
        if fetched.error:
            return ItemLookup(Found.ERROR, error=fetched.error)
        found = item_from(fetched.payload, requested_id=catalog_id)
        if found is None:
            self._count_error("item", "bad_payload")
            return ItemLookup(Found.ERROR, error="unexpected item answer")
        found = CatalogItem(catalog_id, found.title, found.duration_seconds, found.media_type, found.media_id)
        self.cache.put(key, found)
        return ItemLookup(Found.FOUND, found)

    # ---- HTTP -------------------------------------------------------------------------------------
    def _sync(self) -> MediaCmsSettings:
        """Follow a reloaded config: new cache limits; a different catalog empties the cache."""
        s = self._settings()
        self.cache.configure(s.cache_ttl_seconds, s.cache_max_entries)
        if s.base_url != self._cached_base:
            self.cache.clear()
            self._cached_base = s.base_url
        return s

    async def _get(self, endpoint: str, path: str, params: dict[str, str] | None, *, item: bool = False) -> _Fetched:
        settings = self._settings()
        if not settings.configured:
            return _Fetched(error="the catalog is not configured")
        try:
            return await self._attempts(settings, endpoint, settings.base_url + path, params, item)
        except Exception as err:  # never into a handler
            log.exception("mediacms_request_failed", endpoint=endpoint)
            return _Fetched(error=f"unexpected error ({type(err).__name__})")

    async def _attempts(self, settings: MediaCmsSettings, endpoint: str, url: str, params: dict[str, str] | None,
                        item: bool) -> _Fetched:
        await self.start()
        assert self._session is not None
        headers = {"Authorization": f"Token {settings.api_token}"} if settings.api_token else {}
        timeout = aiohttp.ClientTimeout(total=settings.request_timeout_seconds)
        error = ""
        for attempt in range(settings.max_retries + 1):
            if attempt:
                await self._sleep(backoff_delay(self._backoff, attempt - 1))
            started = time.perf_counter()
            status: int | None = None
            timed_out = False
            try:
                async with self._session.get(url, params=params, headers=headers, timeout=timeout) as resp:
                    status = resp.status
                    if status == 200:
                        try:
                            payload = await resp.json(content_type=None)
                        except ValueError:
                            self._attempt(endpoint, started, "bad_payload")
                            return _Fetched(error="the catalog sent something that is not JSON")
                        self._attempt(endpoint, started, None)
                        return _Fetched(payload=payload)
                    if item and status in NOT_FOUND_STATUSES:
                        self._attempt(endpoint, started, None)
                        return _Fetched(not_found=True)
                    kind = "http_5xx" if status >= 500 else "http_4xx"
                    error = f"the catalog answered HTTP {status}"
                    self._attempt(endpoint, started, kind)
            except TimeoutError:  # asyncio's timeout and aiohttp's ServerTimeoutError
                timed_out = True
                error = f"the catalog did not answer within {settings.request_timeout_seconds:g}s"
                self._attempt(endpoint, started, "timeout")
            except aiohttp.ClientError as err:
                error = f"the catalog cannot be reached ({type(err).__name__})"
                self._attempt(endpoint, started, "connection")
            log.warning("mediacms_attempt_failed", endpoint=endpoint, attempt=attempt + 1, status=status,
                        error=error)
            if not retryable(status, timed_out):
                break
        return _Fetched(error=error)

    def _attempt(self, endpoint: str, started: float, error_kind: str | None) -> None:
        if self._metrics is not None:
            self._metrics.mediacms_attempt(endpoint, time.perf_counter() - started, error_kind)

    def _count_error(self, endpoint: str, kind: str) -> None:
        if self._metrics is not None:
            self._metrics.mediacms_errors.labels(endpoint, kind).inc()

    def _count_cache(self, kind: str, hit: bool) -> None:
        if self._metrics is not None:
            self._metrics.cache_lookup(kind, hit)
