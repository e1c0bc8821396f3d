"""Shared helpers for the timed-rewards tests (no tests here): a recording announcer, ticks, balances."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from economy_ledger.service import LedgerService
from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.schedule import boundary_index
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack, make_config
from tests.helpers import audit_ok as audit_ok  # re-exported: the kit's tests import it from here

LEDGER = "kryten.economy.ledger.command"
PRESENCE = "kryten.economy.presence.command"
ANNOUNCER = "kryten.economy.announcer.command"


class FakeAnnouncer:
    """Answers the announcer subject and records what services asked it to say."""

    def __init__(self, bus: InMemoryBus) -> None:
        self.requests: list[dict[str, Any]] = []
        self.quiet: set[str] = set()
        bus.add_responder(ANNOUNCER, self._handle)

    async def _handle(self, req: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(req)
        queued = not (req.get("unsolicited") and str(req.get("user", "")).casefold() in self.quiet)
        return {"service": "announcer", "command": req["command"], "success": True, "data": {"queued": queued}}

    def pms(self, user: str | None = None) -> list[str]:
        return [
            r["text"] for r in self.requests
            if r["command"] == "announcer.pm" and (user is None or r["user"].casefold() == user.casefold())
        ]

    def announcements(self, template: str | None = None) -> list[dict[str, Any]]:
        return [
            r for r in self.requests
            if r["command"] == "announcer.announce" and (template is None or r["template"] == template)
        ]


class FastFailPresence(PresenceService):
    """Presence whose ledger client does not retry in-process: outage tests stay quick."""

    ledger_retries = 0


async def start(stack: Stack, service: type[PresenceService] = PresenceService) -> PresenceService:
    await stack.add(LedgerService)
    PresenceService.autotick = False
    presence = await stack.add(service)
    await stack.settle()
    return presence


def make_stack(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, **overrides: Any) -> Stack:
    base: dict[str, Any] = {
        "onboarding": {"welcome_wallet": 0},
        "rain": {"enabled": False},
        "balance_maintenance": {"mode": "none"},
    }
    for k, v in overrides.items():
        base[k] = {**base[k], **v} if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return Stack(bus, make_config(tmp_path, **base), clock)


async def tick(stack: Stack, presence: PresenceService, n: int = 1) -> None:
    """``n`` presence minutes: advance the clock a minute and run that minute's tick."""
    for _ in range(n):
        stack.clock.advance(60)
        now = stack.clock.now()
        await presence.ticker.scheduled(boundary_index(now, 60), now)
    await stack.settle()


def move_to(stack: Stack, when: datetime) -> None:
    stack.clock.set(when)


async def join(stack: Stack, *names: str, rank: int = 1) -> None:
    for name in names:
        await stack.event("addUser", {"name": name, "rank": rank})


async def leave(stack: Stack, *names: str) -> None:
    for name in names:
        await stack.event("userLeave", {"name": name})


def ledger_down(stack: Stack) -> None:
    """The ledger stops answering (its responders leave the bus); ``ledger_up`` brings it back."""
    stack.bus.remove_responders(stack.clients[0]._responders)


async def ledger_up(stack: Stack) -> None:
    ledger = stack.hosts[0].service
    await stack.clients[0].subscribe_request_reply(LEDGER, ledger.router.dispatch)


async def balance(stack: Stack, user: str) -> int:
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
    assert r["success"], r
    return int(r["data"]["balance"])


async def streak_days(stack: Stack, user: str) -> int:
    r = await stack.request(PRESENCE, {"command": "presence.user_status", "channel": CHANNEL, "user": user})
    assert r["success"], r
    return int(r["data"]["streak_days"])


async def restart(stack: Stack, present: list[str]) -> tuple[Stack, PresenceService]:
    """Stop every service and start new ones on the same data directory; ``present`` is the robot's userlist."""
    await stack.close()
    stack.bus.kv[(f"kryten_{CHANNEL}_userlist", "users")] = [
        {"name": n, "rank": 1, "meta": {"afk": False}} for n in present
    ]
    new = Stack(stack.bus, stack.config, stack.clock)
    return new, await start(new)


async def earnings(stack: Stack, user: str, prefix: str = "") -> list[tuple[str, int]]:
    """(trigger_id, amount) of the user's journal rows whose trigger starts with ``prefix``."""
    ledger = next(h.service for h in stack.hosts if h.service.name == "ledger")
    rows = await ledger.database.fetchall(
        "SELECT j.trigger_id, j.amount, j.kind FROM journal j JOIN accounts a ON a.id = j.account_id "
        "WHERE a.user_key = ? ORDER BY j.id",
        (user.casefold(),),
    )
    return [(r["trigger_id"], r["amount"]) for r in rows if (r["trigger_id"] or "").startswith(prefix)]


async def kinds(stack: Stack, trigger_prefix: str) -> set[str]:
    ledger = next(h.service for h in stack.hosts if h.service.name == "ledger")
    rows = await ledger.database.fetchall("SELECT DISTINCT kind, trigger_id FROM journal")
    return {r["kind"] for r in rows if (r["trigger_id"] or "").startswith(trigger_prefix)}
