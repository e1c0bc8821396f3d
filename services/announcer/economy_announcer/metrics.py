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
        # custom greetings (greeter.py)
        self.greetings_posted = Counter(
            "economy_greetings_posted_total", "Custom greetings queued for public chat", registry=registry
        )
        self.greetings_skipped = Counter(
            "economy_greetings_skipped_total",
            "Genuine arrivals not greeted, by reason (no_greeting, too_soon, disabled, capped, ...)",
            ["reason"],
            registry=registry,
        )
        # GIF approvals (approvals.py)
        self.gif_approvals = Counter(
            "economy_gif_approvals_total",
            "GIF approvals by outcome (approved, rejected, conflict, refunded, refund_failed)",
            ["outcome"],
            registry=registry,
        )
        # vanity shop (purchases.py, shop.py)
        self.vanity_purchases = Counter(
            "economy_vanity_purchases_total",
            "Vanity purchases by item and outcome (applied, failed, pending, refunded, cooldown, free)",
            ["item", "outcome"],
            registry=registry,
        )
        self.vanity_spent = Counter(
            "economy_vanity_z_spent_total", "Z charged for vanity items that were delivered", ["item"],
            registry=registry,
        )
        self.fortunes = Counter("economy_fortunes_total", "Daily fortunes told", ["free"], registry=registry)
        self.shoutouts = Counter("economy_shoutouts_total", "Paid shoutouts posted", registry=registry)
        # chat colours in the channel CSS (chat_colours.py)
        self.chat_colour_css = Counter(
            "economy_chat_colour_css_writes_total",
            "Chat-colour CSS syncs by outcome (written, unchanged, unreadable, refused, failed)",
            ["outcome"],
            registry=registry,
        )

    def observe_depth(self, outbox: Outbox) -> None:
        for channel, size in outbox.depths().items():
            self.depth.labels(channel).set(size)

    def drop(self, reason: str, count: int = 1) -> None:
        if count > 0:
            self.dropped.labels(reason).inc(count)
