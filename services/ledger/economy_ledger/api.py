"""The ledger's internal request subject: ``kryten.economy.ledger.command``."""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ServiceError
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.competitions import DailyEarningsRequest, DailyEarningsResult, DayEarning
from economy_shared.schemas.imports import ImportAccountsRequest, ImportBatchResult, ImportBountiesRequest
from economy_shared.schemas.ledger import (
    AccountView,
    AuditRequest,
    AuditResult,
    BalanceRequest,
    BalancesRequest,
    BalancesResult,
    BanStatusRequest,
    BanStatusResult,
    BuyPromotionRequest,
    BuyPromotionResult,
    HistoryRequest,
    HistoryResult,
    JournalEntry,
    JournalRequest,
    JournalResult,
    LeaderboardRequest,
    LeaderboardResult,
    PostManyRequest,
    PostManyResult,
    PostOutcome,
    PostRequest,
    PostResult,
    ProfileRequest,
    ProfileResult,
    RankPerksManyRequest,
    RankPerksManyResult,
    RankPerksRequest,
    RankPerksResult,
    RankRequest,
    RankResult,
    TipRequest,
    TipResult,
)

from . import public_boards
from .accounts import account_view
from .boards import Boards
from .boards_store import BoardsStore
from .history_rules import history_text
from .imports import Imports
from .metrics import LedgerMetrics
from .promotions import Promotions
from .ranks import Ranks
from .store import LedgerStore
from .tip_rules import TipRefusal
from .tips import Tips


def register(
    router: RequestRouter,
    store: LedgerStore,
    config: Callable[[], EconomyConfig],
    clock: Clock,
    metrics: LedgerMetrics,
    ranks: Ranks,
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

    @router.route(RankRequest)
    async def rank(req: RankRequest) -> RankResult:
        return await ranks.standing(req.channel, req.user)

    @router.route(RankPerksRequest)
    async def rank_perks(req: RankPerksRequest) -> RankPerksResult:
        return await ranks.perks(req.channel, req.user)

    @router.route(RankPerksManyRequest)
    async def rank_perks_many(req: RankPerksManyRequest) -> RankPerksManyResult:
        return RankPerksManyResult(perks=await ranks.perks_many(req.channel, req.users))

    day_board = BoardsStore(store.db)

    @router.route(DailyEarningsRequest)
    async def daily_earnings(req: DailyEarningsRequest) -> DailyEarningsResult:
        """A day's real earnings per user (presence's daily competitions; boards_store.py)."""
        rows = await day_board.daily_earnings(req.channel, req.day)
        return DailyEarningsResult(users=[DayEarning(user=u, earned=e) for u, e in rows])


def register_promotions(router: RequestRouter, promotions: Promotions) -> None:
    """``ledger.buy_promotion``: the announcer's ``buy`` calls it (promotions.py)."""

    @router.route(BuyPromotionRequest)
    async def buy_promotion(req: BuyPromotionRequest) -> BuyPromotionResult:
        return await promotions.buy(req.channel, req.user, req.request_id)


def register_boards(router: RequestRouter, boards: Boards, config: Callable[[], EconomyConfig]) -> None:
    """``ledger.leaderboard`` and ``ledger.profile``: the same use case as PM ``top``/``profile``."""

    @router.route(LeaderboardRequest)
    async def leaderboard(req: LeaderboardRequest) -> LeaderboardResult:
        return await public_boards.leaderboard(boards, config(), req.channel, req.category, req.limit)

    @router.route(ProfileRequest)
    async def profile(req: ProfileRequest) -> ProfileResult:
        return await public_boards.profile(boards, config(), req.channel, req.user)


def register_tips(router: RequestRouter, tips: Tips, config: Callable[[], EconomyConfig]) -> None:
    """``ledger.tip`` and ``ledger.history``: the same use case as the PM words (tip_commands.py)."""

    @router.route(TipRequest)
    async def tip(req: TipRequest) -> TipResult:
        outcome = await tips.tip(req.channel, req.sender, req.target, req.amount, reference=req.reference)
        if isinstance(outcome, TipRefusal):
            raise ServiceError(outcome.code, outcome.message, data={"reason": outcome.reason.value})
        return TipResult(sender=outcome.sender, target=outcome.target, amount=outcome.amount,
                         sender_balance=outcome.sender_balance, target_balance=outcome.target_balance,
                         left_today=outcome.left_today, replayed=outcome.replayed)

    @router.route(HistoryRequest)
    async def history(req: HistoryRequest) -> HistoryResult:
        rows = await tips.history(req.channel, req.user, req.limit)
        return HistoryResult(entries=[JournalEntry.model_validate(r) for r in rows],
                             text=history_text(rows, config().currency.symbol))


def register_imports(router: RequestRouter, imports: Imports) -> None:
    """``ledger.import_accounts`` / ``ledger.import_bounties``: the CLI's ``import-original`` (imports.py)."""

    @router.route(ImportAccountsRequest)
    async def import_accounts(req: ImportAccountsRequest) -> ImportBatchResult:
        return await imports.accounts(req)

    @router.route(ImportBountiesRequest)
    async def import_bounties(req: ImportBountiesRequest) -> ImportBatchResult:
        return await imports.bounties(req)
