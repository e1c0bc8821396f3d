"""Spending settings (sprint 5 and the sprint-10 inflation governor).

``spending`` and ``mediacms`` are read by the media service, ``tipping`` by the ledger and
``inflation`` by every service that prices a spend (media, announcer's vanity shop).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section
from .fields import CronExpr, check_template, window_containing


class QueueTier(Section):
    # Media up to this many minutes long costs ``cost`` (the first tier that fits wins).
    max_minutes: float = Field(gt=0)
    label: str = Field(min_length=1, max_length=60)
    cost: int = Field(ge=0)


def _default_tiers() -> list[QueueTier]:
    rows = [
        (15, "Short / Music Video", 250),
        (35, "30-min Episode", 500),
        (65, "60-min Episode", 750),
        (999, "Movie", 1000),
    ]
    return [QueueTier(max_minutes=m, label=lbl, cost=c) for m, lbl, c in rows]


class BlackoutWindow(Section):
    """Paid queueing is closed from each cron fire time (UTC) for ``duration_hours``."""

    name: str = Field(min_length=1, max_length=80)
    cron: CronExpr
    duration_hours: float = Field(gt=0, le=168)

    def window_at(self, now: datetime) -> tuple[datetime, datetime] | None:
        """The ``(start, end)`` of this blackout if ``now`` (tz-aware UTC) is inside it."""
        return window_containing(self.cron, timedelta(hours=self.duration_hours), now)


class SpendingSettings(Section):
    queue_tiers: list[QueueTier] = Field(default_factory=_default_tiers, min_length=1)
    # Put an item straight after the current one.
    interrupt_play_next: int = Field(default=10_000, ge=0)
    # Play an item now (add_media then jump_to, DECISIONS 19).
    force_play_now: int = Field(default=100_000, ge=0)
    # forcenow waits for an admin's approve_play; the charge is refunded on reject.
    force_play_requires_admin: bool = True
    # Paid queue actions (queue, playnext, forcenow) per user per UTC day, before rank perks.
    max_queues_per_day: int = Field(default=3, ge=0)
    # Minutes between two paid queue actions of one user.
    queue_cooldown_minutes: int = Field(default=30, ge=0)
    blackout_windows: list[BlackoutWindow] = Field(default_factory=list)

    @field_validator("queue_tiers")
    @classmethod
    def _tiers(cls, v: list[QueueTier]) -> list[QueueTier]:
        lengths = [t.max_minutes for t in v]
        if lengths != sorted(lengths) or len(set(lengths)) != len(lengths):
            raise ValueError("queue_tiers must have strictly increasing max_minutes")
        return v

    @field_validator("blackout_windows")
    @classmethod
    def _unique_names(cls, v: list[BlackoutWindow]) -> list[BlackoutWindow]:
        names = [w.name.casefold() for w in v]
        if len(set(names)) != len(names):
            raise ValueError("blackout window names must be unique")
        return v

    def tier_for(self, duration_seconds: float) -> QueueTier:
        """Price tier for a media length; anything longer than every tier uses the last one."""
        minutes = duration_seconds / 60
        for tier in self.queue_tiers:
            if minutes <= tier.max_minutes:
                return tier
        return self.queue_tiers[-1]

    def active_blackout(self, now: datetime) -> tuple[BlackoutWindow, datetime] | None:
        """The first blackout window containing ``now`` and the time it ends, or None."""
        for window in self.blackout_windows:
            span = window.window_at(now)
            if span is not None:
                return window, span[1]
        return None


class MediaCmsSettings(Section):
    """MediaCMS catalogue the media service searches and queues from. Empty base_url = not configured."""

    base_url: str = ""
    # DRF token, sent as ``Authorization: Token <api_token>``; keep it in the environment.
    api_token: str = ""
    search_results_limit: int = Field(default=10, ge=1, le=50)
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Extra attempts after a failed or timed-out request (with backoff).
    max_retries: int = Field(default=2, ge=0, le=5)
    # Seconds a search or item lookup (found or not found) is cached.
    cache_ttl_seconds: int = Field(default=300, ge=0)
    # Most searches and lookups kept in the cache (least recently used go first).
    cache_max_entries: int = Field(default=1000, ge=1, le=100_000)
    # How a catalog item becomes CyTube's add_media(type, id) (media service):
    # "manifest": type "cm" with ``manifest_url`` filled in (a CyTube custom manifest served per item);
    # "fields": the item's own ``media_type`` / ``media_id`` fields (the plan's mapping; an item whose
    # media_type is not a CyTube type code, like upstream's "video", cannot be queued).
    add_as: Literal["manifest", "fields"] = "manifest"
    # For add_as "manifest": {base_url} and {id} (the catalog id users type) are filled in.
    manifest_url: str = Field(default="{base_url}api/v1/media/cytube/{id}.json?format=json", min_length=1,
                              max_length=500)

    @field_validator("manifest_url")
    @classmethod
    def _manifest(cls, v: str) -> str:
        check_template(v, ("base_url", "id"))
        if "{id}" not in v:
            raise ValueError("manifest_url must contain {id}")
        return v

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        v = v.strip()
        if not v:
            return ""
        if not v.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        # aiohttp joins relative paths onto base_url only when it ends with '/'.
        return v if v.endswith("/") else v + "/"

    @property
    def configured(self) -> bool:
        return bool(self.base_url)


class TippingSettings(Section):
    """``tip @user <amount>``: one ledger transfer. Self-tips (alias-aware) are always refused."""

    enabled: bool = True
    min_amount: int = Field(default=1, ge=1)
    # Total Z one user may tip per UTC day.
    max_per_day: int = Field(default=5000, ge=1)
    # Minutes since the sender's account was created before they may tip.
    min_account_age_minutes: int = Field(default=30, ge=0)


class InflationSettings(Section):
    """Inflation governor: spend prices scale with the channel's float (the sum of all balances).

    ``multiplier = clamp(float / anchor_float, min_multiplier, max_multiplier)``; the price is
    ``round(base * multiplier)`` before the rank discount. Applies to queue prices and vanity items,
    never to tips, gambling or earnings. Computed per channel.
    """

    enabled: bool = False
    anchor_float: int = Field(default=100_000_000, ge=1)
    min_multiplier: float = Field(default=0.25, ge=0.01, le=1.0)
    max_multiplier: float = Field(default=8.0, ge=1.0, le=1000)
    # How often each channel's float is re-read.
    update_interval_seconds: int = Field(default=3600, ge=60)

    @model_validator(mode="after")
    def _bounds(self) -> InflationSettings:
        if self.min_multiplier > self.max_multiplier:
            raise ValueError("inflation.min_multiplier must not exceed max_multiplier")
        return self

    def multiplier_for(self, channel_float: int) -> float:
        if not self.enabled:
            return 1.0
        raw = channel_float / self.anchor_float
        return min(max(raw, self.min_multiplier), self.max_multiplier)
