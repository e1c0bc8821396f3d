"""Earning events and multipliers (presence): what is active, and the admin's ad-hoc event."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Request, Result, UserName


class ActiveMultipliersRequest(Request):
    command: Literal["presence.events"] = "presence.events"


class MultiplierSource(Result):
    source: str  # "off_peak", "population", "holiday:<name>", "scheduled:<name>", "adhoc:<name>"
    label: str
    multiplier: float
    ends_at: str | None = None  # ISO-8601 UTC, for events


class ActiveMultipliers(Result):
    """Only non-hidden sources, and their own product: a hidden source is never revealed (DECISIONS 11)."""

    sources: list[MultiplierSource] = Field(default_factory=list)
    combined: float = 1.0
    max_combined: float = 5.0


class EventStartRequest(Request):
    command: Literal["presence.event_start"] = "presence.event_start"
    admin: UserName  # who started it (logged and announced; the caller is trusted to have checked)
    multiplier: float = Field(gt=0, le=100)
    minutes: int = Field(ge=1, le=100_000)
    name: str = Field(min_length=1, max_length=200)


class EventStopRequest(Request):
    command: Literal["presence.event_stop"] = "presence.event_stop"
    admin: UserName


class EventResult(Result):
    name: str
    multiplier: float
    starts_at: str
    ends_at: str
    started_by: str = ""
