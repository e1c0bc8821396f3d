"""The whole economy in one process (a uniquely named module; it holds no tests).

``running()`` starts all five real services — ledger, presence, gambling, media (reaching the MediaCMS
stand-in over loopback HTTP) and announcer — on one ``InMemoryBus`` with one ``FakeClock``, from a YAML
file the services also re-read on ``reload``. Background loops are off: the tests move time and run the
presence minutes, the daily competitions and the recovery passes by hand. Every PM and chat line goes out
through the real announcer, so ``Economy.pm`` returns what the user really received.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from economy_announcer.service import AnnouncerService
from economy_gambling.service import GamblingService
from economy_ledger.service import LedgerService
from economy_media.service import MediaService
from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig, load_config
from economy_shared.schedule import boundary_index
from economy_shared.testing import InMemoryBus
from tests.gambling.test_gambling_kit import ScriptedRng
from tests.helpers import CHANNEL, PmCursor, Stack
from tests.media.mediacms_standin import Media, MediaCmsStandIn
from tests.shared.reload_kit import raw_config, write_config

LEDGER = "kryten.economy.ledger.command"
PRESENCE = "kryten.economy.presence.command"
ADMIN = "Boss"

CATALOG = {
    "short01": Media("Cat Video", 120),  # 2 min: the first queue tier
    "ep30": Media("Space Show Episode", 30 * 60),
}

# Quiet defaults: nothing pays unless the scenario turns it on, so every balance is derived from the config.
QUIET: dict[str, Any] = {
    "commands": {"rate_limit_per_minute": 600},
    "onboarding": {"welcome_wallet": 0},
    "rain": {"enabled": False},
    "balance_maintenance": {"mode": "none"},
    "presence": {"base_rate_per_minute": 1, "hourly_milestones": {}, "night_watch": {"enabled": False}},
    "streaks": {"daily": {"enabled": False}, "weekend_weekday_bridge": {"enabled": False}},
    "retention": {"welcome_back": {"enabled": False}},
    "chat_triggers": {name: {"enabled": False} for name in (
        "long_message", "laugh_received", "kudos_received", "first_message_of_day", "conversation_starter")},
    "content_triggers": {name: {"enabled": False} for name in (
        "first_after_media_change", "comment_during_media", "like_current", "survived_full_media")},
    "social_triggers": {name: {"enabled": False} for name in (
        "greeted_newcomer", "mentioned_by_other", "bot_interaction")},
    "daily_competitions": [],
    "achievements": [],
    "gambling": {"min_account_age_minutes": 0},
    "tipping": {"min_account_age_minutes": 0},
    "spending": {"queue_cooldown_minutes": 30, "max_queues_per_day": 3},
    "reload": {"service_timeout_seconds": 2.0},
}


def merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``, dicts merged key by key (lists and scalars replaced)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


class Economy:
    """The five services plus the helpers a scenario needs: people, time, money and what was said."""

    def __init__(self, stack: Stack, services: dict[str, Any], catalog: MediaCmsStandIn, path: Path,
                 raw: dict[str, Any], rng: ScriptedRng) -> None:
        self.stack = stack
        self.ledger: LedgerService = services["ledger"]
        self.presence: PresenceService = services["presence"]
        self.gambling: GamblingService = services["gambling"]
        self.media: MediaService = services["media"]
        self.announcer: AnnouncerService = services["announcer"]
        self.catalog = catalog
        self.path = path
        self.raw = raw
        self.rng = rng
        self._inbox = PmCursor(stack.bus.pms_to)

    # ---- config ----------------------------------------------------------------------------------
    @property
    def config(self) -> EconomyConfig:
        return self.ledger.config

    @property
    def clock(self) -> FakeClock:
        return self.stack.clock

    @property
    def bus(self) -> InMemoryBus:
        return self.stack.bus

    def rewrite(self, **overrides: Any) -> None:
        """Write a changed config file (the services read it on the next ``reload``)."""
        self.raw = merged(self.raw, overrides)
        write_config(self.path, self.raw)

    # ---- people --------------------------------------------------------------------------------
    async def join(self, *names: str, rank: int = 1) -> None:
        for name in names:
            await self.stack.event("addUser", {"name": name, "rank": rank, "profile": {}, "meta": {"afk": False}})

    async def leave(self, *names: str) -> None:
        for name in names:
            await self.stack.event("userLeave", {"name": name})

    async def chat(self, user: str, text: str) -> None:
        await self.stack.event("chatMsg", {"username": user, "msg": text, "meta": {}, "time": 0})
        await self.presence.chat.flush()
        await self.stack.settle()

    async def pm(self, user: str, text: str) -> list[str]:
        """Send a PM command; the PMs ``user`` received since the previous look at their inbox."""
        await self.stack.pm(user, text)
        return await self.inbox(user)

    async def say(self, user: str, text: str) -> str:
        replies = await self.pm(user, text)
        assert replies, f"no reply to {user}: {text!r}"
        return "\n".join(replies)

    async def inbox(self, user: str) -> list[str]:
        """The PMs ``user`` received since the previous look, without sending one."""
        await self.stack.settle()
        return self._inbox.since(user)

    def chats(self) -> list[str]:
        return self.bus.chats()

    # ---- time ----------------------------------------------------------------------------------
    async def minutes(self, n: int = 1) -> None:
        """``n`` presence minutes: advance the clock a minute and run that minute's tick, each time."""
        for _ in range(n):
            self.clock.advance(60)
            now = self.clock.now()
            await self.presence.ticker.scheduled(boundary_index(now, 60), now)
            await self.stack.settle()

    async def end_of_day(self) -> None:
        """Run the daily competitions that are due (the loop does this at 00:00:30 UTC)."""
        await self.presence.competitions.run_due()
        await self.stack.settle()

    # ---- money ---------------------------------------------------------------------------------
    async def fund(self, user: str, amount: int) -> None:
        await self.stack.fund(user, amount)
        await self.inbox(user)  # notices from the funding are not the next command's reply

    async def account(self, user: str) -> dict[str, Any]:
        return await self.stack.account(user)

    async def balance(self, user: str) -> int:
        return int((await self.account(user)).get("balance") or 0)

    async def journal(self, user: str) -> list[dict[str, Any]]:
        """The user's journal rows, oldest first."""
        r = await self.stack.request(LEDGER, {"command": "ledger.journal", "channel": CHANNEL, "user": user,
                                              "limit": 500})
        assert r["success"], r
        return list(reversed(r["data"]["entries"]))

    async def earned(self, user: str, prefix: str) -> list[int]:
        """Amounts of the user's journal rows whose trigger starts with ``prefix``."""
        return [int(e["amount"]) for e in await self.journal(user) if (e.get("trigger_id") or "").startswith(prefix)]

    async def audit(self) -> dict[str, Any]:
        data = await self.stack.audit()
        assert data["ok"], data
        return data


