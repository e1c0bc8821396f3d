"""The announcer's vanity shop on ``kryten.economy.announcer.command`` (sprint 5 §5, DECISIONS 17, 20, 21).

Shop words (``shop``, ``buy``, ``fortune``) and the requests below call the same use cases. Item names
a user types: ``greeting``, ``title``, ``color`` (``colour``), ``gif``, ``shoutout``, ``rename`` and
``cytube2`` (handed to the ledger's ``ledger.buy_promotion``). ``request_id`` on a purchase is the
caller's reference: the same id never charges twice and returns the first answer.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Request, Result, UserName

ItemName = Literal["greeting", "title", "color", "gif", "shoutout", "rename", "cytube2"]
PurchaseStatus = Literal["stored", "pending_approval", "posted", "promoted", "refunded", "charging"]


class VanityState(Result):
    """What one user owns. Empty strings mean "none"."""

    user: str
    greeting: str = ""
    title: str = ""
    color_name: str = ""
    color_hex: str = ""
    gif_url: str = ""
    gif_pending: str = ""  # a GIF bought and waiting for an admin
    currency_name: str = ""  # the personal name; "" = the channel's
    fortune_today: bool = False  # already had today's fortune (UTC day)


class ShopRequest(Request):
    command: Literal["announcer.shop"] = "announcer.shop"
    user: UserName | None = None  # with a user: their prices (rank discount) and their items


class ShopItem(Result):
    item: str  # the word typed after ``buy`` (or ``fortune``)
    config_key: str  # vanity_shop.<config_key> / cytube_promotion
    usage: str
    description: str = ""
    base_price: int  # after inflation, before the rank discount
    price: int
    discount_percent: int = 0
    free: bool = False  # e.g. the fortune for ranks with the free_daily_fortune perk


class ShopResult(Result):
    items: list[ShopItem] = Field(default_factory=list)
    owned: VanityState | None = None
    rank_name: str = ""


class BuyRequest(Request):
    command: Literal["announcer.buy"] = "announcer.buy"
    user: UserName
    item: str = Field(min_length=1, max_length=20)
    value: str = Field(default="", max_length=10_000)  # cleaned and capped by the shop, never trusted


class BuyResult(Result):
    item: str
    status: PurchaseStatus
    price: int
    value: str = ""  # what was stored or posted, after cleaning
    balance: int | None = None
    approval_id: int | None = None
    refunded: int = 0
    replayed: bool = False
    message: str = ""  # the user's line (the PM reply)


class FortuneRequest(Request):
    command: Literal["announcer.fortune"] = "announcer.fortune"
    user: UserName


class FortuneResult(Result):
    fortune: str
    price: int
    free: bool = False
    balance: int | None = None
    message: str = ""


class VanityGetRequest(Request):
    command: Literal["announcer.vanity_get"] = "announcer.vanity_get"
    user: UserName


class VanityListRequest(Request):
    command: Literal["announcer.vanity_list"] = "announcer.vanity_list"
    item: Literal["greeting", "title", "color", "gif", "currency_name"] | None = None
    limit: int = Field(default=200, ge=1, le=1000)


class VanityListResult(Result):
    users: list[VanityState] = Field(default_factory=list)


class CurrencyNameRequest(Request):
    command: Literal["announcer.currency_name"] = "announcer.currency_name"
    user: UserName


class CurrencyNameResult(Result):
    user: str
    name: str  # the personal name, else the channel's currency plural
    personal: bool = False


class ArrivalRequest(Request):
    """Presence tells the announcer about every genuine arrival (seed §3, DECISIONS 21)."""

    command: Literal["announcer.arrival"] = "announcer.arrival"
    user: UserName
    absent_seconds: float | None = Field(default=None, ge=0)  # None: never seen before


class ArrivalResult(Result):
    greeted: bool  # a greeting was queued (it may merge with others into one line)
    reason: str = ""  # why not: no_greeting, too_soon, disabled, capped, duplicate, ...


class GifApproval(Result):
    id: int
    user: str
    url: str
    cost: int
    status: Literal["pending", "approved", "rejected"]
    created_at: str
    resolved_by: str = ""
    resolved_at: str = ""


class GifApprovalsRequest(Request):
    command: Literal["announcer.gif_approvals"] = "announcer.gif_approvals"


class GifApprovalsResult(Result):
    approvals: list[GifApproval] = Field(default_factory=list)


class ResolveGifRequest(Request):
    """Approve or reject a pending GIF, named by its id or by its buyer (the oldest pending one)."""

    command: Literal["announcer.resolve_gif"] = "announcer.resolve_gif"
    approval_id: int | None = Field(default=None, ge=1)
    user: UserName | None = None
    approved: bool  # required: a missing field must never mean "reject and refund"
    resolved_by: UserName


class ResolveGifResult(Result):
    approval_id: int
    user: str
    approved: bool
    refunded: int = 0
    message: str = ""
