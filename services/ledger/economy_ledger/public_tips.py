"""The original's tip and history names on the public ``kryten.economy.command`` (DECISIONS 24).

``spend.tip`` (``username`` tips ``target`` ``amount``) needs a ``request_id``: it is the tip's
business fact, so asking again with the same id returns the first answer and never charges twice
(the same id with another target or amount is refused as ``idempotency_conflict``). A refusal
decided before the ledger (self-tip, unknown target, account age, daily cap) stores nothing, so
the same id asked again is judged again; the ledger's own refusals (banned, insufficient funds) are
the id's stored answer. ``transactions.list`` pages one user's journal, newest first.

A business "no" is ``success: false`` with an ``error_code``, never ``success: true`` with
``data.success: false``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from economy_shared.clock import from_ms
from economy_shared.envelope import ServiceError
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import Request, Result, UserName

from .tip_rules import TipRefusal
from .tips import Tips


class SpendTip(Request):
    command: Literal["spend.tip"] = "spend.tip"
    username: UserName
    target: UserName
    amount: int = Field(gt=0, lt=10**15)
    request_id: str = Field(min_length=1, max_length=100)  # required: the tip's idempotency reference


class TransactionsList(Request):
    command: Literal["transactions.list"] = "transactions.list"
    username: UserName
    limit: int = Field(default=20, ge=1, le=100)
    before_id: int | None = Field(default=None, ge=1)  # the previous page's ``next_before_id``


class PublicTip(Result):
    username: str
    target: str
    amount: int
    balance: int | None = None
    left_today: int = 0
    request_id: str
    replayed: bool = False


class PublicTransaction(Result):
    id: int
    amount: int
    type: str  # the posting kind
    trigger_id: str | None = None
    reason: str | None = None
    related_user: str | None = None
    created_at: str  # ISO-8601 UTC


class PublicTransactions(Result):
    username: str
    transactions: list[PublicTransaction]
    next_before_id: int | None = None  # None: no older rows


def register_tip_routes(router: RequestRouter, tips: Tips) -> None:
    @router.route(SpendTip)
    async def spend_tip(req: SpendTip) -> PublicTip:
        outcome = await tips.tip(req.channel, req.username, req.target, req.amount, reference=req.request_id)
        if isinstance(outcome, TipRefusal):
            raise ServiceError(outcome.code, outcome.message, data={"reason": outcome.reason.value})
        return PublicTip(username=outcome.sender, target=outcome.target, amount=outcome.amount,
                         balance=outcome.sender_balance, left_today=outcome.left_today, request_id=req.request_id,
                         replayed=outcome.replayed)

    @router.route(TransactionsList)
    async def transactions(req: TransactionsList) -> PublicTransactions:
        rows = await tips.history(req.channel, req.username, req.limit + 1, req.before_id)
        page = rows[: req.limit]
        return PublicTransactions(
            username=req.username,
            transactions=[
                PublicTransaction(id=r["id"], amount=r["amount"], type=r["kind"], trigger_id=r["trigger_id"],
                                  reason=r["reason"], related_user=r["related_user"],
                                  created_at=from_ms(r["created_ms"]).isoformat())
                for r in page
            ],
            next_before_id=page[-1]["id"] if len(rows) > req.limit else None,
        )
