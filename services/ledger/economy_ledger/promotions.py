"""Buy the CyTube level of config ``cytube_promotion`` (``ledger.buy_promotion``; DECISIONS 5, 17, 18).

Checks before any charge: the feature is on and purchasable; the buyer's rank (lifetime earned and the
admin floor) is at least ``min_rank``; their CyTube rank (robot userlist) is below ``level`` — nobody is
ever lowered, and nobody pays for what they have. The price is computed once: the inflation factor,
then the rank discount (economy_shared/price_rules.py). The purchase row and the ``spend`` posting
(key ``promotion:<chan>:<request_id>``) commit together; then the robot is asked. If it fails, one
``refund`` posting reverses the spend (DECISIONS 5) and the answer says why and how much came back.
A purchase left ``charged`` by a crash is finished at start: promoted, or refunded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.price_rules import spend_price
from economy_shared.runtime.logging import get_logger
from economy_shared.schemas.ledger import BuyPromotionResult, Posting, PostingKind, PostRequest
from economy_shared.voice import Voice

from .metrics import LedgerMetrics
from .promoter import CytubePromoter
from .promotion_store import PromotionStore, Purchase
from .rank_rules import rank_index
from .rank_store import RankStore

log = get_logger("economy.ledger.promotions")

TRIGGER = "shop.cytube_promotion"


def charge_key(channel: str, request_id: str) -> str:
    return f"promotion:{channel_key(channel)}:{request_id}"


def refund_key(channel: str, request_id: str) -> str:
    return f"promotion-refund:{channel_key(channel)}:{request_id}"


class Promotions:
    def __init__(self, *, store: PromotionStore, ranks: RankStore, promoter: CytubePromoter,
                 price_factor: Callable[[str], Awaitable[float]], voice: Voice, config: Callable[[], EconomyConfig],
                 clock: Clock, metrics: LedgerMetrics, channels: ChannelDirectory) -> None:
        self._store = store
        self._ranks = ranks
        self._promoter = promoter
        self._price_factor = price_factor
        self._voice = voice
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._channels = channels
        self._lock = asyncio.Lock()  # one purchase at a time: a replay waits for the first answer

    async def buy(self, channel: str, user: str, request_id: str) -> BuyPromotionResult:
        async with self._lock:
            known = await self._store.get(channel, request_id)
            if known is not None:
                return await self._replay(known, user)
            return await self._buy(channel, user, request_id)

    async def _replay(self, p: Purchase, user: str) -> BuyPromotionResult:
        if p.user.casefold() != user.casefold():
            raise ServiceError(ErrorCode.IDEMPOTENCY_CONFLICT, "That request id was used for another purchase.")
        if p.state == "charged":  # unfinished (a crash): finish it now
            p = await self._finish(p)
        return await self._answer(p, replayed=True)

    async def _buy(self, channel: str, user: str, request_id: str) -> BuyPromotionResult:
        cfg = self._config()
        promo = cfg.cytube_promotion
        chan = channel_key(channel)
        if not (promo.enabled and promo.purchasable):
            raise ServiceError(ErrorCode.DISABLED, "CyTube promotions are not for sale here.")
        found = await self._ranks.floor_and_lifetime(channel, user)
        floor, lifetime = found if found is not None else (None, 0)
        have = rank_index(cfg.ranks, lifetime, floor)
        need = cfg.ranks.tier_index(promo.min_rank) or 0
        if have < need:
            self._metrics.cytube_promotions.labels(chan, "refused").inc()
            raise ServiceError(ErrorCode.FORBIDDEN, f"CyTube level {promo.level} is for {cfg.ranks.tiers[need].name} "
                                                    f"and up; you're a {cfg.ranks.tiers[have].name}.")
        if await self._promoter.current(channel, user) >= promo.level:
            self._metrics.cytube_promotions.labels(chan, "refused").inc()
            raise ServiceError(ErrorCode.CONFLICT, f"You're already at CyTube level {promo.level} or above; "
                                                   "nothing was charged.")
        price = spend_price(promo.cost, await self._price_factor(channel), cfg.ranks.perks_at(have).discount_percent)
        req = PostRequest(channel=channel, idempotency_key=charge_key(channel, request_id), postings=[
            Posting(user=user, amount=-price, kind=PostingKind.SPEND, trigger_id=TRIGGER,
                    reason=f"CyTube level {promo.level}")])
        charged = await self._store.charge(req, request_id, user, promo.level, price, to_ms(self._clock.now()))
        if isinstance(charged, ServiceError):
            self._metrics.cytube_promotions.labels(chan, "refused").inc()
            raise charged
        purchase = await self._store.get(channel, request_id)
        assert purchase is not None  # written with the charge
        return await self._answer(await self._finish(purchase), replayed=False)

    async def _finish(self, p: Purchase) -> Purchase:
        """Ask the robot; promoted → done (PM and public line), otherwise refund the price."""
        channel = self._channels.display(p.channel)
        attempt = await self._promoter.promote(channel, p.user, p.level)
        now = to_ms(self._clock.now())
        if attempt.outcome == "done":
            await self._store.settle(p.channel, p.request_id, "done", "", None, now)
            self._metrics.cytube_promotions.labels(p.channel, "purchased").inc()
            await self._voice.notify(channel, p.user, f"🎬 You're now CyTube level {p.level}: enjoy the shiny name!")
            await self._voice.announce(channel, "rank_up", user=p.user, rank=f"CyTube Level {p.level}")
            log.info("cytube_promotion_bought", channel=p.channel, user=p.user, level=p.level, price=p.price)
        else:
            reason = ("you already had that level" if attempt.outcome == "skipped"
                      else f"the robot could not promote you ({attempt.error})")
            refund = PostRequest(channel=channel, idempotency_key=refund_key(channel, p.request_id), postings=[
                Posting(user=p.user, amount=p.price, kind=PostingKind.REFUND, trigger_id=TRIGGER,
                        reason=f"CyTube level {p.level} not granted")])
            outcome = await self._store.settle(p.channel, p.request_id, "refunded", reason, refund, now)
            if isinstance(outcome, ServiceError):  # left charged: finished at the next start or replay
                log.error("cytube_promotion_refund_failed", user=p.user, error=outcome.message)
                raise ServiceError(ErrorCode.UNAVAILABLE, "The promotion failed and the refund could not be "
                                                          "made yet; it will be.")
            self._metrics.cytube_promotions.labels(p.channel, "refunded").inc()
            log.warning("cytube_promotion_refunded", user=p.user, level=p.level, reason=reason)
        done = await self._store.get(p.channel, p.request_id)
        assert done is not None
        return done

    async def _answer(self, p: Purchase, *, replayed: bool) -> BuyPromotionResult:
        promoted = p.state == "done"
        return BuyPromotionResult(
            user=p.user, level=p.level, price=p.price, promoted=promoted, refunded=0 if promoted else p.price,
            reason=p.reason, balance=await self._store.balance(p.channel, p.user), replayed=replayed)

    async def resume(self) -> int:
        """Finish purchases a crash left between the charge and the robot; returns how many."""
        async with self._lock:
            left = await self._store.unfinished()
            for p in left:
                try:
                    await self._finish(p)
                except ServiceError:
                    pass  # logged; tried again at the next start
            return len(left)
