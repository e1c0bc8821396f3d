"""Admin words as requests: public ``admin.grant/deduct/set_balance/set_rank/ban/unban`` plus the original's
``balance.adjust``, ``balance.set``, ``rank.set``, ``user.ban``, ``user.unban`` (DECISIONS 24), and the
internal ``ledger.admin_*``. All call the same ``Admin`` use case as the PM words.

The public ones are refused with ``forbidden`` unless ``api.allow_admin_commands``; when allowed they are
logged with the caller's ``admin`` and ``request_id``. A refusal is ``success: false`` with an
``error_code`` (not_found, insufficient_funds, bad_request, conflict, idempotency_conflict).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.logging import get_logger
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas import admin as s

from .admin import Admin, AdminDone
from .admin_rules import AdminRefusal
from .public_gate import admit_public_admin

log = get_logger("economy.public_admin")

Handler = Callable[[Any], Awaitable[AdminDone | AdminRefusal]]


def to_result(outcome: AdminDone | AdminRefusal, admin: str, request_id: str | None) -> s.AdminResult:
    if isinstance(outcome, AdminRefusal):
        raise ServiceError(outcome.code, outcome.message, data={"reason": outcome.reason.value})
    return s.AdminResult(action=outcome.action.value, username=outcome.target, amount=outcome.amount,
                         balance=outcome.balance, old_balance=outcome.old_balance, rank_name=outcome.rank,
                         reason=outcome.reason, changed=outcome.changed, replayed=outcome.replayed, admin=admin,
                         request_id=request_id)


def _handlers(admin: Admin) -> dict[str, Handler]:
    """One handler per action, shared by every name that means it."""

    async def grant(r: Any) -> AdminDone | AdminRefusal:
        return await admin.grant(r.channel, r.admin, r.username, r.amount, r.reason, reference=r.request_id)

    async def deduct(r: Any) -> AdminDone | AdminRefusal:
        return await admin.deduct(r.channel, r.admin, r.username, r.amount, r.reason, reference=r.request_id)

    async def adjust(r: s.BalanceAdjust) -> AdminDone | AdminRefusal:
        if r.amount == 0:
            raise ServiceError(ErrorCode.BAD_REQUEST, "amount must not be 0")
        move = admin.grant if r.amount > 0 else admin.deduct
        return await move(r.channel, r.admin, r.username, abs(r.amount), r.reason, reference=r.request_id)

    async def set_balance(r: Any) -> AdminDone | AdminRefusal:
        return await admin.set_balance(r.channel, r.admin, r.username, r.amount, reference=r.request_id)

    async def set_rank(r: Any) -> AdminDone | AdminRefusal:
        return await admin.set_rank(r.channel, r.admin, r.username, r.rank_name, reference=r.request_id)

    async def ban(r: Any) -> AdminDone | AdminRefusal:
        return await admin.ban(r.channel, r.admin, r.username, r.reason, reference=r.request_id)

    async def unban(r: Any) -> AdminDone | AdminRefusal:
        return await admin.unban(r.channel, r.admin, r.username, reference=r.request_id)

    return {"grant": grant, "deduct": deduct, "adjust": adjust, "set_balance": set_balance, "set_rank": set_rank,
            "ban": ban, "unban": unban}


PUBLIC: dict[type[Any], str] = {
    s.AdminGrant: "grant", s.AdminDeduct: "deduct", s.BalanceAdjust: "adjust",
    s.AdminSetBalance: "set_balance", s.BalanceSet: "set_balance",
    s.AdminSetRank: "set_rank", s.RankSet: "set_rank",
    s.AdminBan: "ban", s.UserBan: "ban", s.AdminUnban: "unban", s.UserUnban: "unban",
}
INTERNAL: dict[type[Any], str] = {
    s.LedgerAdminGrant: "grant", s.LedgerAdminDeduct: "deduct", s.LedgerAdminSetBalance: "set_balance",
    s.LedgerAdminSetRank: "set_rank", s.LedgerAdminBan: "ban", s.LedgerAdminUnban: "unban",
}


def register_public(router: RequestRouter, admin: Admin, config: Callable[[], EconomyConfig]) -> None:
    handlers = _handlers(admin)

    def route(handler: Handler) -> Callable[[Any], Awaitable[s.AdminResult]]:
        async def run(req: Any) -> s.AdminResult:
            admit_public_admin(config(), req, admin=req.admin, target=req.username)
            return to_result(await handler(req), req.admin, req.request_id)

        return run

    for model, action in PUBLIC.items():
        router.add(model, route(handlers[action]))


def register_internal(router: RequestRouter, admin: Admin) -> None:
    handlers = _handlers(admin)

    def route(handler: Handler) -> Callable[[Any], Awaitable[s.AdminResult]]:
        async def run(req: Any) -> s.AdminResult:
            return to_result(await handler(req), req.admin, req.request_id)

        return run

    for model, action in INTERNAL.items():
        router.add(model, route(handlers[action]))
