"""Custom greetings on a genuine arrival (seed §3, DECISIONS 20, 21, 23).

Presence tells the announcer about every genuine arrival (``announcer.arrival``); a user who owns a
greeting is greeted in public when they were away at least ``presence.greeting_absence_minutes``
(or were never seen before). The greeting goes out as an ordinary announcement through the
``greeting`` template: it counts against the public cap and dedup, and arrivals inside the batch
window merge into one line by the outbox's own announcement batching (``Outbox.public(batch=True)``).

Repeats: a greeting is remembered per (channel, user) for the greeting window. Any later *genuine*
greeting needs an absence of at least that window, which can only start after this arrival, so the
memory never hides a real return; it only stops a re-sent request (or a second presence instance)
from greeting the same arrival twice. No arrival id is needed, so a re-send with any delay or body
is caught.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from economy_shared.channels import channel_key
from economy_shared.clock import Clock
from economy_shared.config import EconomyConfig
from economy_shared.sanitize import public_text
from economy_shared.schemas.announcer import QueuedResult
from economy_shared.schemas.vanity import ArrivalResult
from economy_shared.users import user_key

from .metrics import AnnouncerMetrics
from .personalise import VanityLookup

TEMPLATE = "greeting"
MIN_MEMORY_SECONDS = 120.0  # even with a zero window, one arrival is greeted once
PRUNE_EVERY_SECONDS = 60.0


class AnnouncementQueue(Protocol):
    """``LocalVoice.queue_announcement``: render a template and admit it as a batched announcement."""

    def queue_announcement(self, channel: str, template: str, context: Mapping[str, Any]) -> QueuedResult: ...


class Greeter:
    def __init__(
        self,
        lookup: VanityLookup,
        voice: AnnouncementQueue,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        metrics: AnnouncerMetrics,
    ) -> None:
        self._lookup = lookup
        self._voice = voice
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._greeted: dict[tuple[str, str], float] = {}  # (channel key, user key) -> remembered until
        self._next_prune = 0.0

    def on_arrival(self, channel: str, user: str, absent_seconds: float | None) -> ArrivalResult:
        """Greet ``user`` if they own a greeting and were away long enough (DECISIONS 21)."""
        cfg = self._config()
        now = self._clock.now().timestamp()
        self._prune(now)
        window = cfg.presence.greeting_absence_minutes * 60.0
        key = (channel_key(channel), user_key(user))
        if cfg.is_ignored(user):
            return self._skip("ignored")
        if absent_seconds is not None and absent_seconds < window:
            return self._skip("too_soon")
        raw = self._lookup.item(channel, user, "greeting")
        # Said again at send time (DECISIONS 20): a row from an older version or by hand is not trusted.
        greeting = public_text(raw, cfg.vanity_shop.custom_greeting.max_length) if raw else ""
        if not greeting:
            return self._skip("no_greeting")
        if self._greeted.get(key, 0.0) > now:
            return self._skip("already_greeted")
        result = self._voice.queue_announcement(channel, TEMPLATE, {"user": user, "greeting": greeting})
        if not result.queued:
            return self._skip(result.reason or "not_queued")
        self._greeted[key] = now + max(window, MIN_MEMORY_SECONDS)
        self._metrics.greetings_posted.inc()
        return ArrivalResult(greeted=True, reason=result.reason)  # "merged" when it joined a waiting line

    def _skip(self, reason: str) -> ArrivalResult:
        self._metrics.greetings_skipped.labels(reason).inc()
        return ArrivalResult(greeted=False, reason=reason)

    def _prune(self, now: float) -> None:
        if now < self._next_prune:
            return
        self._next_prune = now + PRUNE_EVERY_SECONDS
        for key in [k for k, until in self._greeted.items() if until <= now]:
            del self._greeted[key]
