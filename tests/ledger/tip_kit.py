"""Shared pieces of the tip and history tests: a ledger + announcer stack, funding, fake userstats/presence."""

from __future__ import annotations

import itertools
from typing import Any

from economy_announcer.service import AnnouncerService
from economy_ledger.service import LedgerService
from economy_shared.clock import to_ms
from economy_shared.envelope import ok
from economy_shared.subjects import PUBLIC_COMMAND, USERSTATS_COMMAND, service_subject
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.helpers import audit_ok as audit_ok  # re-exported: the kit's tests import it from here

LEDGER = service_subject("ledger")
PRESENCE = service_subject("presence")
_funds = itertools.count(1)


async def start(stack: Stack) -> LedgerService:
    ledger = await stack.add(LedgerService)
    await stack.add(AnnouncerService)  # both PMs go out through the announcer's outbox
    return ledger


async def fund(stack: Stack, **balances: int) -> None:
    """Open and fill accounts (admin postings) at the stack clock's now."""
    postings = [{"user": u, "amount": z, "kind": "admin"} for u, z in balances.items()]
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL,
                                     "idempotency_key": f"fund:{next(_funds)}", "postings": postings})
    assert r["success"], r


async def account(stack: Stack, user: str) -> dict[str, Any]:
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
    assert r["success"], r
    return r["data"]


async def balances(stack: Stack, *users: str) -> list[int]:
    return [(await account(stack, u))["balance"] for u in users]


async def journal_rows(ledger: LedgerService) -> int:
    row = await ledger.database.fetchone("SELECT COUNT(*) FROM journal")
    return int(row[0]) if row else 0


async def pm_reply(stack: Stack, user: str, text: str) -> str:
    before = len(stack.bus.pms_to(user))
    await stack.pm(user, text)
    got = stack.bus.pms_to(user)
    assert len(got) > before, f"no reply to {user}: {text!r}"
    return "\n".join(got[before:])


async def tip_request(stack: Stack, sender: str, target: str, amount: int, reference: str) -> dict[str, Any]:
    return await stack.request(LEDGER, {"command": "ledger.tip", "channel": CHANNEL, "sender": sender,
                                        "target": target, "amount": amount, "reference": reference})


async def public_tip(stack: Stack, username: str, target: str, amount: int, request_id: str) -> dict[str, Any]:
    return await stack.request(PUBLIC_COMMAND, {"command": "spend.tip", "channel": CHANNEL, "username": username,
                                                "target": target, "amount": amount, "request_id": request_id})


def userstats(bus: InMemoryBus, aliases: dict[str, str], calls: list[dict[str, Any]] | None = None) -> Any:
    """A kryten-userstats stand-in answering ``alias.find`` like the real one (ecosystem.md §7)."""

    async def handler(req: dict[str, Any]) -> dict[str, Any]:
        if calls is not None:
            calls.append(req)
        owner = aliases.get(str(req.get("alias", "")).lower())
        data = {"alias": req.get("alias"), "username": owner, "found": owner is not None}
        return {"service": "userstats", "command": "alias.find", "success": True, "data": data}

    bus.add_responder(USERSTATS_COMMAND, handler)
    return handler


def presence(bus: InMemoryBus, here: set[str]) -> Any:
    """Presence's ``user_status``: present when the case-folded name is in ``here``."""

    async def handler(req: dict[str, Any]) -> dict[str, Any]:
        return ok("presence", "presence.user_status",
                  {"present": req["user"].casefold() in here, "streak_days": 0, "minutes_today": 0})

    bus.add_responder(PRESENCE, handler)
    return handler


def now_ms(stack: Stack) -> int:
    return to_ms(stack.clock.now())
