"""The ledger's internal request subject: ``kryten.economy.ledger.command``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.clock import to_ms
from economy_shared.envelope import ServiceError
from economy_shared.schemas.ledger import (
    AccountView,
    AuditRequest,
    AuditResult,
    BalanceRequest,
    BalancesRequest,
    BalancesResult,
    BanStatusRequest,
    BanStatusResult,
    JournalEntry,
    JournalRequest,
    JournalResult,
    PostManyRequest,
    PostManyResult,
    PostOutcome,
    PostRequest,
    PostResult,
)

if TYPE_CHECKING:
    from .service import LedgerService


def account_view(service: LedgerService, name: str, row: dict | None) -> AccountView:
    if row is None:
        return AccountView(found=False, user=name, rank_name=service.config.ranks.tiers[0].name)
    return AccountView(
        found=True,
        user=row["display_name"],
        balance=row["balance"],
        lifetime_earned=row["lifetime_earned"],
        lifetime_spent=row["lifetime_spent"],
        lifetime_gambled_in=row["lifetime_gambled_in"],
        lifetime_gambled_out=row["lifetime_gambled_out"],
        tips_sent=row["tips_sent"],
        tips_received=row["tips_received"],
        rank_name=service.config.ranks.rank_for(row["lifetime_earned"]).name,
        banned=bool(row["banned"]),
        first_seen_ms=row["created_ms"],
    )


def register(service: LedgerService) -> None:
    router = service.router
    store = service.store

    @router.route(PostRequest)
    async def post(req: PostRequest) -> PostResult:
        result = await store.post(req, to_ms(service.clock.now()))
        service.observe_post(req, result)
        return result

    @router.route(PostManyRequest)
    async def post_many(req: PostManyRequest) -> PostManyResult:
        reqs = [PostRequest(channel=req.channel, **item.model_dump()) for item in req.items]
        results = await store.post_many(reqs, to_ms(service.clock.now()))
        outcomes = []
        for one, result in zip(reqs, results, strict=True):
            if isinstance(result, ServiceError):
                outcomes.append(PostOutcome(success=False, error_code=result.code, error=result.message))
            else:
                service.observe_post(one, result)
                outcomes.append(PostOutcome(success=True, result=result))
        return PostManyResult(outcomes=outcomes)

    @router.route(BalanceRequest)
    async def balance(req: BalanceRequest) -> AccountView:
        return account_view(service, req.user, await store.account(req.channel, req.user))

    @router.route(BalancesRequest)
    async def balances(req: BalancesRequest) -> BalancesResult:
        return BalancesResult(balances=await store.balances(req.channel, req.users))

    @router.route(BanStatusRequest)
    async def banned(req: BanStatusRequest) -> BanStatusResult:
        return BanStatusResult(banned=await store.banned_among(req.channel, req.users))

    @router.route(AuditRequest)
    async def audit(req: AuditRequest) -> AuditResult:
        return await store.audit(req.channel)

    @router.route(JournalRequest)
    async def journal(req: JournalRequest) -> JournalResult:
        rows = await store.journal(req.channel, req.user, req.limit, req.trigger_id)
        return JournalResult(entries=[JournalEntry.model_validate(r) for r in rows])
