"""Bounties, the use case behind PM ``bounty``/``bounties``/``claim_bounty`` and ``ledger.bounty_*`` /
the public ``bounty.*`` names (one implementation for all of them).

The ledger owns bounties, so the escrowed money never crosses NATS (bounty_rules.py has the
rules and the postings, bounty_store.py the one-transaction state changes). Keys come from the
business fact: ``bounty:create:<chan>:<request id>`` (a new id per PM; the caller's id for a request,
so a replay returns the first bounty), ``bounty:{claim,cancel,expire}:<chan>:<id>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.logging import get_logger
from economy_shared.schemas.ledger import PostRequest
from economy_shared.users import user_key

from . import bounty_rules as rules
from .bounty_rules import BountyRefusal, Reason
from .bounty_store import BountyStore, Created, Resolved
from .metrics import LedgerMetrics

log = get_logger("economy.ledger.bounties")
_KEY_LIMIT = 200


class Voice(Protocol):
    async def notify(self, channel: str, user: str, text: str) -> bool: ...

    async def say(self, channel: str, text: str, priority: Any = "announce", dedup: bool = True) -> bool: ...


@dataclass(frozen=True)
class BountyDone:
    """A bounty after a create / claim / cancel / expiry (``refund``: Z handed back to the creator)."""

    id: int
    creator: str
    description: str
    amount: int
    status: str
    expires_ms: int
    winner: str | None = None
    refund: int = 0
    balance: int | None = None  # the acting user's balance after (creator on create/cancel, winner on claim)
    replayed: bool = False


def _done(row: dict[str, Any], status: str, winner: str | None = None, refund: int = 0,
          balance: int | None = None, replayed: bool = False) -> BountyDone:
    return BountyDone(id=int(row["id"]), creator=row["creator"], description=row["description"],
                      amount=int(row["amount"]), status=status, expires_ms=int(row["expires_ms"]), winner=winner,
                      refund=refund, balance=balance, replayed=replayed)


def request_key(channel: str, request_id: str) -> str:
    key = rules.create_key(channel, request_id)
    if len(key) <= _KEY_LIMIT:
        return key
    return rules.create_key(channel, "#" + hashlib.sha256(request_id.encode()).hexdigest())


class Bounties:
    def __init__(self, store: BountyStore, voice: Voice, config: Callable[[], EconomyConfig], clock: Clock,
                 metrics: LedgerMetrics) -> None:
        self._store = store
        self._voice = voice
        self._config = config
        self._clock = clock
        self._metrics = metrics

    # ---- create -----------------------------------------------------------------------------
    async def create(self, channel: str, creator: str, amount: int, description: str,
                     request_id: str) -> BountyDone | BountyRefusal:
        """Escrow ``amount`` from ``creator`` and open a bounty, or say why not (nothing changed)."""
        cfg = self._config()
        desc = rules.clean_description(description)
        refusal = rules.check_create(cfg, amount, desc)
        if refusal is not None:
            return refusal
        creator_row = await self._store.account(channel, creator)
        symbol = cfg.currency.symbol
        if creator_row is None:
            return rules.no_funds(amount, amount, symbol)
        name = creator_row["display_name"]
        now_ms = to_ms(self._clock.now())
        key = request_key(channel, request_id)
        hours = cfg.bounties.default_expiry_hours
        outcome = await self._store.create(
            channel, key, name, desc, amount, now_ms, rules.expires_ms(now_ms, hours), cfg.bounties.max_open_per_user,
            rules.open_limit,
            lambda bounty_id: rules.create_request(channel, key, bounty_id, name, amount, desc),
        )
        if isinstance(outcome, BountyRefusal):
            return outcome
        if isinstance(outcome, ServiceError):
            return self._ledger_refusal(outcome, amount, symbol)
        return await self._created(channel, outcome, symbol)

    async def _created(self, channel: str, created: Created, symbol: str) -> BountyDone:
        row = created.bounty
        balance = created.result.balances.get(row["creator_key"])
        done = _done(row, row["status"], winner=row["winner"], balance=balance, replayed=created.replayed)
        if not created.replayed:
            self._metrics.observe_bounty(channel_key(channel), "created")
            log.info("bounty_created", channel=channel, id=done.id, creator=row["creator_key"], amount=done.amount)
            await self._voice.say(channel, rules.announce_created(done.creator, done.amount, done.description,
                                                                  symbol))
        return done

    def _ledger_refusal(self, err: ServiceError, amount: int, symbol: str) -> BountyRefusal:
        if err.code == ErrorCode.INSUFFICIENT_FUNDS:
            return rules.no_funds(amount, err.data.get("short_by"), symbol)
        if err.code == ErrorCode.BANNED:
            return rules.BANNED
        if err.code == ErrorCode.IDEMPOTENCY_CONFLICT:
            return rules.refused(Reason.USAGE, "That request id was already used for something else.")
        raise err

    # ---- list -------------------------------------------------------------------------------
    async def open_bounties(self, channel: str, limit: int = rules.LIST_LIMIT) -> list[dict[str, Any]]:
        """Open bounties, newest first (listing works even with bounties switched off)."""
        return await self._store.open_list(channel, limit)

    def list_text(self, rows: list[dict[str, Any]]) -> str:
        return rules.list_text(rows, to_ms(self._clock.now()), self._config().currency.symbol)

    async def get(self, channel: str, bounty_id: int) -> dict[str, Any] | None:
        return await self._store.get(channel, bounty_id)

    # ---- claim ------------------------------------------------------------------------------
    async def claim(self, channel: str, bounty_id: int, winner: str, admin: str) -> BountyDone | BountyRefusal:
        """An admin awards an open, unexpired bounty to a known user (never the creator, never banned)."""
        symbol = self._config().currency.symbol
        winner_row = await self._store.account(channel, winner)
        if winner_row is None:
            return rules.refused(Reason.UNKNOWN_WINNER, f"🤷 I don't know anyone called {winner[:64]} here.")
        if winner_row["banned"]:
            return rules.refused(Reason.BANNED_WINNER, f"⛔ {winner_row['display_name']} is frozen by the admins.")
        name = winner_row["display_name"]
        now_ms = to_ms(self._clock.now())

        def decide(row: dict[str, Any]) -> BountyRefusal | PostRequest:
            if row["status"] != "open":
                return rules.not_open(bounty_id, row["status"])
            if now_ms >= row["expires_ms"]:
                return rules.expired(bounty_id)
            if row["creator_key"] == user_key(name):
                return rules.refused(Reason.SELF_CLAIM, "🙃 The creator can't claim their own bounty.")
            return rules.claim_request(channel, bounty_id, name, row["amount"], row["description"])

        outcome = await self._store.resolve(channel, bounty_id, "claimed", name, admin, now_ms, decide)
        if not isinstance(outcome, Resolved):
            return self._resolve_refusal(outcome, bounty_id)
        row = outcome.bounty
        done = _done(row, "claimed", winner=name, balance=outcome.result.balances.get(user_key(name)))
        self._metrics.observe_bounty(channel_key(channel), "claimed")
        log.info("bounty_claimed", channel=channel, id=bounty_id, winner=user_key(name), by=admin)
        await self._voice.notify(channel, done.creator, f"🏆 Your bounty #{bounty_id} was claimed by {name}: "
                                                        f"{done.amount:,} {symbol} awarded.")
        await self._voice.notify(channel, name, f'🏆 You earned bounty #{bounty_id} "{done.description}" '
                                                f"(+{done.amount:,} {symbol})!")
        await self._voice.say(channel, rules.announce_claimed(name, bounty_id, done.amount, done.description,
                                                              symbol))
        return done

    # ---- cancel / expire --------------------------------------------------------------------
    async def cancel(self, channel: str, bounty_id: int, user: str) -> BountyDone | BountyRefusal:
        """The creator withdraws an open bounty: the same partial refund as an expiry."""
        now_ms = to_ms(self._clock.now())
        pct = self._config().bounties.expiry_refund_percent

        def decide(row: dict[str, Any]) -> BountyRefusal | PostRequest:
            if row["creator_key"] != user_key(user):
                return rules.refused(Reason.NOT_CREATOR, f"Only the creator can cancel bounty #{bounty_id}.")
            if row["status"] != "open":
                return rules.not_open(bounty_id, row["status"])
            return rules.release_request("cancel", channel, bounty_id, row["creator"], row["amount"],
                                         rules.refund_amount(row["amount"], pct))

        outcome = await self._store.resolve(channel, bounty_id, "cancelled", None, user, now_ms, decide)
        if not isinstance(outcome, Resolved):
            return self._resolve_refusal(outcome, bounty_id)
        row = outcome.bounty
        done = _done(row, "cancelled", refund=rules.refund_amount(row["amount"], pct),
                     balance=outcome.result.balances.get(row["creator_key"]))
        self._metrics.observe_bounty(channel_key(channel), "cancelled")
        log.info("bounty_cancelled", channel=channel, id=bounty_id, refund=done.refund)
        return done

    async def expire_due(self, channel: str) -> list[BountyDone]:
        """Expire every open bounty past its time: one transaction each, refund share to the creator."""
        now_ms = to_ms(self._clock.now())
        pct = self._config().bounties.expiry_refund_percent
        symbol = self._config().currency.symbol
        out = []
        for bounty_id in await self._store.due(channel, now_ms):

            def decide(row: dict[str, Any]) -> BountyRefusal | PostRequest:
                if row["status"] != "open":
                    return rules.not_open(int(row["id"]), row["status"])
                return rules.release_request("expire", channel, int(row["id"]), row["creator"], row["amount"],
                                             rules.refund_amount(row["amount"], pct))

            outcome = await self._store.resolve(channel, bounty_id, "expired", None, "system", now_ms, decide)
            if not isinstance(outcome, Resolved):
                continue  # claimed or cancelled meanwhile: exactly one transition wins
            row = outcome.bounty
            done = _done(row, "expired", refund=rules.refund_amount(row["amount"], pct))
            out.append(done)
            self._metrics.observe_bounty(channel_key(channel), "expired")
            log.info("bounty_expired", channel=channel, id=bounty_id, refund=done.refund,
                     burned=done.amount - done.refund)
            if done.refund > 0:
                await self._voice.notify(
                    channel, done.creator,
                    f"⌛ Your bounty #{bounty_id} expired unclaimed. {done.refund:,} {symbol} ({pct}% of "
                    f"{done.amount:,} {symbol}) went back to your wallet.")
        return out

    async def refresh_metrics(self, channel: str) -> None:
        count, held = await self._store.open_totals(channel)
        self._metrics.observe_open_bounties(channel_key(channel), count, held)

    def _resolve_refusal(self, outcome: BountyRefusal | ServiceError | None, bounty_id: int) -> BountyRefusal:
        if outcome is None:
            return rules.not_found(bounty_id)
        if isinstance(outcome, BountyRefusal):
            return outcome
        if outcome.code == ErrorCode.CONFLICT:  # lost a race: another transition won
            return rules.refused(Reason.NOT_OPEN, f"Bounty #{bounty_id} is no longer open.")
        if outcome.code == ErrorCode.BANNED:
            return rules.refused(Reason.BANNED_WINNER, "⛔ That user is frozen by the admins.")
        raise outcome
