"""The vanity shop's names on the public ``kryten.economy.command``, forwarded to the announcer (DECISIONS 24).

- ``vanity.get`` ``{username}`` → the user's VanityState; ``vanity.list`` ``{item?, limit?}`` → ``{users}``;
- purchases, each the announcer's ``announcer.buy`` (its BuyResult passed on): ``vanity.set_greeting``
  ``{username, greeting}``, ``vanity.set_title`` ``{username, title}``, ``vanity.set_color``
  ``{username, color}``, ``vanity.set_currency_name`` ``{username, name}``, ``vanity.shoutout``
  ``{username, message}`` and the generic ``vanity.buy`` ``{username, item, value}``; ``request_id`` is
  the caller's reference (the same id never charges twice);
- ``vanity.fortune`` ``{username}`` → FortuneResult; ``shop.list`` ``{username?}`` → ShopResult;
- admin ``approval.approve_gif`` / ``approval.reject_gif`` ``{username, admin}`` → ResolveGifResult (the
  user's oldest pending GIF), refused unless ``api.allow_admin_commands``.

The ledger only renames fields and passes the announcer's answer on: a refusal keeps the announcer's
``error_code``; an announcer that does not answer is ``unavailable`` with a friendly line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import Field

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, Reply, ServiceError
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import Request, UserName
from economy_shared.schemas.vanity import (
    BuyRequest,
    FortuneRequest,
    ResolveGifRequest,
    ShopRequest,
    VanityGetRequest,
    VanityListRequest,
)
from economy_shared.survey import AskService

from .public_gate import admit_public_admin

# Asks the announcer; any transport failure comes back as an ``unavailable`` reply.
AskAnnouncer = Callable[[Request, float], Awaitable[Reply]]

READ_TIMEOUT_SECONDS = 5.0
BUY_TIMEOUT_SECONDS = 20.0  # a purchase waits for the ledger's charge (and a refund if storing fails)
SHOP_CLOSED = "🛍️ The shop is closed for a moment. Try again in a minute!"
_TEXT = 10_000  # the announcer cleans and caps every text; this only bounds the request

VanityItemName = Literal["greeting", "title", "color", "gif", "currency_name"]


def announcer_asker(ask_service: AskService) -> AskAnnouncer:
    async def ask(request: Request, timeout: float) -> Reply:
        return await ask_service("announcer", request, timeout)  # type: ignore[arg-type]

    return ask


def answered(reply: Reply) -> dict:
    """The announcer's data, or its refusal as this subject's failure (same code, same data)."""
    if reply.success:
        return reply.data
    if reply.service != "announcer":  # nobody answered: the transport's own "unavailable"
        raise ServiceError(ErrorCode.UNAVAILABLE, SHOP_CLOSED)
    raise ServiceError(reply.error_code or ErrorCode.INTERNAL, reply.error or "the shop refused", reply.data)


class VanityGet(Request):
    command: Literal["vanity.get"] = "vanity.get"
    username: UserName


class VanityList(Request):
    command: Literal["vanity.list"] = "vanity.list"
    item: VanityItemName | None = None
    limit: int = Field(default=200, ge=1, le=1000)


class VanitySetGreeting(Request):
    command: Literal["vanity.set_greeting"] = "vanity.set_greeting"
    username: UserName
    greeting: str = Field(min_length=1, max_length=_TEXT)


class VanitySetTitle(Request):
    command: Literal["vanity.set_title"] = "vanity.set_title"
    username: UserName
    title: str = Field(min_length=1, max_length=_TEXT)


class VanitySetColor(Request):
    command: Literal["vanity.set_color"] = "vanity.set_color"
    username: UserName
    color: str = Field(min_length=1, max_length=100)


class VanitySetCurrencyName(Request):
    command: Literal["vanity.set_currency_name"] = "vanity.set_currency_name"
    username: UserName
    name: str = Field(min_length=1, max_length=_TEXT)


class VanityShoutout(Request):
    command: Literal["vanity.shoutout"] = "vanity.shoutout"
    username: UserName
    message: str = Field(min_length=1, max_length=_TEXT)


class VanityBuy(Request):
    command: Literal["vanity.buy"] = "vanity.buy"
    username: UserName
    item: str = Field(min_length=1, max_length=20)
    value: str = Field(default="", max_length=_TEXT)


class VanityFortune(Request):
    command: Literal["vanity.fortune"] = "vanity.fortune"
    username: UserName


class ShopList(Request):
    command: Literal["shop.list"] = "shop.list"
    username: UserName | None = None


class ApproveGif(Request):
    command: Literal["approval.approve_gif"] = "approval.approve_gif"
    username: UserName
    admin: UserName


class RejectGif(Request):
    command: Literal["approval.reject_gif"] = "approval.reject_gif"
    username: UserName
    admin: UserName


def register_vanity_forwards(router: RequestRouter, ask: AskAnnouncer, config: Callable[[], EconomyConfig]) -> None:
    async def buy(req: Request, user: str, item: str, value: str) -> dict:
        return answered(await ask(BuyRequest(channel=req.channel, user=user, item=item, value=value,
                                             request_id=req.request_id), BUY_TIMEOUT_SECONDS))

    @router.route(VanityGet)
    async def vanity_get(req: VanityGet) -> dict:
        return answered(await ask(VanityGetRequest(channel=req.channel, user=req.username), READ_TIMEOUT_SECONDS))

    @router.route(VanityList)
    async def vanity_list(req: VanityList) -> dict:
        return answered(await ask(VanityListRequest(channel=req.channel, item=req.item, limit=req.limit),
                                  READ_TIMEOUT_SECONDS))

    @router.route(VanitySetGreeting)
    async def set_greeting(req: VanitySetGreeting) -> dict:
        return await buy(req, req.username, "greeting", req.greeting)

    @router.route(VanitySetTitle)
    async def set_title(req: VanitySetTitle) -> dict:
        return await buy(req, req.username, "title", req.title)

    @router.route(VanitySetColor)
    async def set_color(req: VanitySetColor) -> dict:
        return await buy(req, req.username, "color", req.color)

    @router.route(VanitySetCurrencyName)
    async def set_currency_name(req: VanitySetCurrencyName) -> dict:
        return await buy(req, req.username, "rename", req.name)

    @router.route(VanityShoutout)
    async def shoutout(req: VanityShoutout) -> dict:
        return await buy(req, req.username, "shoutout", req.message)

    @router.route(VanityBuy)
    async def generic_buy(req: VanityBuy) -> dict:
        return await buy(req, req.username, req.item, req.value)

    @router.route(VanityFortune)
    async def fortune(req: VanityFortune) -> dict:
        return answered(await ask(FortuneRequest(channel=req.channel, user=req.username, request_id=req.request_id),
                                  BUY_TIMEOUT_SECONDS))

    @router.route(ShopList)
    async def shop_list(req: ShopList) -> dict:
        return answered(await ask(ShopRequest(channel=req.channel, user=req.username), READ_TIMEOUT_SECONDS))

    async def resolve(req: ApproveGif | RejectGif, approved: bool) -> dict:
        admit_public_admin(config(), req)
        return answered(await ask(ResolveGifRequest(channel=req.channel, user=req.username, approved=approved,
                                                    resolved_by=req.admin), BUY_TIMEOUT_SECONDS))

    @router.route(ApproveGif)
    async def approve_gif(req: ApproveGif) -> dict:
        return await resolve(req, True)

    @router.route(RejectGif)
    async def reject_gif(req: RejectGif) -> dict:
        return await resolve(req, False)
