"""The announcer's own Prometheus metrics (on the service's registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from .outbox import Outbox


class AnnouncerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.depth = Gauge(
            "economy_announcer_queue_depth", "Lines waiting in the outbox", ["channel"], registry=registry
        )
        self.sent = Counter(
            "economy_announcer_sent_total", "Lines sent to the robot, by kind (pm or chat)", ["kind"],
            registry=registry,
        )
        self.dropped = Counter(
            "economy_announcer_dropped_total",
            "Lines not queued or not sent, by reason (quiet, duplicate, capped, send_error, ...)",
            ["reason"],
            registry=registry,
        )

    def observe_depth(self, outbox: Outbox) -> None:
        for channel, size in outbox.depths().items():
            self.depth.labels(channel).set(size)

    def drop(self, reason: str, count: int = 1) -> None:
        if count > 0:
            self.dropped.labels(reason).inc(count)
