"""Config reload (DECISIONS 25): every service answers ``<service>.reload`` on its own subject.

The service re-reads its config file (the one it started with, or ``path``), validates the whole
file and swaps its config as a whole, or refuses with ``bad_request`` naming the key and the reason.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..subjects import ServiceName
from .base import Request, Result


class ServiceReloadRequest(Request):
    """Base of the five per-service reload requests; ``path`` defaults to the file the service started with."""

    command: str
    path: str | None = Field(default=None, min_length=1, max_length=4096)


class LedgerReloadRequest(ServiceReloadRequest):
    command: Literal["ledger.reload"] = "ledger.reload"


class PresenceReloadRequest(ServiceReloadRequest):
    command: Literal["presence.reload"] = "presence.reload"


class GamblingReloadRequest(ServiceReloadRequest):
    command: Literal["gambling.reload"] = "gambling.reload"


class MediaReloadRequest(ServiceReloadRequest):
    command: Literal["media.reload"] = "media.reload"


class AnnouncerReloadRequest(ServiceReloadRequest):
    command: Literal["announcer.reload"] = "announcer.reload"


RELOAD_REQUESTS: dict[ServiceName, type[ServiceReloadRequest]] = {
    "ledger": LedgerReloadRequest,
    "presence": PresenceReloadRequest,
    "gambling": GamblingReloadRequest,
    "media": MediaReloadRequest,
    "announcer": AnnouncerReloadRequest,
}


class ServiceReloadResult(Result):
    """``changed_keys``: applied changes (dotted keys); ``restart_needed``: changed but kept until a restart."""

    service: str
    applied: bool
    changed_keys: list[str] = Field(default_factory=list)
    restart_needed: list[str] = Field(default_factory=list)


class ReloadSummary(Result):
    """The ledger's fan-out (PM ``reload``, public ``admin.reload`` / ``config.reload``)."""

    applied: list[str] = Field(default_factory=list)  # services that swapped their config
    not_answered: list[str] = Field(default_factory=list)  # services that did not answer in time
    refused: dict[str, str] = Field(default_factory=dict)  # service -> its reason (its own file is broken)
    changed_keys: list[str] = Field(default_factory=list)
    restart_needed: list[str] = Field(default_factory=list)
