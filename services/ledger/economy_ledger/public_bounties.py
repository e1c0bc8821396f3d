"""Bounty request subjects, all on the same use case as the PM words (bounties.py):

internal (``kryten.economy.ledger.command``): ``ledger.bounty_create``, ``ledger.bounties``,
``ledger.bounty_claim``, ``ledger.bounty_cancel``;
public (``kryten.economy.command``; the original named none, sprint8 §4): ``bounty.create``,
``bounty.list``, ``bounty.claim`` (an admin command: ``forbidden`` unless ``api.allow_admin_commands``,
DECISIONS 24) and ``bounty.cancel`` (only the creator). A business "no" is ``success: false`` with an
``error_code`` and the same one line the PM word says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ServiceError
from economy_shared.runtime.logging import get_logger
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import Request, UserName
from economy_shared.schemas.bounties import (
    BountiesRequest,
    BountiesResult,
    BountyCancelRequest,
    BountyClaimRequest,
    BountyCreateRequest,
    BountyView,
)

from .bounties import Bounties, BountyDone
from .bounty_rules import BountyRefusal
from .public_gate import admit_public_admin

log = get_logger("economy.ledger.bounties")


class BountyCreate(Request):
    command: Literal["bounty.create"] = "bounty.create"
    username: UserName
    amount: int = Field(ge=1, lt=10**15)
    description: str = Field(max_length=2000)
    request_id: str = Field(min_length=1, max_length=100)  # required: the bounty's idempotency reference


class BountyList(Request):
    command: Literal["bounty.list"] = "bounty.list"
    limit: int = Field(default=15, ge=1, le=100)


class BountyClaim(Request):
    command: Literal["bounty.claim"] = "bounty.claim"
    bounty_id: int = Field(ge=1, lt=10**15)
    winner: UserName
    admin: UserName = "api"


class BountyCancel(Request):
    command: Literal["bounty.cancel"] = "bounty.cancel"
    bounty_id: int = Field(ge=1, lt=10**15)
    username: UserName


def view(done: BountyDone) -> BountyView:
    return BountyView(id=done.id, creator=done.creator, description=done.description, amount=done.amount,
                      status=done.status, expires_ms=done.expires_ms, winner=done.winner, refund=done.refund,
                      balance=done.balance, replayed=done.replayed)


def row_view(row: dict[str, Any]) -> BountyView:
    return BountyView(id=row["id"], creator=row["creator"], description=row["description"], amount=row["amount"],
                      status=row["status"], expires_ms=row["expires_ms"], created_ms=row["created_ms"],
                      winner=row["winner"])


def answer(outcome: BountyDone | BountyRefusal) -> BountyView:
    if isinstance(outcome, BountyRefusal):
        raise ServiceError(outcome.code, outcome.message, data={"reason": outcome.reason.value})
    return view(outcome)


async def listing(bounties: Bounties, channel: str, limit: int) -> BountiesResult:
    rows = await bounties.open_bounties(channel, limit)
    return BountiesResult(bounties=[row_view(r) for r in rows], text=bounties.list_text(rows))


def register_internal(router: RequestRouter, bounties: Bounties) -> None:
    @router.route(BountyCreateRequest)
    async def create(req: BountyCreateRequest) -> BountyView:
        return answer(await bounties.create(req.channel, req.creator, req.amount, req.description, req.request_id))

    @router.route(BountiesRequest)
    async def open_list(req: BountiesRequest) -> BountiesResult:
        return await listing(bounties, req.channel, req.limit)

    @router.route(BountyClaimRequest)
    async def claim(req: BountyClaimRequest) -> BountyView:
        return answer(await bounties.claim(req.channel, req.bounty_id, req.winner, req.admin))

    @router.route(BountyCancelRequest)
    async def cancel(req: BountyCancelRequest) -> BountyView:
        return answer(await bounties.cancel(req.channel, req.bounty_id, req.user))


def register_public(router: RequestRouter, bounties: Bounties, config: Callable[[], EconomyConfig]) -> None:
    @router.route(BountyCreate)
    async def create(req: BountyCreate) -> BountyView:
        return answer(await bounties.create(req.channel, req.username, req.amount, req.description, req.request_id))

    @router.route(BountyList)
    async def open_list(req: BountyList) -> BountiesResult:
        return await listing(bounties, req.channel, req.limit)

    @router.route(BountyClaim)
    async def claim(req: BountyClaim) -> BountyView:
        admit_public_admin(config(), req, admin=req.admin)
        return answer(await bounties.claim(req.channel, req.bounty_id, req.winner, req.admin))

    @router.route(BountyCancel)
    async def cancel(req: BountyCancel) -> BountyView:
        return answer(await bounties.cancel(req.channel, req.bounty_id, req.username))
