"""Every NATS subject the economy uses, named once (ARCHITECTURE §2)."""

from __future__ import annotations

from typing import Final, Literal

ServiceName = Literal["ledger", "presence", "gambling", "media", "announcer"]
SERVICE_NAMES: Final[tuple[ServiceName, ...]] = ("ledger", "presence", "gambling", "media", "announcer")

PUBLIC_COMMAND: Final = "kryten.economy.command"
USERSTATS_COMMAND: Final = "kryten.userstats.command"
ROBOT_COMMAND: Final = "kryten.robot.command"
ROBOT_STARTUP: Final = "kryten.lifecycle.robot.startup"


def service_subject(service: ServiceName) -> str:
    """The internal request-reply subject of one service."""
    if service not in SERVICE_NAMES:
        raise ValueError(f"unknown service {service!r}")
    return f"kryten.economy.{service}.command"


def lifecycle_startup(service: ServiceName) -> str:
    return f"kryten.lifecycle.economy-{service}.startup"


def userlist_bucket(channel: str) -> str:
    """The robot's KV bucket of present users; the channel keeps its exact case."""
    return f"kryten_{channel}_userlist"


def playlist_bucket(channel: str) -> str:
    return f"kryten_{channel}_playlist"
