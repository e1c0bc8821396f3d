"""The ledger's internal request subject: ``kryten.economy.ledger.command``."""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ServiceError
from economy_shared.runtime.requests import RequestRouter
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

from .accounts import account_view
from .metrics import LedgerMetrics
from .store import LedgerStore


def register(
    router: RequestRouter,
    store: LedgerStore,
    config: Callable[[], EconomyConfig],
    clock: Clock,
    metrics: LedgerMetrics,
) -> None:
    @router.route(PostRequest)
    async def post(req: PostRequest) -> PostResult:
        result = await store.post(req, to_ms(clock.now()))
        metrics.observe_post(req, result)
        return result

    @router.route(PostManyRequest)
    async def post_many(req: PostManyRequest) -> PostManyResult:
        reqs = [PostRequest(channel=req.channel, **item.model_dump()) for item in req.items]
        results = await store.post_many(reqs, to_ms(clock.now()))
        outcomes = []
        for one, result in zip(reqs, results, strict=True):
            if isinstance(result, ServiceError):
                outcomes.append(PostOutcome(success=False, error_code=result.code, error=result.message,
                                            data=result.data))
            else:
                metrics.observe_post(one, result)
                outcomes.append(PostOutcome(success=True, result=result))
        return PostManyResult(outcomes=outcomes)

    @router.route(BalanceRequest)
    async def balance(req: BalanceRequest) -> AccountView:
        return account_view(config(), req.user, await store.account(req.channel, req.user))

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
