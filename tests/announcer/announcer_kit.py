"""Helpers of the announcer tests (a uniquely named module: tests have no __init__.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from economy_announcer.service import AnnouncerService
from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig
from economy_shared.config.loader import parse_config
from economy_shared.runtime.service import ServiceHost
from economy_shared.testing import InMemoryBus, MockKrytenClient

CHANNEL = "testchan"
ADMIN = "Boss"
SUBJECT = "kryten.economy.announcer.command"


def announcer_config(tmp_path: Path, **announcements: Any) -> EconomyConfig:
    return parse_config(
        {
            "channels": [{"domain": "cytu.be", "channel": CHANNEL}],
            "database": {"directory": str(tmp_path / "data")},
            "metrics": {"enabled": False},
            "bot": {"username": "ZCoinBot"},
            "admin": {"usernames": [ADMIN]},
            "announcements": announcements,
        }
    )


class Running:
    """An announcer on an in-memory bus (sender loop off), plus a peer client that calls it."""

    def __init__(self, bus: InMemoryBus, service: AnnouncerService, host: ServiceHost, peer: MockKrytenClient):
        self.bus = bus
        self.service = service
        self.host = host
        self.peer = peer
        self.client: MockKrytenClient = service.client

    async def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        return await self.peer.nats_request(SUBJECT, payload, timeout=5)

    async def pm(self, user: str, text: str) -> None:
        await self.client.pm(user, text)
        await self.service.idle()


async def start_announcer(config: EconomyConfig, clock: FakeClock, bus: InMemoryBus | None = None) -> Running:
    bus = bus or InMemoryBus()
    client = MockKrytenClient(bus, channel=CHANNEL)
    service = AnnouncerService(config, client, clock, autosend=False)
    host = ServiceHost(service, serve_http=False)
    await host.start()
    return Running(bus, service, host, MockKrytenClient(bus, channel=CHANNEL))
