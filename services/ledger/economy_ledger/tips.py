"""Tips and history, the use case behind PM ``tip``/``history``, ``ledger.tip``/``ledger.history`` and the
public ``spend.tip``/``transactions.list``.

A tip is one ledger request: the sender's debit and the target's credit (kind ``transfer``,
``related_user`` on both) in one commit, under a key derived from the business fact — a new
``uuid4`` per PM (each PM is a new fact), the caller's reference for a request (the same reference
replays the first answer and never charges twice). The ledger owns tips, so the money never
crosses NATS. Refusals move nothing and say why in one line (tip_rules.py).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode
from economy_shared.schemas.ledger import Posting, PostingKind, PostRequest
from economy_shared.users import user_key

from .metrics import LedgerMetrics
from .tip_rules import (
    REUSED_REQUEST,
    TIP_TRIGGER,
    TipFacts,
    TipRefusal,
    banned,
    cap_left,
    check_daily_cap,
    check_people,
    check_request,
    no_funds,
    received_text,
    utc_day_bounds_ms,
)
from .tips_store import TipsStore

_KEY_LIMIT = 240


class SamePerson(Protocol):
    """kryten-userstats alias lookup (economy_shared.userstats.AliasResolver)."""

    async def same_person(self, a: str, b: str) -> bool: ...


class PresenceCheck(Protocol):
    """Presence's ``user_status``: True/False, or None when presence cannot tell."""

    async def present(self, channel: str, user: str) -> bool | None: ...


class Notifier(Protocol):
    async def notify(self, channel: str, user: str, text: str) -> bool: ...


@dataclass(frozen=True)
class TipDone:
    sender: str
    target: str
    amount: int
    sender_balance: int | None
    target_balance: int | None
    left_today: int
    replayed: bool


def tip_key(channel: str, sender: str, reference: str | None) -> str:
    """``tip:<chan>:<sender>:<uuid4>`` for a PM; ``tip:<chan>:<sender>:api:<reference>`` for a request."""
    base = f"tip:{channel_key(channel)}:{user_key(sender)}:"
    if reference is None:
        return base + uuid.uuid4().hex
    key = f"{base}api:{reference}"
    if len(key) <= _KEY_LIMIT:
        return key
    return f"{base}api#{hashlib.sha256(reference.encode()).hexdigest()}"


class Tips:
    def __init__(
        self,
        store: TipsStore,
        aliases: SamePerson,
        presence: PresenceCheck,
        voice: Notifier,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        metrics: LedgerMetrics,
    ) -> None:
        self._store = store
        self._aliases = aliases
        self._presence = presence
        self._voice = voice
        self._config = config
        self._clock = clock
        self._metrics = metrics

    async def tip(self, channel: str, sender: str, target: str, amount: int,
                  reference: str | None = None) -> TipDone | TipRefusal:
        """Move ``amount`` from ``sender`` to ``target``, or say why not (nothing moved)."""
        cfg = self._config()
        refusal = check_request(cfg, sender, target, amount)
        if refusal is not None:
            return self.refused(channel, refusal)
        now = self._clock.now()
        sender_row = await self._store.account(channel, sender)
        target_row = await self._store.account(channel, target)
        same = await self._aliases.same_person(sender, target)
        known = target_row is not None or (not same and await self._presence.present(channel, target) is True)
        facts = TipFacts(same, known, sender_row["created_ms"] if sender_row else None, to_ms(now))
        refusal = check_people(cfg.tipping.min_account_age_minutes, target, facts)
        if refusal is not None:
            return self.refused(channel, refusal)
        assert sender_row is not None  # check_people refuses a sender without an account

        sender_name = sender_row["display_name"]
        target_name = target_row["display_name"] if target_row else target
        request = PostRequest(
            channel=channel,
            idempotency_key=tip_key(channel, sender, reference),
            postings=[
                Posting(user=sender_name, amount=-amount, kind=PostingKind.TRANSFER, trigger_id=TIP_TRIGGER,
                        reason=f"tip to {target_name}", related_user=target_name),
                Posting(user=target_name, amount=amount, kind=PostingKind.TRANSFER, trigger_id=TIP_TRIGGER,
                        reason=f"tip from {sender_name}", related_user=sender_name),
            ],
        )
        cap, symbol = cfg.tipping.max_per_day, cfg.currency.symbol

        def within_cap(sent_today: int) -> bool:
            return check_daily_cap(sent_today, amount, cap, symbol) is None

        outcome = await self._store.transfer(request, sender, amount, utc_day_bounds_ms(now), within_cap, to_ms(now))
        if outcome.over_cap:
            over = check_daily_cap(outcome.sent_today, amount, cap, symbol)
            assert over is not None  # the store refused by this same rule
            return self.refused(channel, over)
        if outcome.refusal is not None:
            err = outcome.refusal
            if err.code == ErrorCode.BANNED:
                return self.refused(channel, banned(bool(sender_row["banned"]), target_name))
            if err.code == ErrorCode.INSUFFICIENT_FUNDS:
                return self.refused(channel, no_funds(amount, err.data.get("short_by"), symbol))
            if err.code == ErrorCode.IDEMPOTENCY_CONFLICT:
                return self.refused(channel, REUSED_REQUEST)
            raise err
        result = outcome.result
        assert result is not None
        done = TipDone(
            sender=sender_name, target=target_name, amount=amount,
            sender_balance=result.balances.get(user_key(sender_name)),
            target_balance=result.balances.get(user_key(target_name)),
            left_today=cap_left(outcome.sent_today, cap), replayed=result.replayed,
        )
        if not done.replayed:
            self._metrics.observe_tip(channel_key(channel), amount)
            await self._voice.notify(channel, target_name, received_text(sender_name, amount, done.target_balance,
                                                                         symbol))
        return done

    async def history(self, channel: str, user: str, limit: int, before_id: int | None = None
                      ) -> list[dict[str, Any]]:
        """The user's journal rows, newest first (never creates an account)."""
        return await self._store.journal_page(channel, user, limit, before_id)

    def refused(self, channel: str, refusal: TipRefusal) -> TipRefusal:
        """Count a refusal (metrics by reason) and hand it back."""
        self._metrics.observe_tip_refusal(channel_key(channel), refusal.reason.value)
        return refusal
