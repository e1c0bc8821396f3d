"""The vanity shop use case (sprint 5 §5, DECISIONS 17, 20): ``shop``, ``buy``, ``fortune`` and the
vanity reads. The PM words and the request subject both call these methods.

A purchase is refused before anything is written when the item is unknown or disabled or the value
is bad; otherwise its row is written with the price fixed (and a shoutout's cooldown claimed in the
same transaction), then charged and applied by purchases.py. ``ref`` is the purchase's business fact:
the API's ``request_id`` (the same id again returns the first answer, never a second charge) or a
fresh uuid for a PM; a fortune's ref is (user, UTC day). ``buy cytube2`` is the ledger's own money
flow (``ledger.buy_promotion``). ``shop`` is read-only: it never creates an account.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.clock import Clock, day_str, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.rank_perks import RankPerks
from economy_shared.runtime.requests import call
from economy_shared.schemas.ledger import BuyPromotionRequest, BuyPromotionResult
from economy_shared.schemas.vanity import (
    BuyResult,
    CurrencyNameResult,
    FortuneResult,
    ShopItem,
    ShopResult,
    VanityState,
)
from economy_shared.subjects import service_subject
from economy_shared.users import user_key

from . import shop_texts as texts
from .fortunes import FORTUNES
from .metrics import AnnouncerMetrics
from .purchases import Purchases
from .vanity_rules import (
    ITEMS,
    base_cost,
    charge_key,
    check_value,
    cooldown_left_ms,
    enabled,
    find_color,
    fortune_index,
    fortune_ref,
    item_word,
    minutes_left,
    price_of,
    refund_key,
    shop_words,
)
from .vanity_store import CooldownActive, DuplicateRef, NewPurchase, Purchase, VanityStore

PROMOTION_TIMEOUT = 15.0  # ledger.buy_promotion asks the robot


class VanityShop:
    def __init__(self, *, store: VanityStore, purchases: Purchases, perks: RankPerks, client: object,
                 config: Callable[[], EconomyConfig], clock: Clock, metrics: AnnouncerMetrics,
                 channels: ChannelDirectory) -> None:
        self._store = store
        self._purchases = purchases
        self._perks = perks
        self._client = client
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._channels = channels

    def _channel(self, channel: str) -> str:
        """The configured spelling; an unknown channel is a bad request."""
        name = self._channels.known(channel)
        if name is None:
            raise ServiceError(ErrorCode.BAD_REQUEST, f"unknown channel {channel!r}")
        return name

    # ---- reads -----------------------------------------------------------------------------------------
    async def shop(self, channel: str, user: str | None) -> ShopResult:
        name = self._channel(channel)
        cfg = self._config()
        perks = await self._perks.of(name, user) if user else None
        factor = perks.price_factor if perks is not None else 1.0
        discount = perks.discount_percent if perks is not None else 0
        items: list[ShopItem] = []
        for word in shop_words(cfg):
            free = word == "fortune" and perks is not None and perks.free_daily_fortune
            p = price_of(base_cost(cfg, word), factor, discount, free=free)
            section = getattr(cfg.vanity_shop, ITEMS[word].config_key, None)
            items.append(ShopItem(item=word, config_key=ITEMS[word].config_key, usage=ITEMS[word].usage,
                                  description=section.description if section is not None else "",
                                  base_price=p.base, price=p.price, discount_percent=p.discount_percent,
                                  free=p.free))
        owned = await self._store.current_state(name, user) if user else None
        return ShopResult(items=items, owned=owned, rank_name=perks.rank_name if perks is not None else "")

    async def vanity_get(self, channel: str, user: str) -> VanityState:
        return await self._store.current_state(self._channel(channel), user)

    def vanity_list(self, channel: str, item: str | None, limit: int) -> list[VanityState]:
        return self._store.owners(self._channel(channel), item, limit)

    def currency_name(self, channel: str, user: str) -> CurrencyNameResult:
        own = self._store.item(self._channel(channel), user, "currency_name")
        return CurrencyNameResult(user=user, name=own or self._config().currency.plural, personal=bool(own))

    # ---- buy -------------------------------------------------------------------------------------------
    async def buy(self, channel: str, user: str, item: str, value: str, ref: str | None = None) -> BuyResult:
        name = self._channel(channel)
        word = item_word(item)
        if word is None:
            raise ServiceError(ErrorCode.NOT_FOUND, texts.unknown_item(item))
        if word == "fortune":
            f = await self.fortune(name, user)
            return BuyResult(item="fortune", status="stored", price=f.price, value=f.fortune, balance=f.balance,
                             message=f.message)
        if ref is not None and (known := await self._store.by_ref(name, ref)) is not None:
            return await self._replay(known, user, word, value)
        ref = ref or uuid.uuid4().hex
        cfg = self._config()
        if not enabled(cfg, word):
            raise ServiceError(ErrorCode.DISABLED, texts.not_available(word))
        if word == "cytube2":
            return await self._promotion(name, user, ref)
        checked = check_value(cfg, word, value)
        if not checked.ok:
            raise ServiceError(ErrorCode.BAD_REQUEST, self._problem(word, checked.problem, checked.detail))
        perks = await self._perks.of(name, user)
        price = price_of(base_cost(cfg, word), perks.price_factor, perks.discount_percent).price
        chan = channel_key(name)
        new = NewPurchase(channel=chan, user=user, item=word, value=checked.value, price=price, ref=ref,
                          charge_key=charge_key(chan, ref), refund_key=refund_key(chan, ref))
        old = self._old_value(name, user, word)
        cooldown_ms = cfg.vanity_shop.shoutout.cooldown_minutes * 60_000 if word == "shoutout" else 0
        now_ms = to_ms(self._clock.now())
        try:
            p = await self._store.begin(new, now_ms, cooldown_ms)
        except DuplicateRef:
            known = await self._store.by_ref(name, ref)
            assert known is not None
            return await self._replay(known, user, word, value)
        except CooldownActive as err:
            self._metrics.vanity_purchases.labels(word, "cooldown").inc()
            left = minutes_left(cooldown_left_ms(err.last_ms, now_ms, cfg.vanity_shop.shoutout.cooldown_minutes))
            raise ServiceError(ErrorCode.COOLDOWN, texts.cooldown(left)) from None
        async with self._purchases.working(p.id):
            p = await self._purchases.charge(p)
        return await self._answer(p, old, replayed=False)

    def _problem(self, word: str, problem: str, detail: str) -> str:
        if problem == "palette":
            return texts.palette(self._config())
        if problem == "url":
            return texts.bad_url()
        if problem == "name":
            return texts.bad_name(detail)
        return texts.usage(word)

    def _old_value(self, channel: str, user: str, word: str) -> str:
        stored_as = ITEMS[word].stored_as
        return (self._store.item(channel, user, stored_as) or "") if stored_as else ""

    async def _replay(self, p: Purchase, user: str, word: str, value: str) -> BuyResult:
        if p.user_key != user_key(user) or p.item != word:
            raise ServiceError(ErrorCode.IDEMPOTENCY_CONFLICT, "that request_id was already used for another "
                                                               "purchase")
        if p.state in ("charging", "refunding"):  # unfinished: try to finish it now
            async with self._purchases.working(p.id) as mine:
                if mine:
                    p = await self._purchases.finish(p)
        return await self._answer(p, "", replayed=True)

    async def _answer(self, p: Purchase, old: str, *, replayed: bool) -> BuyResult:
        cfg = self._config()
        base = {"item": p.item, "price": p.price, "value": p.value, "balance": p.balance, "replayed": replayed}
        if p.state == "failed":
            raise ServiceError(p.error_code or ErrorCode.CONFLICT, p.error or texts.NOT_THROUGH)
        if p.state == "charging":
            return BuyResult(status="charging", message=texts.PENDING, **base)
        if p.state in ("refunding", "refunded"):
            done = p.state == "refunded"
            return BuyResult(status="refunded", refunded=p.price if done else 0,
                             message=texts.refunded(cfg, p.item, p.price, p.error, done), **base)
        if p.item == "shoutout":
            return BuyResult(status="posted", message=texts.shoutout_posted(cfg, p.price, p.balance), **base)
        approval = await self._store.approval_of(p) if p.item == "gif" else None
        if approval is not None:
            return BuyResult(status="pending_approval", approval_id=approval,
                             message=texts.gif_pending(cfg, p.value, p.price, p.balance, approval), **base)
        color = find_color(cfg.vanity_shop.chat_color.palette, p.value) if p.item == "color" else None
        text = texts.stored(cfg, p.item, p.value, p.price, p.balance, old, color.hex if color else "")
        if color is not None and cfg.vanity_shop.chat_color.apply_css:
            text += " · it shows in chat in a moment"  # chat_colours.py writes the channel CSS in the background
        return BuyResult(status="stored", message=text, **base)

    # ---- fortune -----------------------------------------------------------------------------------------
    async def fortune(self, channel: str, user: str) -> FortuneResult:
        """Once per user per UTC day; free for ranks with ``free_daily_fortune``; never charged twice."""
        name = self._channel(channel)
        cfg = self._config()
        now = self._clock.now()
        day = day_str(now)
        seen = await self._store.fortune(name, user, day)
        if seen is not None:
            raise ServiceError(ErrorCode.CONFLICT, texts.fortune_again(seen))
        if not enabled(cfg, "fortune"):
            raise ServiceError(ErrorCode.DISABLED, texts.not_available("fortune"))
        key = user_key(user)
        text = FORTUNES[fortune_index(key, day, len(FORTUNES))]
        perks = await self._perks.of(name, user)
        price = price_of(base_cost(cfg, "fortune"), perks.price_factor, perks.discount_percent,
                         free=perks.free_daily_fortune)
        if price.price == 0:
            shown = await self._store.free_fortune(name, user, day, text, to_ms(now))
            self._metrics.fortunes.labels("true").inc()
            self._metrics.vanity_purchases.labels("fortune", "free").inc()
            return FortuneResult(fortune=shown, price=0, free=True, message=texts.fortune(cfg, shown, 0, None, True))
        tries = await self._store.refs_from(name, fortune_ref(key, day))
        open_ = next((t for t in tries if t.state in ("charging", "refunding")), None)
        if open_ is not None:
            return await self._fortune_answer(await self._finish(open_))
        chan = channel_key(name)
        ref = fortune_ref(key, day, len(tries) + 1)
        new = NewPurchase(channel=chan, user=user, item="fortune", value=text, price=price.price, ref=ref,
                          charge_key=charge_key(chan, ref), refund_key=refund_key(chan, ref))
        try:
            p = await self._store.begin(new, to_ms(now))
        except DuplicateRef:  # a concurrent fortune of the same user got there first
            known = await self._store.by_ref(name, ref)
            assert known is not None
            return await self._fortune_answer(await self._finish(known))
        async with self._purchases.working(p.id):
            p = await self._purchases.charge(p)
        return await self._fortune_answer(p)

    async def _finish(self, p: Purchase) -> Purchase:
        async with self._purchases.working(p.id) as mine:
            if mine:
                return await self._purchases.finish(p)
        return p

    async def _fortune_answer(self, p: Purchase) -> FortuneResult:
        cfg = self._config()
        if p.state == "applied":
            return FortuneResult(fortune=p.value, price=p.price, balance=p.balance,
                                 message=texts.fortune(cfg, p.value, p.price, p.balance, False))
        if p.state == "failed":
            raise ServiceError(p.error_code or ErrorCode.CONFLICT, p.error or texts.NOT_THROUGH)
        if p.state == "charging":
            raise ServiceError(ErrorCode.UNAVAILABLE, texts.PENDING)
        raise ServiceError(ErrorCode.UNAVAILABLE, texts.refunded(cfg, "fortune", p.price, p.error,
                                                                 p.state == "refunded"))

    # ---- cytube2 (the ledger's money flow) --------------------------------------------------------------
    async def _promotion(self, channel: str, user: str, ref: str) -> BuyResult:
        cfg = self._config()
        timeout = max(PROMOTION_TIMEOUT, cfg.nats.request_timeout_seconds)
        reply = await call(self._client, service_subject("ledger"),
                           BuyPromotionRequest(channel=channel, user=user, request_id=ref), timeout)
        if not reply.success:
            code = {ErrorCode.UNKNOWN_COMMAND.value: ErrorCode.DISABLED.value, ErrorCode.INTERNAL.value:
                    ErrorCode.UNAVAILABLE.value}.get(reply.error_code or "", reply.error_code or ErrorCode.UNAVAILABLE)
            self._metrics.vanity_purchases.labels("cytube2", "failed").inc()
            if code == ErrorCode.INSUFFICIENT_FUNDS:
                perks = await self._perks.of(channel, user)
                price = price_of(base_cost(cfg, "cytube2"), perks.price_factor, perks.discount_percent).price
                raise ServiceError(code, texts.insufficient(cfg, price, None))
            raise ServiceError(code, self._promotion_refusal(code, reply.error or ""))
        r = BuyPromotionResult.model_validate(reply.data)
        base = {"item": "cytube2", "price": r.price, "balance": r.balance, "replayed": r.replayed}
        if r.promoted:
            self._metrics.vanity_purchases.labels("cytube2", "applied").inc()
            return BuyResult(status="promoted", message=f"🎬 You're now CyTube level {r.level}! "
                             f"{texts.charged(cfg, r.price, r.balance)}", **base)
        self._metrics.vanity_purchases.labels("cytube2", "refunded").inc()
        return BuyResult(status="refunded", refunded=r.refunded,
                         message=texts.refunded(cfg, "cytube2", r.refunded, r.reason, True), **base)

    def _promotion_refusal(self, code: str, message: str) -> str:
        if code == ErrorCode.UNAVAILABLE:
            return texts.BANK_SILENT
        if code == ErrorCode.BANNED:
            return texts.RESTRICTED
        if code == ErrorCode.DISABLED:  # off here, or a ledger without promotions
            return texts.not_available("cytube2")
        return f"🚫 {message}" if message else texts.NOT_THROUGH
