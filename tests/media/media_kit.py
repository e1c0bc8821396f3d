"""Helpers of the media tests (a uniquely named module; it holds no tests).

``running()`` wires the real ledger and the media service on an in-memory bus, a recording stand-in
for the announcer, and the MediaCMS stand-in server, so PMs, announcements, robot commands and money
can all be asserted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from economy_ledger.service import LedgerService
from economy_media.service import MediaService
from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig
from economy_shared.testing import InMemoryBus, MockKrytenClient
from tests.helpers import CHANNEL, PmCursor, Stack, make_config
from tests.media.mediacms_standin import Media, MediaCmsStandIn

LEDGER = "kryten.economy.ledger.command"
MEDIA = "kryten.economy.media.command"
ANNOUNCER = "kryten.economy.announcer.command"

CATALOG = {
    "short01": Media("Cat Video", 120),  # 2 min: the 250 tier
    "ep30": Media("Space Show Episode", 30 * 60),  # the 500 tier
    "movie01": Media("The Long Movie", 2 * 3600),  # past every tier: the last one (1000)
    "broken1": Media("Broken Upload", 600),  # the robot answers queueFail for this one (see Media kit users)
    "secret1": Media("Private Thing", 60, private=True),
}


class FakeAnnouncer:
    """Answers ``kryten.economy.announcer.command`` and records what the service asked it to say."""

    def __init__(self, bus: InMemoryBus) -> None:
        self.pms: list[dict[str, Any]] = []
        self.announcements: list[dict[str, Any]] = []
        self.client = MockKrytenClient(bus, channel=CHANNEL)

    async def start(self) -> None:
        await self.client.subscribe_request_reply(ANNOUNCER, self.handle)

    async def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        if req["command"] == "announcer.pm":
            self.pms.append(req)
        elif req["command"] == "announcer.announce":
            self.announcements.append(req)
        return {"service": "announcer", "command": req["command"], "success": True, "data": {"queued": True}}

    def to(self, user: str, *, unsolicited: bool | None = None) -> list[str]:
        return [p["text"] for p in self.pms if p["user"].casefold() == user.casefold()
                and (unsolicited is None or p["unsolicited"] == unsolicited)]


def media_config(tmp_path: Path, catalog_url: str, **overrides: Any) -> EconomyConfig:
    """Test defaults: a configured catalog, short timeouts, a generous PM rate limit, admin 'boss'."""
    mediacms = {"base_url": catalog_url, "request_timeout_seconds": 0.5, "max_retries": 2}
    mediacms.update(overrides.pop("mediacms", {}))
    spending = {"queue_cooldown_minutes": 30, "max_queues_per_day": 3}
    spending.update(overrides.pop("spending", {}))
    return make_config(tmp_path, commands={"rate_limit_per_minute": 600}, mediacms=mediacms, spending=spending,
                       admin={"usernames": ["boss"]}, **overrides)


class Shop:
    def __init__(self, stack: Stack, ledger: LedgerService, media: MediaService, announcer: FakeAnnouncer,
                 catalog: MediaCmsStandIn) -> None:
        self.stack = stack
        self.ledger = ledger
        self.media = media
        self.announcer = announcer
        self.catalog = catalog
        self._inbox = PmCursor(announcer.to)

    @property
    def clock(self) -> FakeClock:
        return self.stack.clock

    @property
    def robot(self) -> MockKrytenClient:
        """The media service's own client: what it sends the robot, and what the robot answers."""
        return self.media.client

    def addvideos(self) -> list[dict[str, Any]]:
        return self.stack.bus.robot_commands("addvideo")

    def jumps(self) -> list[dict[str, Any]]:
        return self.stack.bus.robot_commands("jump")

    async def fund(self, user: str, amount: int) -> None:
        await self.stack.fund(user, amount)

    async def account(self, user: str) -> dict[str, Any]:
        return await self.stack.account(user)

    async def balance(self, user: str) -> int:
        return int((await self.account(user))["balance"])

    async def journal(self, user: str) -> list[dict[str, Any]]:
        r = await self.stack.request(LEDGER, {"command": "ledger.journal", "channel": CHANNEL, "user": user,
                                              "limit": 100})
        assert r["success"], r
        return list(reversed(r["data"]["entries"]))

    async def audit(self) -> dict[str, Any]:
        return await self.stack.audit()

    async def request(self, command: str, **fields: Any) -> dict[str, Any]:
        return await self.stack.request(MEDIA, {"command": command, "channel": CHANNEL, **fields})

    async def pm(self, user: str, text: str) -> list[str]:
        """Send a PM command; the PMs ``user`` received since their previous command."""
        await self.stack.pm(user, text)
        return self._inbox.since(user)

    async def say(self, user: str, text: str) -> str:
        replies = await self.pm(user, text)
        assert replies, f"no reply to {text!r}"
        return replies[-1]

    def announced(self) -> list[tuple[str, dict[str, Any]]]:
        return [(a["template"], a["context"]) for a in self.announcer.announcements]

    async def tick(self, seconds: float = 0.0) -> int:
        """Move time on and run one recovery pass (what the loop does every few seconds)."""
        self.clock.advance(seconds)
        done = await self.media.resolve_due()
        await self.stack.settle()
        return done


async def start_shop(stack: Stack, catalog: MediaCmsStandIn, announcer: FakeAnnouncer | None = None) -> Shop:
    if announcer is None:
        announcer = FakeAnnouncer(stack.bus)
        await announcer.start()
    ledger = next((h.service for h in stack.hosts if isinstance(h.service, LedgerService)), None)
    if ledger is None:
        ledger = await stack.add(LedgerService)

    def make(cfg: EconomyConfig, client: Any) -> MediaService:
        service = MediaService(cfg, client)
        service.autoresolve = False  # tests run recovery passes by hand (Shop.tick)
        return service

    media = await stack.add(make)
    return Shop(stack, ledger, media, announcer, catalog)


@asynccontextmanager
async def running(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, *, items: dict[str, Media] | None = None,
                  **overrides: Any) -> AsyncIterator[Shop]:
    catalog = await MediaCmsStandIn(CATALOG if items is None else items).start()
    stack = Stack(bus, media_config(tmp_path, catalog.url, **overrides), clock)
    shop: Shop | None = None
    try:
        shop = await start_shop(stack, catalog)
        yield shop
    finally:
        await stack.close()
        if shop is not None:
            await shop.announcer.client.disconnect()
        await catalog.stop()


def robot_refuses(shop: Shop, *catalog_ids: str, message: str = "This item is unavailable") -> None:
    """The robot answers CyTube's queueFail (``data.success: false``) for these catalog ids."""
    real = shop.robot.add_media

    async def add_media(channel: str, media_type: str, media_id: str, **kwargs: Any) -> dict[str, Any]:
        reply = await real(channel, media_type, media_id, **kwargs)
        if any(f"/{c}." in media_id or media_id == c for c in catalog_ids):
            return {"service": "robot", "command": "addvideo", "success": True,
                    "data": {"success": False, "error": message,
                             "queue_fail": {"msg": message, "link": media_id, "id": media_id}}}
        return reply

    shop.robot.add_media = add_media  # type: ignore[method-assign]
