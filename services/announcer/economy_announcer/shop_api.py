"""The vanity shop on the announcer's request subject (schemas in ``economy_shared.schemas.vanity``).

``announcer.shop``, ``announcer.buy``, ``announcer.fortune``, ``announcer.vanity_get``,
``announcer.vanity_list`` and ``announcer.currency_name`` run the same use case as the PM words
(shop.py). Business refusals are errors with codes: ``bad_request`` (a bad value), ``not_found``
(unknown item), ``disabled``, ``insufficient_funds``, ``banned``, ``cooldown``, ``conflict`` (today's
fortune already seen, CyTube level already held), ``forbidden`` (rank too low for cytube2),
``idempotency_conflict`` (a ``request_id`` used for another purchase), ``unavailable``.
"""

from __future__ import annotations

from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.vanity import (
    BuyRequest,
    BuyResult,
    CurrencyNameRequest,
    CurrencyNameResult,
    FortuneRequest,
    FortuneResult,
    ShopRequest,
    ShopResult,
    VanityGetRequest,
    VanityListRequest,
    VanityListResult,
    VanityState,
)

from .shop import VanityShop


def register(router: RequestRouter, shop: VanityShop) -> None:

    @router.route(ShopRequest)
    async def shop_items(req: ShopRequest) -> ShopResult:
        return await shop.shop(req.channel, req.user)

    @router.route(BuyRequest)
    async def buy(req: BuyRequest) -> BuyResult:
        return await shop.buy(req.channel, req.user, req.item, req.value, req.request_id)

    @router.route(FortuneRequest)
    async def fortune(req: FortuneRequest) -> FortuneResult:
        return await shop.fortune(req.channel, req.user)

    @router.route(VanityGetRequest)
    async def vanity_get(req: VanityGetRequest) -> VanityState:
        return await shop.vanity_get(req.channel, req.user)

    @router.route(VanityListRequest)
    async def vanity_list(req: VanityListRequest) -> VanityListResult:
        return VanityListResult(users=shop.vanity_list(req.channel, req.item, req.limit))

    @router.route(CurrencyNameRequest)
    async def currency_name(req: CurrencyNameRequest) -> CurrencyNameResult:
        return shop.currency_name(req.channel, req.user)
