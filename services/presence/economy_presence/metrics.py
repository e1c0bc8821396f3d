"""Presence's Prometheus metrics, built once and handed to the components that count."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class PresenceMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.tick_seconds = Histogram(
            "economy_presence_tick_seconds", "Presence tick duration", ["channel"], registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.z_earned = Counter(
            "economy_z_earned_total", "Z earned via presence-and-earning", ["channel", "source"], registry=registry
        )
        self.active_users = Gauge("economy_active_users", "Earning-eligible present users", ["channel"],
                                  registry=registry)
        self.kept_requests = Gauge(
            "economy_presence_unanswered_requests", "Ledger requests kept to re-send (no answer yet)",
            registry=registry,
        )
        self.chat_backlog = Gauge("economy_chat_credit_backlog", "Chat rewards waiting for the ledger",
                                  registry=registry)
        self.chat_dropped = Counter("economy_chat_rewards_dropped_total", "Chat rewards dropped: backlog full",
                                    ["channel"], registry=registry)

        # earning events and multipliers (events/)
        self.combined_multiplier = Gauge("economy_active_multiplier", "Combined earning multiplier now (capped)",
                                         ["channel"], registry=registry)
        self.multiplier_sources = Gauge("economy_multiplier_active", "Active multiplier by source kind (1 = inactive)",
                                        ["channel", "source"], registry=registry)
        self.events_started = Counter("economy_earning_events_started_total", "Earning events started",
                                      ["channel", "kind"], registry=registry)
        self.event_bonus_paid = Counter("economy_event_presence_bonus_z_total",
                                        "Z owed to users present when a scheduled event started", ["channel"],
                                        registry=registry)

        # onboarding minimums and the inactivity nudge (eligibility.py, nudge.py)
        self.gated_users = Gauge("economy_presence_gated_users",
                                 "Present users below the onboarding minimums (earning nothing yet)", ["channel"],
                                 registry=registry)
        self.nudges = Counter("economy_inactivity_nudges_total", "Inactivity nudges", ["channel", "outcome"],
                              registry=registry)

    def earned(self, channel: str, source: str, amount: int) -> None:
        if amount > 0:
            self.z_earned.labels(channel, source).inc(amount)
