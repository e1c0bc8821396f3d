"""The money steps of a stored purchase: charge → apply → (refund), and recovery of unfinished ones.

Every step starts from the purchase as stored and moves it conditionally, so a step that runs twice (a
retry, the recovery pass, two tasks) finishes it once (DECISIONS 6):

- ``charge``: one idempotent ``spend`` keyed ``vanity:<chan>:<ref>``, its body built only from the
  stored row (the same bytes on every attempt). No answer → stays ``charging`` and the recovery pass
  re-sends it. Refused (funds, ban) → ``failed``, nothing stored. Moved → ``apply``.
- ``apply``: the item is stored in ONE transaction with ``charging`` → ``applied`` (vanity_store.py);
  a shoutout is posted through the outbox (template ``shoutout``, public cap and dedup). Storing
  raises, or the outbox refuses → ``refund``.
- ``refund``: one ``refund`` posting keyed ``vanity-refund:<chan>:<ref>``; no answer → stays
  ``refunding`` (re-sent later). A shoutout's cooldown is given back when it fails or is refunded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, day_str, from_ms, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode
from economy_shared.ledger_client import LedgerClient
from economy_shared.runtime.logging import get_logger
from economy_shared.schedule import PeriodicJob
from economy_shared.schemas.announcer import Priority
from economy_shared.schemas.ledger import Posting, PostingKind

from . import shop_texts as texts
from .metrics import AnnouncerMetrics
from .vanity_rules import ITEMS
from .vanity_store import Purchase, State, VanityStore
from .voice import LocalVoice

log = get_logger("economy.announcer.purchases")

STALE_SECONDS = 30.0  # an open purchase untouched this long, and not worked on here, is recovered
FINAL: tuple[State, ...] = ("applied", "failed", "refunded")


class NotPosted(Exception):
    """The outbox did not take a shoutout (capped, full, duplicate, disabled …)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def charge_postings(p: Purchase) -> list[Posting]:
    return [Posting(user=p.display, amount=-p.price, kind=PostingKind.SPEND, trigger_id=f"vanity.{p.item}",
                    reason=f"vanity shop: {p.item}", metadata={"purchase": p.id})]


def refund_postings(p: Purchase) -> list[Posting]:
    return [Posting(user=p.display, amount=p.price, kind=PostingKind.REFUND, trigger_id=f"vanity.{p.item}.refund",
                    reason=f"vanity shop refund: {p.item}", metadata={"purchase": p.id})]