async def _start(stack: Stack, path: Path, rng: ScriptedRng) -> dict[str, Any]:
    def gambling(cfg: EconomyConfig, client: Any) -> GamblingService:
        service = GamblingService(cfg, client, rng=rng)
        service.autoresolve = False
        return service

    def media(cfg: EconomyConfig, client: Any) -> MediaService:
        service = MediaService(cfg, client)
        service.autoresolve = False
        return service

    def presence(cfg: EconomyConfig, client: Any) -> PresenceService:
        service = PresenceService(cfg, client)
        service.autotick = False  # an instance attribute: the class default stays as it was
        return service

    def announcer(cfg: EconomyConfig, client: Any) -> AnnouncerService:
        return AnnouncerService(cfg, client, autosend=False)

    services: dict[str, Any] = {}
    for name, factory in (("ledger", LedgerService), ("presence", presence), ("gambling", gambling),
                          ("media", media), ("announcer", announcer)):
        services[name] = await stack.add(factory)
        services[name].config_path = path
    services["presence"].chat.flush_delay = 0.0  # chat counters written at once, not coalesced for 0.5 s

    await services["announcer"].purchase_recovery.stop()  # recovery passes run by hand
    await stack.settle()
    return services


@asynccontextmanager
async def running(tmp_path: Path, clock: FakeClock, *, items: dict[str, Media] | None = None,
                  **overrides: Any) -> AsyncIterator[Economy]:
    """All five services from one config file: the quiet defaults, then ``overrides`` merged on top."""
    catalog = await MediaCmsStandIn(CATALOG if items is None else items).start()
    raw = merged(raw_config(tmp_path), QUIET)
    raw = merged(raw, {"admin": {"usernames": [ADMIN]},
                       "mediacms": {"base_url": catalog.url, "request_timeout_seconds": 0.5, "max_retries": 1}})
    raw = merged(raw, overrides)
    path = write_config(tmp_path / "economy.yaml", raw)
    stack = Stack(InMemoryBus(), load_config(path), clock)
    rng = ScriptedRng(seed=13)
    try:
        services = await _start(stack, path, rng)
        yield Economy(stack, services, catalog, path, raw, rng)
    finally:
        await stack.close()
        await catalog.stop()
