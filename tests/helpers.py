"""Test helpers: configs and in-process services wired on an in-memory bus."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig
from economy_shared.config.loader import parse_config
from economy_shared.runtime.service import EconomyService, ServiceHost
from economy_shared.testing import InMemoryBus, MockKrytenClient

CHANNEL = "testchan"
LEDGER_SUBJECT = "kryten.economy.ledger.command"
_fund_ids = itertools.count(1)
CALENDAR_OFF: dict[str, Any] = {"off_peak": {"enabled": False}, "high_population": {"enabled": False},
                                "holidays": {"enabled": False}}


def make_config(tmp_path: Path, **overrides: Any) -> EconomyConfig:
    raw: dict[str, Any] = {
        "channels": [{"domain": "cytu.be", "channel": CHANNEL}],
        "database": {"directory": str(tmp_path / "data")},
        "metrics": {"enabled": False},
        "bot": {"username": "ZCoinBot"},
        "ignored_users": ["OtherBot"],
        # the calendar multipliers are on by default; tests that are not about them must not depend on the date
        "multipliers": CALENDAR_OFF,
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    return parse_config(raw)


class Stack:
    """Several services wired together on one in-memory bus, each with its own mock client."""

    def __init__(self, bus: InMemoryBus, config: EconomyConfig, clock: FakeClock) -> None:
        self.bus = bus
        self.config = config
        self.clock = clock
        self.hosts: list[ServiceHost] = []
        self.robot = MockKrytenClient(bus, channel=CHANNEL)  # a peer that sends requests and events
        self.clients: list[MockKrytenClient] = []

    async def add(self, factory: Callable[[EconomyConfig, Any], EconomyService]) -> Any:
        client = MockKrytenClient(self.bus, channel=CHANNEL)
        service = factory(self.config, client)
        service.clock = self.clock
        host = ServiceHost(service, serve_http=False)
        await host.start()
        self.hosts.append(host)
        self.clients.append(client)
        return service

    async def event(self, name: str, payload: Any) -> None:
        for c in self.clients:
            await c.simulate_event(name, payload)
        await self.settle()

    async def pm(self, user: str, text: str) -> None:
        await self.event("pm", {"username": user, "msg": text, "meta": {}, "time": 0, "to": "ZCoinBot"})

    async def settle(self) -> None:
        """Let background work finish, then deliver whatever the announcer has queued."""
        for _ in range(3):
            for h in self.hosts:
                await h.service.idle()
            for h in self.hosts:
                flush = getattr(h.service, "flush", None)
                if flush is not None:
                    await flush()

    async def request(self, subject: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self.robot.nats_request(subject, payload, timeout=5)

    async def fund(self, user: str, amount: int, kind: str = "admin") -> None:
        """Post ``amount`` to ``user`` straight through the ledger (a fresh key each time)."""
        r = await self.request(LEDGER_SUBJECT, {
            "command": "ledger.post", "channel": CHANNEL, "idempotency_key": f"fund:{user}:{next(_fund_ids)}",
            "postings": [{"user": user, "amount": amount, "kind": kind}],
        })
        assert r["success"], r

    async def account(self, user: str) -> dict[str, Any]:
        """The ledger's ``ledger.balance`` view of ``user``."""
        r = await self.request(LEDGER_SUBJECT, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
        assert r["success"], r
        return r["data"]

    async def audit(self) -> dict[str, Any]:
        """The ledger's ``ledger.audit`` of the test channel (``ok``: balance == SUM(journal) everywhere)."""
        r = await self.request(LEDGER_SUBJECT, {"command": "ledger.audit", "channel": CHANNEL})
        assert r["success"], r
        return r["data"]

    async def close(self) -> None:
        for h in reversed(self.hosts):
            await h.stop()


async def audit_ok(stack: Stack) -> bool:
    return bool((await stack.audit())["ok"])


class PmCursor:
    """What each user received since the previous look, from a source of all their PMs so far."""

    def __init__(self, source: Callable[[str], list[str]]) -> None:
        self._source = source
        self._seen: dict[str, int] = {}

    def since(self, user: str) -> list[str]:
        got = self._source(user)
        start = self._seen.get(user.casefold(), 0)
        self._seen[user.casefold()] = len(got)
        return got[start:]

    def skip(self, user: str) -> None:
        self.since(user)
