"""Helpers of the gambling tests (a uniquely named module: tests have no __init__.py; it holds no tests).

``running()`` wires the real ledger and the gambling service on an in-memory bus, plus a recording
stand-in for the announcer, so every PM (reply or notification) and announcement can be asserted.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from economy_gambling.service import GamblingService
from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.schemas.ledger import Posting
from economy_shared.testing import InMemoryBus, MockKrytenClient
from tests.helpers import CHANNEL, PmCursor, Stack, make_config

LEDGER = "kryten.economy.ledger.command"
GAMBLING = "kryten.economy.gambling.command"
ANNOUNCER = "kryten.economy.announcer.command"
ESCROW = "~escrow:gambling"


class ScriptedRng(random.Random):
    """A seeded RNG whose next ``random()`` rolls can be forced (choice/sample stay seeded)."""

    def __init__(self, seed: int = 7) -> None:
        super().__init__(seed)
        self.rolls: list[float] = []

    def force(self, *rolls: float) -> None:
        self.rolls.extend(rolls)

    def random(self) -> float:
        return self.rolls.pop(0) if self.rolls else super().random()


class LedgerTap:
    """Wraps the gambling service's ``LedgerClient.post``: records every (key, body, outcome) it sends.

    ``before`` runs once, before the first matching request reaches the ledger (e.g. the player spends the
    money elsewhere, a race the gate cannot see); ``lose`` drops the first answer to each matching key after
    the ledger applied it (a timeout after commit).
    """

    def __init__(self, gambling: GamblingService) -> None:
        self.sent: list[tuple[str, list[dict[str, Any]], LedgerOutcome]] = []
        self.before: tuple[str, Callable[[], Awaitable[None]]] | None = None
        self.lose: str | None = None
        self._lost: set[str] = set()
        self._real = gambling.ledger.post
        gambling.ledger.post = self.post  # type: ignore[method-assign]

    async def post(self, channel: str, key: str, postings: list[Posting], **kwargs: Any) -> LedgerOutcome:
        if self.before is not None and self.before[0] in key:
            hook, self.before = self.before[1], None
            await hook()
        outcome = await self._real(channel, key, postings, **kwargs)
        if self.lose is not None and self.lose in key and key not in self._lost:
            self._lost.add(key)
            outcome = LedgerOutcome.unavailable("timeout")
        self.sent.append((key, [p.model_dump(mode="json") for p in postings], outcome))
        return outcome

    def keys(self, part: str) -> list[str]:
        return [k for k, _, _ in self.sent if part in k]

    def bodies(self, key: str) -> list[list[dict[str, Any]]]:
        return [b for k, b, _ in self.sent if k == key]


class FakeAnnouncer:
    """Answers ``kryten.economy.announcer.command`` and records what the gambling service asked it to say."""

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
        return [
            p["text"] for p in self.pms
            if p["user"].casefold() == user.casefold() and (unsolicited is None or p["unsolicited"] == unsolicited)
        ]

    def templates(self) -> list[str]:
        return [a["template"] for a in self.announcements]


def gambling_config(tmp_path: Path, **gambling: Any) -> EconomyConfig:
    """Test defaults: no minimum account age and a generous PM rate limit; ``gambling`` keys merge one level deep."""
    section: dict[str, Any] = {"min_account_age_minutes": 0}
    for key, value in gambling.items():
        section[key] = value
    return make_config(tmp_path, commands={"rate_limit_per_minute": 600}, gambling=section)


class Casino:
    def __init__(self, stack: Stack, ledger: LedgerService, gambling: GamblingService, announcer: FakeAnnouncer,
                 rng: ScriptedRng) -> None:
        self.stack = stack
        self.ledger = ledger
        self.gambling = gambling
        self.announcer = announcer
        self.rng = rng
        self._inbox = PmCursor(announcer.to)

    @property
    def clock(self) -> FakeClock:
        return self.stack.clock

    async def fund(self, user: str, amount: int) -> None:
        await self.stack.fund(user, amount)

    async def account(self, user: str) -> dict[str, Any]:
        return await self.stack.account(user)

    async def balance(self, user: str) -> int:
        return int((await self.account(user))["balance"])

    async def audit(self) -> dict[str, Any]:
        return await self.stack.audit()

    async def ban(self, user: str, banned: bool = True) -> None:
        await self.ledger.store.set_banned(CHANNEL, user, banned, "test", 0)

    def tap(self) -> LedgerTap:
        return LedgerTap(self.gambling)

    async def request(self, command: str, **fields: Any) -> dict[str, Any]:
        return await self.stack.request(GAMBLING, {"command": command, "channel": CHANNEL, **fields})

    async def pm(self, user: str, text: str) -> list[str]:
        """Send a PM command; the PMs ``user`` received since their previous command."""
        await self.stack.pm(user, text)
        return self._inbox.since(user)

    async def say(self, user: str, text: str) -> str:
        """Send a PM command and return the one reply it produced."""
        replies = await self.pm(user, text)
        assert replies, f"no reply to {text!r}"
        return replies[-1]

    async def tick(self, seconds: float = 0.0) -> int:
        """Move time on and run one resolve pass (what the loop does every second)."""
        self.clock.advance(seconds)
        done = await self.gambling.resolve_due()
        await self.stack.settle()
        return done

    async def journal(self, kinds: Iterable[str] | None = None) -> list[tuple[str, int, str]]:
        rows = await self.ledger.database.fetchall(
            "SELECT a.user_key, j.amount, j.kind FROM journal j JOIN accounts a ON a.id = j.account_id ORDER BY j.id"
        )
        wanted = set(kinds) if kinds else None
        return [(r[0], r[1], r[2]) for r in rows if wanted is None or r[2] in wanted]


async def start_casino(stack: Stack, rng: ScriptedRng | None = None) -> Casino:
    announcer = FakeAnnouncer(stack.bus)
    await announcer.start()
    ledger = await stack.add(LedgerService)
    rng = rng or ScriptedRng()

    def make(cfg: EconomyConfig, client: Any) -> GamblingService:
        service = GamblingService(cfg, client, rng=rng)
        service.autoresolve = False  # tests run resolve passes by hand (Casino.tick)
        return service

    gambling = await stack.add(make)
    return Casino(stack, ledger, gambling, announcer, rng)


@asynccontextmanager
async def running(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, **gambling: Any) -> AsyncIterator[Casino]:
    stack = Stack(bus, gambling_config(tmp_path, **gambling), clock)
    casino: Casino | None = None
    try:
        casino = await start_casino(stack)
        yield casino
    finally:
        await stack.close()
        if casino is not None:
            await casino.announcer.client.disconnect()
