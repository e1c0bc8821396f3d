"""Media's own Prometheus metrics (on the service's registry): searches, cache, queue actions, refunds, MediaCMS."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class MediaMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.searches = Counter("economy_media_searches_total", "Catalog searches, by outcome (results, empty, error)",
                                ["channel", "outcome"], registry=registry)
        self.cache = Counter("economy_media_cache_total", "Catalog cache lookups, by kind (search, item) and result",
                             ["kind", "result"], registry=registry)
        self.queues = Counter("economy_media_queues_total",
                              "Queue actions by action and outcome (queued, awaiting_approval, refunded, refused, "
                              "pending)", ["channel", "action", "outcome"], registry=registry)
        self.spent = Counter("economy_media_spent_total", "Z charged for queue actions that reached the playlist",
                             ["channel", "action"], registry=registry)
        self.refunds = Counter("economy_media_refunds_total", "Refunds applied, by action and reason",
                               ["channel", "action", "reason"], registry=registry)
        self.refunded = Counter("economy_media_refunded_total", "Z given back by refunds", ["channel", "action"],
                                registry=registry)
        self.mediacms_errors = Counter("economy_media_mediacms_errors_total",
                                       "Failed MediaCMS attempts, by endpoint and kind (timeout, http_5xx, http_4xx, "
                                       "connection, bad_payload)", ["endpoint", "kind"], registry=registry)
        self.mediacms_seconds = Histogram("economy_media_mediacms_seconds", "MediaCMS request time (each attempt)",
                                          ["endpoint"], registry=registry,
                                          buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.open_requests = Gauge("economy_media_open_requests",
                                   "Queue requests not settled yet, by state (pending, awaiting_approval, refunding)",
                                   ["state"], registry=registry)

    def cache_lookup(self, kind: str, hit: bool) -> None:
        self.cache.labels(kind, "hit" if hit else "miss").inc()

    def mediacms_attempt(self, endpoint: str, seconds: float, error_kind: str | None) -> None:
        self.mediacms_seconds.labels(endpoint).observe(seconds)
        if error_kind is not None:
            self.mediacms_errors.labels(endpoint, error_kind).inc()
