"""The MediaCMS client against the stand-in server (a real HTTP server, never a mocked session):
cache (hit, not-found, expiry, bound), the retry policy, auth, answer shapes, and that it never raises."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from prometheus_client import CollectorRegistry

from economy_media.cache import NOT_FOUND, TtlCache
from economy_media.mediacms import Found, MediaCmsClient, backoff_delay, retryable
from economy_media.metrics import MediaMetrics
from economy_shared.config.spending import MediaCmsSettings
from tests.media.mediacms_standin import Media, MediaCmsStandIn

ITEMS = {
    "abc123": Media("Night of the Test", 95 * 60),
    "def456": Media("Test Pattern", 30),
    "priv001": Media("Hidden Test", 60, private=True),
}


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def server() -> AsyncIterator[MediaCmsStandIn]:
    s = await MediaCmsStandIn(ITEMS).start()
    yield s
    await s.stop()


class Harness:
    def __init__(self, server: MediaCmsStandIn, **settings: object) -> None:
        self.settings = MediaCmsSettings(base_url=server.url, request_timeout_seconds=0.3, max_retries=2,
                                         **settings)  # type: ignore[arg-type]
        self.ticker = Ticker()
        self.sleeps: list[float] = []
        self.metrics = MediaMetrics(CollectorRegistry())
        self.client = MediaCmsClient(lambda: self.settings, self.metrics, backoff=0.01, sleep=self._sleep,
                                     monotonic=self.ticker)

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def errors(self, endpoint: str, kind: str) -> float:
        return self.metrics.mediacms_errors.labels(endpoint, kind)._value.get()

    def cache(self, kind: str, result: str) -> float:
        return self.metrics.cache.labels(kind, result)._value.get()


@pytest.fixture
async def h(server: MediaCmsStandIn) -> AsyncIterator[Harness]:
    harness = Harness(server)
    yield harness
    await harness.client.close()


# ---- the cache on its own ------------------------------------------------------------------------
def test_cache_keeps_hits_and_not_found_until_they_expire() -> None:
    t = Ticker()
    cache = TtlCache(ttl=10, max_entries=10, monotonic=t)
    cache.put("item:a", "A")
    cache.put("item:b", NOT_FOUND)
    assert cache.get("item:a") == "A"
    assert cache.get("item:b") is NOT_FOUND  # a cached "no such item" is not a miss
    assert cache.missed(cache.get("item:c"))
    t.now += 9.999
    assert cache.get("item:a") == "A"
    t.now += 0.001
    assert cache.missed(cache.get("item:a")) and cache.missed(cache.get("item:b"))
    assert len(cache) == 0  # expired entries are dropped when read


def test_cache_is_bounded_least_recently_used_first() -> None:
    cache = TtlCache(ttl=60, max_entries=3, monotonic=Ticker())
    for k in "abc":
        cache.put(k, k)
    assert cache.get("a") == "a"  # a is now the most recently used
    cache.put("d", "d")
    assert len(cache) == 3
    assert cache.missed(cache.get("b"))
    assert [cache.get(k) for k in "acd"] == ["a", "c", "d"]
    cache.configure(ttl=60, max_entries=1)
    assert len(cache) == 1 and cache.get("d") == "d"


def test_cache_off_when_ttl_is_zero() -> None:
    cache = TtlCache(ttl=0, max_entries=3, monotonic=Ticker())
    cache.put("a", "a")
    assert cache.missed(cache.get("a"))


# ---- lookups through HTTP ------------------------------------------------------------------------
async def test_search_reads_the_upstream_page_and_caches_it(h: Harness, server: MediaCmsStandIn) -> None:
    first = await h.client.search("test")
    assert first.ok and not first.cached
    assert [(i.id, i.title, i.duration_seconds) for i in first.items or []] == [
        ("abc123", "Night of the Test", 5700), ("def456", "Test Pattern", 30)]
    assert server.seen[-1].path == "/api/v1/search" and server.seen[-1].query == {"q": "test"}
    again = await h.client.search("  TEST ")  # same words, other case and spacing: the same entry
    assert again.cached and again.items == first.items
    assert server.hits("/api/v1/search") == 1
    assert (h.cache("search", "hit"), h.cache("search", "miss")) == (1, 1)


async def test_search_limit_and_bare_list_shape(server: MediaCmsStandIn) -> None:
    server.shape = "list"
    h = Harness(server, search_results_limit=1)
    try:
        found = await h.client.search("test")
        assert found.ok and len(found.items or []) == 1
    finally:
        await h.client.close()


async def test_unknown_and_private_items_are_cached_as_not_found(h: Harness, server: MediaCmsStandIn) -> None:
    for token in ("nope999", "priv001"):  # upstream: 400 "does not exist", 401 "private"
        miss = await h.client.item(token)
        assert miss.status is Found.NOT_FOUND and not miss.cached
        again = await h.client.item(token)
        assert again.status is Found.NOT_FOUND and again.cached
    assert server.hits("/api/v1/media/nope999") == 1 and server.hits("/api/v1/media/priv001") == 1


async def test_item_keeps_the_requested_id_and_expires_from_the_cache(h: Harness, server: MediaCmsStandIn) -> None:
    got = await h.client.item("abc123")
    assert got.status is Found.FOUND and got.item is not None
    assert (got.item.id, got.item.title, got.item.duration_seconds, got.item.media_type) == (
        "abc123", "Night of the Test", 5700, "video")
    assert (await h.client.item("abc123")).cached
    h.ticker.now += h.settings.cache_ttl_seconds  # the TTL passes
    fresh = await h.client.item("abc123")
    assert fresh.status is Found.FOUND and not fresh.cached
    assert server.hits("/api/v1/media/abc123") == 2


async def test_cache_bound_applies_to_lookups(server: MediaCmsStandIn) -> None:
    h = Harness(server, cache_max_entries=2)
    try:
        for token in ("abc123", "def456", "nope999"):
            await h.client.item(token)
        assert len(h.client.cache) == 2
        assert not (await h.client.item("abc123")).cached  # the oldest entry was evicted
        assert (await h.client.item("nope999")).cached
    finally:
        await h.client.close()


async def test_token_is_sent_only_when_set(server: MediaCmsStandIn) -> None:
    anonymous = Harness(server)
    authed = Harness(server, api_token="s3cret")
    try:
        await anonymous.client.item("abc123")
        assert server.seen[-1].authorization is None
        await authed.client.item("def456")
        assert server.seen[-1].authorization == "Token s3cret"
    finally:
        await anonymous.client.close()
        await authed.client.close()


# ---- retry policy --------------------------------------------------------------------------------
def test_retry_policy_is_timeouts_and_5xx_only() -> None:
    assert retryable(None, timed_out=True)
    assert retryable(500, False) and retryable(503, False) and retryable(599, False)
    assert not retryable(400, False) and not retryable(404, False) and not retryable(429, False)
    assert not retryable(None, False)  # a refused connection: the catalog is down, say so at once
    assert [backoff_delay(0.5, n) for n in range(3)] == [0.5, 1.0, 2.0]


async def test_5xx_is_retried_with_backoff_then_succeeds(h: Harness, server: MediaCmsStandIn) -> None:
    server.fail_next(2, status=503)
    got = await h.client.item("def456")
    assert got.status is Found.FOUND
    assert server.hits("/api/v1/media/def456") == 3
    assert h.sleeps == [0.01, 0.02]
    assert h.errors("item", "http_5xx") == 2


async def test_5xx_every_time_gives_up_after_max_retries(h: Harness, server: MediaCmsStandIn) -> None:
    server.fail_next(3, status=502)
    got = await h.client.search("test")
    assert not got.ok and "502" in got.error
    assert server.hits("/api/v1/search") == 3  # 1 + max_retries
    assert h.sleeps == [0.01, 0.02]
    assert (await h.client.search("test")).ok  # errors are never cached
    assert server.hits("/api/v1/search") == 4


async def test_4xx_is_not_retried(h: Harness, server: MediaCmsStandIn) -> None:
    server.fail_next(1, status=429)
    got = await h.client.search("test")
    assert not got.ok and server.hits("/api/v1/search") == 1 and h.sleeps == []
    assert h.errors("search", "http_4xx") == 1


async def test_timeouts_are_retried_within_the_budget(h: Harness, server: MediaCmsStandIn) -> None:
    server.delay = 1.0  # longer than the 0.3 s per-request timeout
    started = time.monotonic()
    got = await h.client.item("abc123")
    elapsed = time.monotonic() - started
    assert got.status is Found.ERROR and "did not answer" in got.error
    assert server.hits("/api/v1/media/abc123") == 3
    assert elapsed < 3 * 0.3 + 0.5  # three attempts of 0.3 s, the backoff is injected
    assert h.errors("item", "timeout") == 3
    server.delay = 0.0
    assert (await h.client.item("abc123")).status is Found.FOUND  # the error was not cached


async def test_catalog_down_is_one_quick_error_and_comes_back(h: Harness, server: MediaCmsStandIn) -> None:
    await server.down()
    started = time.monotonic()
    got = await h.client.search("test")
    assert not got.ok and "cannot be reached" in got.error
    assert time.monotonic() - started < 1.0 and h.sleeps == []
    assert h.errors("search", "connection") == 1
    await server.up()
    assert (await h.client.search("test")).ok


async def test_never_raises_on_garbage(h: Harness, server: MediaCmsStandIn) -> None:
    server.garbage = True  # 200 with an HTML page
    assert not (await h.client.search("test")).ok
    assert (await h.client.item("abc123")).status is Found.ERROR
    assert h.errors("search", "bad_payload") == 1 and h.errors("item", "bad_payload") == 1
    assert server.hits("/api/v1/search") == 1  # not retried, and not cached:
    server.garbage = False
    assert (await h.client.search("test")).ok


async def test_not_configured_is_an_error_without_a_request() -> None:
    client = MediaCmsClient(lambda: MediaCmsSettings(), None)
    try:
        assert not (await client.search("x")).ok
        assert (await client.item("abc")).status is Found.ERROR
    finally:
        await client.close()
