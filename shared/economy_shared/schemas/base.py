"""Common request shape: ``{"command": "...", "channel": "...", ...flat fields}``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

UserName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ChannelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
IdemKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=240)]


class StrictModel(BaseModel):
    """Unknown fields are rejected so a typo is a clear ``bad_request``."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Request(StrictModel):
    """Base of every request."""

    command: str
    channel: ChannelName
    # Optional tracing id a caller may pass; logged, never trusted for identity.
    request_id: str | None = Field(default=None, max_length=100)


class Result(BaseModel):
    """Base of every reply's ``data``."""

    model_config = ConfigDict(extra="ignore")


class PingRequest(Request):
    """Every service answers this on its own subject (readiness checks, the stack launcher)."""

    command: Literal["system.ping"] = "system.ping"
