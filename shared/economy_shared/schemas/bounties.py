"""Bounty requests on the ledger's subject (the ledger owns bounties and their escrow)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Request, Result, UserName


class BountyCreateRequest(Request):
    """``creator`` escrows ``amount`` for ``description``. ``request_id`` is the business fact: the same
    id again returns the first bounty and never escrows twice."""

    command: Literal["ledger.bounty_create"] = "ledger.bounty_create"
    creator: UserName
    amount: int = Field(ge=1, lt=10**15)
    description: str = Field(max_length=2000)
    request_id: str = Field(min_length=1, max_length=100)


class BountiesRequest(Request):
    """Open bounties of the channel, newest first."""

    command: Literal["ledger.bounties"] = "ledger.bounties"
    limit: int = Field(default=15, ge=1, le=100)


class BountyClaimRequest(Request):
    """An admin (``admin``, for the record) awards bounty ``bounty_id`` to ``winner``."""

    command: Literal["ledger.bounty_claim"] = "ledger.bounty_claim"
    bounty_id: int = Field(ge=1, lt=10**15)
    winner: UserName
    admin: UserName


class BountyCancelRequest(Request):
    """The creator ``user`` withdraws bounty ``bounty_id`` (partial refund, like an expiry)."""

    command: Literal["ledger.bounty_cancel"] = "ledger.bounty_cancel"
    bounty_id: int = Field(ge=1, lt=10**15)
    user: UserName


class BountyView(Result):
    id: int
    creator: str
    description: str
    amount: int
    status: str  # open | claimed | expired | cancelled
    expires_ms: int
    created_ms: int | None = None
    winner: str | None = None
    refund: int = 0  # Z handed back to the creator (cancel / expiry); the rest was burned
    balance: int | None = None  # the acting user's balance after (creator: create/cancel; winner: claim)
    replayed: bool = False


class BountiesResult(Result):
    bounties: list[BountyView]
    text: str  # the same lines PM ``bounties`` shows
