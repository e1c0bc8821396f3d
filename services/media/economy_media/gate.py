"""The one check of every queue action (queue, playnext, forcenow), shared by the request and its preview.

Order (the plan's code order, sprint 5 §2): configured → not a bot → blackout → daily allowance →
cooldown → the catalog item → its price after the rank discount → the account (ban, balance). Nothing
here writes: the allowance and cooldown are *claimed* in the store afterwards, and the ledger remains
the real guard of the balance. A request stops at the first refusal; a preview goes on and reports it.
Refusals that leave nothing to price (no catalog, unknown item, bank closed) stop a preview too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.ledger_client import LedgerClient
from economy_shared.rank_perks import RankPerks
from economy_shared.schemas.ledger import AccountView, RankPerksResult
from economy_shared.schemas.media import MediaAction

from . import texts
from .items import CatalogItem, cytube_media
from .limits import Blackout, Usage, allowance, blackout_at, cooldown_left_seconds
from .mediacms import Found, MediaCmsClient
from .pricing import Quote, quote
from .store import RequestStore


@dataclass(frozen=True)
class Assessment:
    item: CatalogItem
    media: tuple[str, str]  # CyTube (type, id)
    quote: Quote
    perks: RankPerksResult
    usage: Usage
    allowed: int
    cooldown_left: int
    blackout: Blackout | None
    account: AccountView
    needs_approval: bool
    refusal: ServiceError | None  # the first reason it may not happen now (previews only; requests raise)


class Gate:
    def __init__(self, *, catalog: MediaCmsClient, perks: RankPerks, ledger: LedgerClient, store: RequestStore,
                 config: Callable[[], EconomyConfig], clock: Clock) -> None:
        self._catalog = catalog
        self._perks = perks
        self._ledger = ledger
        self._store = store
        self._config = config
        self._clock = clock

    def opened(self, user: str) -> None:
        """Refusals that hold for every action: queueing not set up, a bot asking."""
        cfg = self._config()
        if not cfg.mediacms.configured:
            raise ServiceError(ErrorCode.DISABLED, texts.NOT_CONFIGURED)
        if cfg.is_ignored(user):
            raise ServiceError(ErrorCode.FORBIDDEN, texts.BOTS)

    async def assess(self, channel: str, chan_key: str, user: str, action: MediaAction, media_id: str, *,
                     preview: bool) -> Assessment:
        cfg = self._config()
        spending = cfg.spending
        now = self._clock.now()
        self.opened(user)
        refusal: ServiceError | None = None

        def refuse(err: ServiceError) -> None:
            nonlocal refusal
            if not preview:
                raise err
            refusal = refusal or err

        window = blackout_at(spending, now)
        if window is not None:
            refuse(ServiceError(ErrorCode.DISABLED, texts.blackout(window, now),
                                {"blackout": window.name, "until_ms": to_ms(window.ends)}))
        perks = await self._perks.of(channel, user)
        usage = await self._store.usage(chan_key, user, now)
        allowed = allowance(spending, perks.extra_queues_per_day)
        left = cooldown_left_seconds(spending, usage.last_ms, to_ms(now))
        if usage.today >= allowed:
            refuse(ServiceError(ErrorCode.LIMIT, texts.daily_limit(allowed)))
        if left > 0:
            refuse(ServiceError(ErrorCode.COOLDOWN, texts.cooldown(left), {"seconds_left": left}))

        lookup = await self._catalog.item(media_id)
        if lookup.status is Found.NOT_FOUND:
            raise ServiceError(ErrorCode.NOT_FOUND, texts.unknown_item(media_id))
        if lookup.item is None:
            raise ServiceError(ErrorCode.UNAVAILABLE, texts.CATALOG_DOWN)
        item = lookup.item
        media = cytube_media(item, cfg.mediacms)
        if media is None:
            raise ServiceError(ErrorCode.NOT_FOUND, texts.not_queueable(item.title))
        price = quote(spending, action, item.duration_seconds, perks.discount_percent, perks.price_factor)

        account = await self._ledger.account(channel, user)
        if account is None:
            raise ServiceError(ErrorCode.UNAVAILABLE, texts.BANK_CLOSED)
        if not account.found:
            refuse(ServiceError(ErrorCode.INSUFFICIENT_FUNDS, texts.no_account(cfg)))
        elif account.banned:
            refuse(ServiceError(ErrorCode.BANNED, texts.RESTRICTED))
        elif account.balance < price.cost:
            refuse(ServiceError(ErrorCode.INSUFFICIENT_FUNDS, texts.insufficient(cfg, price.cost, account.balance),
                                {"cost": price.cost, "balance": account.balance}))
        needs_approval = action == "forcenow" and spending.force_play_requires_admin
        return Assessment(item, media, price, perks, usage, allowed, left, window, account, needs_approval, refusal)
