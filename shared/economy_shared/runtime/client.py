"""Building and connecting the kryten-py client of one service."""

from __future__ import annotations

import asyncio
from typing import Any

from ..config import EconomyConfig
from ..subjects import ServiceName


def reconnect_wait(config: EconomyConfig) -> int:
    """kryten-py's ``reconnect_time_wait`` is a whole number of seconds, at least 1."""
    return int(max(1, config.nats.reconnect_time_wait))


def reconnect_budget(config: EconomyConfig) -> float:
    """Seconds nats-py keeps trying (at start, or after a drop) before it gives up and closes.

    An upper bound: after a drop it waits before each of ``max_reconnect_attempts`` + 1 tries
    (measured: 3 attempts 1 s apart close the connection 4 s after the drop).
    """
    return float((config.nats.max_reconnect_attempts + 1) * reconnect_wait(config))


def kryten_config(config: EconomyConfig, service: ServiceName) -> dict[str, Any]:
    """The KrytenConfig dict for a service. Reconnects are finite (see ecosystem §4.2)."""
    nats: dict[str, Any] = {
        "servers": config.nats.servers,
        "connect_timeout": int(max(1, config.nats.connect_timeout)),
        "reconnect_time_wait": reconnect_wait(config),
        "max_reconnect_attempts": config.nats.max_reconnect_attempts,
    }
    for key in ("user", "password", "token"):
        value = getattr(config.nats, key)
        if value:
            nats[key] = value
    return {
        "nats": nats,
        "channels": [{"domain": c.domain, "channel": c.channel} for c in config.channels],
        "service": {
            "name": f"economy-{service}",
            "version": _version(),
            "heartbeat_interval": 30,
            "health_port": config.metrics.ports.model_dump()[service] or None,
            "metrics_port": config.metrics.ports.model_dump()[service] or None,
        },
        # kryten-py logs every publish at INFO; it sets its own logger level from this.
        "log_level": "DEBUG" if config.logging.level.upper() == "DEBUG" else "WARNING",
        # The announcer paces the bot itself; kryten-py's own throttle would double the delay.
        "chat_min_delay": 0.0,
        "chat_jitter": 0.0,
        "handler_timeout": 30.0,
    }


def _version() -> str:
    from .. import __version__

    return __version__


def build_client(config: EconomyConfig, service: ServiceName) -> Any:
    from kryten import KrytenClient

    return KrytenClient(kryten_config(config, service))


async def connect(client: Any, timeout: float) -> None:
    await asyncio.wait_for(client.connect(), timeout=timeout)


async def flush(client: Any) -> None:
    """Make sure our SUBs reached the server before anyone is told we are ready (ecosystem §3.3)."""
    nc = getattr(client, "_nats", None)
    if nc is not None and hasattr(nc, "flush"):
        await nc.flush(timeout=5)


def nats_is_connected(client: Any) -> bool:
    """The real connection state; kryten-py's ``is_connected`` stays True during an outage."""
    nc = getattr(client, "_nats", None)
    if nc is None:
        return bool(getattr(client, "is_connected", False))
    return bool(getattr(nc, "is_connected", False))


def nats_is_closed(client: Any) -> bool:
    """True once nats-py gave up for good (reconnect attempts exhausted); it never reopens.

    kryten-py keeps ``run()`` looping and only flips its private ``_connected`` flag (ecosystem
    §4.2), so we read nats-py's public ``is_closed``. ``_nats`` is None before connect and after our
    own ``disconnect()``; neither is an outage.
    """
    nc = getattr(client, "_nats", None)
    return nc is not None and bool(getattr(nc, "is_closed", False))


async def wait_closed(client: Any, interval: float = 0.5) -> None:
    """Return when the NATS connection has closed for good (polled: kryten-py offers no hook)."""
    while not nats_is_closed(client):
        await asyncio.sleep(interval)