class Purchases:
    def __init__(self, *, store: VanityStore, ledger: LedgerClient, voice: LocalVoice,
                 config: Callable[[], EconomyConfig], clock: Clock, metrics: AnnouncerMetrics,
                 channels: ChannelDirectory, after_applied: Callable[[Purchase], None] | None = None) -> None:
        """``after_applied`` hears of every purchase applied here (the chat-colour CSS sync); it must not
        block — the purchase is done whatever it does."""
        self._store = store
        self._ledger = ledger
        self._voice = voice
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._channels = channels
        self._after_applied = after_applied
        self._busy: set[int] = set()

    @asynccontextmanager
    async def working(self, purchase_id: int) -> AsyncIterator[bool]:
        """Mark a purchase as worked on by this task; yields False if another task already is."""
        if purchase_id in self._busy:
            yield False
            return
        self._busy.add(purchase_id)
        try:
            yield True
        finally:
            self._busy.discard(purchase_id)

    def _now_ms(self) -> int:
        return to_ms(self._clock.now())

    async def _reload(self, p: Purchase) -> Purchase:
        current = await self._store.get(p.id)
        return current if current is not None else p

    # ---- steps ---------------------------------------------------------------------------------------
    async def finish(self, p: Purchase) -> Purchase:
        """Drive a purchase from wherever it stopped as far as it can go now (from its stored state: a
        snapshot may be stale, and a shoutout must never be posted twice)."""
        p = await self._reload(p)
        if p.state == "charging":
            p = await self.charge(p)
        if p.state == "refunding":
            p = await self.refund(p)
        return p

    async def charge(self, p: Purchase) -> Purchase:
        balance: int | None = None
        if p.price > 0:
            outcome = await self._ledger.post(p.channel, p.charge_key, charge_postings(p))
            if not outcome.answered:
                self._count(p, "pending")
                return p
            if not outcome.moved:
                code = (ErrorCode.BANNED if outcome.banned else ErrorCode.INSUFFICIENT_FUNDS if outcome.insufficient
                        else ErrorCode.CONFLICT)
                if code is ErrorCode.CONFLICT:
                    log.error("charge_conflict", purchase=p.id, key=p.charge_key, message=outcome.message)
                short = outcome.detail.get("short_by")
                have = p.price - short if isinstance(short, int) and outcome.insufficient else None
                text = texts.refusal(self._config(), outcome, p.price, have)
                if await self._store.move(p, ("charging",), "failed", self._now_ms(), error_code=code.value,
                                          error=text, balance=have):
                    self._count(p, "failed")
                    if p.item == "shoutout":
                        await self._store.give_back_cooldown(p)
                return await self._reload(p)
            balance = outcome.balance_of(p.display)
        return await self.apply(p, balance)

    async def apply(self, p: Purchase, balance: int | None) -> Purchase:
        now = self._now_ms()
        try:
            done = await self._apply(p, balance, now)
        except NotPosted as err:
            why = texts.NOT_POSTED.get(err.reason, err.reason)
            return await self.refund(p, why, ErrorCode.UNAVAILABLE, balance)
        except Exception:
            log.exception("vanity_store_failed", purchase=p.id, item=p.item)
            return await self.refund(p, "it could not be stored", ErrorCode.INTERNAL, balance)
        p2 = await self._reload(p)
        if done:
            self._count(p2, "applied")
            self._metrics.vanity_spent.labels(p.item).inc(p.price)
            if p.item == "fortune":
                self._metrics.fortunes.labels("false").inc()
            if p.item == "shoutout":
                self._metrics.shoutouts.inc()
            if self._after_applied is not None:
                try:
                    self._after_applied(p2)
                except Exception:  # the item is stored and paid for: a follow-up must not undo that
                    log.exception("after_applied_failed", purchase=p.id, item=p.item)
        return p2

    async def _apply(self, p: Purchase, balance: int | None, now: int) -> bool:
        cfg = self._config()
        if p.item == "shoutout":
            return await self._post_shoutout(p, balance, now)
        if p.item == "fortune":
            return await self._store.apply_fortune(p, day_str(from_ms(p.created_ms)), now, balance)
        if p.item == "gif" and cfg.vanity_shop.channel_gif.requires_admin_approval:
            return await self._store.apply_gif_approval(p, now, balance) is not None
        stored_as = ITEMS[p.item].stored_as
        if stored_as is None:
            raise ValueError(f"nothing to store for {p.item!r}")
        return await self._store.apply_item(p, stored_as, p.value, now, balance)

    async def _post_shoutout(self, p: Purchase, balance: int | None, now: int) -> bool:
        """Render the ``shoutout`` template and queue it (paced, capped, deduplicated) at once."""
        channel = self._channels.display(p.channel)
        rendered = self._voice.render(channel, "shoutout", {"user": p.display, "message": p.value})
        if rendered.text is None:
            raise NotPosted(rendered.reason)
        queued = self._voice.queue_say(channel, rendered.text, Priority.ANNOUNCE, dedup=True)
        if not queued.queued:
            raise NotPosted(queued.reason)
        return await self._store.move(p, ("charging",), "applied", now, balance=balance)

    async def refund(self, p: Purchase, why: str = "", code: ErrorCode = ErrorCode.UNAVAILABLE,
                     balance: int | None = None) -> Purchase:
        """Give the charge back; a shoutout's cooldown is given back at once."""
        if p.state != "refunding":
            if not await self._store.move(p, (p.state,), "refunding", self._now_ms(), error_code=code.value,
                                          error=why, balance=balance):
                return await self._reload(p)
            if p.item == "shoutout":
                await self._store.give_back_cooldown(p)
            p = await self._reload(p)
        balance = p.balance
        if p.price > 0:
            outcome = await self._ledger.post(p.channel, p.refund_key, refund_postings(p))
            if not outcome.answered:
                return p
            if not outcome.moved:
                log.error("refund_refused", purchase=p.id, key=p.refund_key, code=outcome.code,
                          message=outcome.message)
                return p
            balance = outcome.balance_of(p.display)
        if await self._store.move(p, ("refunding",), "refunded", self._now_ms(), balance=balance):
            self._count(p, "refunded")
        return await self._reload(p)

    def _count(self, p: Purchase, outcome: str) -> None:
        self._metrics.vanity_purchases.labels(p.item, outcome).inc()

    # ---- recovery --------------------------------------------------------------------------------------
    async def resolve_due(self, stale_before_ms: int | None = None) -> int:
        """One pass over purchases left ``charging`` or ``refunding`` (a silent ledger, a restart); each one
        reaching a final state is told to its buyer by PM. Returns how many did."""
        before = stale_before_ms if stale_before_ms is not None else self._now_ms() - int(STALE_SECONDS * 1000)
        done = 0
        for p in await self._store.in_flight(before):
            async with self.working(p.id) as mine:
                if not mine:
                    continue
                try:
                    after = await self.finish(p)
                except Exception:
                    log.exception("purchase_recovery_failed", purchase=p.id)
                    continue
            if after.state in FINAL and after.state != p.state:
                done += 1
                log.info("purchase_recovered", purchase=p.id, was=p.state, now=after.state)
                await self._voice.notify(self._channels.display(after.channel), after.display,
                                         await self.later_text(after))
        return done

    async def later_text(self, p: Purchase) -> str:
        """The PM for a purchase that finished after its reply: the final word on it."""
        cfg = self._config()
        if p.state == "applied":
            if p.item == "gif" and (approval := await self._store.approval_of(p)) is not None:
                return "✅ Your purchase went through after all. " + texts.gif_pending(cfg, p.value, p.price,
                                                                                       p.balance, approval)
            if p.item == "shoutout":
                return "✅ Your purchase went through after all. " + texts.shoutout_posted(cfg, p.price, p.balance)
            if p.item == "fortune":
                return "✅ Your fortune came through. " + texts.fortune(cfg, p.value, p.price, p.balance, False)
            return "✅ Your purchase went through after all. " + texts.stored(
                cfg, p.item, p.value, p.price, p.balance, "")
        if p.state in ("refunded", "refunding"):
            return texts.refunded(cfg, p.item, p.price, p.error, p.state == "refunded")
        return texts.later_failed(p.item, p.error)


class PurchaseRecovery(PeriodicJob):
    """Finishes open purchases: a pass right after start (everything open is stale then), then every ~30 s.
    In the background: a slow ledger must not hold the start-up."""

    name = "vanity-purchase-recovery"
    catch_up_in_start = False

    def __init__(self, purchases: Purchases, clock: Clock, poll_seconds: float = STALE_SECONDS) -> None:
        super().__init__(clock, poll_seconds)
        self._purchases = purchases
        self._first = True

    async def run_due(self) -> int:
        if self._first:
            self._first = False
            return await self._purchases.resolve_due(stale_before_ms=to_ms(self.clock.now()))
        return await self._purchases.resolve_due()
