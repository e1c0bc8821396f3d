"""Helpers of the vanity shop tests (a uniquely named module; it holds no tests).

``running()`` wires the real ledger and the announcer on an in-memory bus (sender loop off, so the
tests flush the outbox themselves), so PM replies, public chat and money can all be asserted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from economy_announcer.service import AnnouncerService
from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, PmCursor, Stack, make_config

LEDGER = "kryten.economy.ledger.command"
ANNOUNCER = "kryten.economy.announcer.command"

# Two tiers: everyone starts with 10 % off; "Star" (after 1,000 earned) also gets the free fortune.
RANKS = {"tiers": [
    {"name": "Extra", "min_lifetime_earned": 0, "discount_percent": 10},
    {"name": "Star", "min_lifetime_earned": 1000, "discount_percent": 10, "free_daily_fortune": True},
]}


def shop_config(tmp_path: Path, **overrides: Any) -> EconomyConfig:
    overrides.setdefault("ranks", RANKS)
    overrides["cytube_promotion"] = {"min_rank": "Star", **overrides.get("cytube_promotion", {})}
    return make_config(tmp_path, commands={"rate_limit_per_minute": 600}, admin={"usernames": ["boss"]},
                       **overrides)


class Shop:
    def __init__(self, stack: Stack, ledger: LedgerService, announcer: AnnouncerService) -> None:
        self.stack = stack
        self.ledger = ledger
        self.announcer = announcer
        self._inbox = PmCursor(stack.bus.pms_to)

    @property
    def clock(self) -> FakeClock:
        return self.stack.clock

    @property
    def bus(self) -> InMemoryBus:
        return self.stack.bus

    async def fund(self, user: str, amount: int, kind: str = "admin") -> None:
        await self.stack.fund(user, amount, kind)
        await self.skip_pms(user)  # rank-up notices and the like are not the next command's reply

    async def skip_pms(self, user: str) -> None:
        await self.stack.settle()
        self._inbox.skip(user)

    async def account(self, user: str) -> dict[str, Any]:
        return await self.stack.account(user)

    async def balance(self, user: str) -> int:
        return int((await self.account(user))["balance"])

    async def kinds(self, user: str) -> list[tuple[str, int, str]]:
        r = await self.stack.request(LEDGER, {"command": "ledger.journal", "channel": CHANNEL, "user": user,
                                              "limit": 100})
        assert r["success"], r
        return [(e["kind"], e["amount"], e.get("trigger_id") or "") for e in reversed(r["data"]["entries"])]

    async def audit(self) -> dict[str, Any]:
        return await self.stack.audit()

    async def request(self, command: str, **fields: Any) -> dict[str, Any]:
        reply = await self.stack.request(ANNOUNCER, {"command": command, "channel": CHANNEL, **fields})
        await self.stack.settle()
        return reply

    async def pm(self, user: str, text: str) -> list[str]:
        """Send a PM command; the PMs ``user`` received since their previous command."""
        await self.stack.pm(user, text)
        return self._inbox.since(user)

    async def inbox(self, user: str) -> list[str]:
        """The PMs ``user`` received since their previous command, without sending one."""
        await self.stack.settle()
        return self._inbox.since(user)

    async def say(self, user: str, text: str) -> str:
        replies = await self.pm(user, text)
        assert replies, f"no reply to {text!r}"
        return "\n".join(replies)

    def chats(self) -> list[str]:
        return self.bus.chats()

    async def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.announcer.database.fetchall(sql, params)]

    async def tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every shop table, to prove that a refused purchase changed nothing."""
        return {t: await self.rows(f"SELECT * FROM {t}")  # noqa: S608 - fixed table names
                for t in ("vanity_items", "purchases", "shoutout_cooldowns", "fortunes", "gif_approvals")}

    async def tick(self, seconds: float = 0.0) -> int:
        """Move time on and run one recovery pass (what the loop does every ~30 s)."""
        self.clock.advance(seconds)
        done = await self.announcer.purchases.resolve_due()
        await self.stack.settle()
        return done

    def metric(self, name: str, **labels: str) -> float:
        return self.announcer.metrics.registry.get_sample_value(name, labels) or 0.0


def lose_answers(s: Shop, prefix: str, *, apply: bool = True, times: int = 1) -> list[str]:
    """Matching ledger posts are applied (or never seen, ``apply=False``) and their answer lost ``times`` times."""
    real = s.announcer.purchases._ledger.post
    lost: list[str] = []

    async def lossy(channel: str, key: str, postings: Any, **kwargs: Any) -> LedgerOutcome:
        if key.startswith(prefix) and lost.count(key) < times:
            lost.append(key)
            if apply:
                await real(channel, key, postings, **kwargs)
            return LedgerOutcome.unavailable("timeout")
        return await real(channel, key, postings, **kwargs)

    s.announcer.purchases._ledger.post = lossy  # type: ignore[method-assign]
    return lost


async def start_shop(stack: Stack) -> Shop:
    ledger = await stack.add(LedgerService)

    def make(cfg: EconomyConfig, client: Any) -> AnnouncerService:
        return AnnouncerService(cfg, client, autosend=False)

    announcer = await stack.add(make)
    await announcer.purchase_recovery.stop()  # tests run recovery passes by hand (Shop.tick)
    return Shop(stack, ledger, announcer)


@asynccontextmanager
async def running(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, **overrides: Any) -> AsyncIterator[Shop]:
    stack = Stack(bus, shop_config(tmp_path, **overrides), clock)
    try:
        yield await start_shop(stack)
    finally:
        await stack.close()
