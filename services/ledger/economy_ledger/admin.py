"""The admin use case behind PM ``grant``/``deduct``/``set_balance``/``set_rank``/``ban``/``unban``/``econ:user``,
the internal ``ledger.admin_*`` and the public ``admin.*`` (and the original's aliases): one implementation.

Targets resolve to known users only — an account, or present now (DECISIONS 1); nothing is opened for
an arbitrary token. Money is one ledger request under ``admin:<verb>:<chan>:<request id>`` (a new
uuid4 per PM, the caller's ``request_id`` on a request, so a retry never moves money twice). Grants
are kind ``admin``: never lifetime_earned, never a rank (DECISIONS 5). A ban keeps the balance and
the ledger refuses every non-admin posting of a banned user (DECISIONS 7). Every action is logged
with the admin's name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.logging import get_logger
from economy_shared.schemas.ledger import AccountView, Posting, PostingKind, PostRequest, is_system_account
from economy_shared.users import user_key

from .accounts import account_view
from .admin_rules import (
    REUSED,
    AdminAction,
    AdminRefusal,
    RefusalReason,
    match_rank,
    no_funds,
    notice_text,
    rank_floor_for,
    unknown_rank,
    unknown_user,
)
from .admin_store import AdminStore
from .metrics import LedgerMetrics
from .tips import Notifier, PresenceCheck

log = get_logger("economy.admin")


@dataclass(frozen=True)
class AdminDone:
    action: AdminAction
    target: str  # display name
    amount: int = 0
    balance: int | None = None
    old_balance: int | None = None
    rank: str | None = None
    reason: str = ""
    changed: bool = True
    replayed: bool = False


@dataclass(frozen=True)
class UserInfo:
    view: AccountView
    ban_reason: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)


def admin_key(verb: AdminAction, channel: str, reference: str | None) -> str:
    """``admin:<verb>:<chan>:<request id>`` — a fresh uuid4 for a PM (each PM is a new fact)."""
    return f"admin:{verb.value}:{channel_key(channel)}:{reference or uuid.uuid4().hex}"


class Admin:
    def __init__(self, store: AdminStore, presence: PresenceCheck, voice: Notifier,
                 config: Callable[[], EconomyConfig], clock: Clock, metrics: LedgerMetrics) -> None:
        self._store = store
        self._presence = presence
        self._voice = voice
        self._config = config
        self._clock = clock
        self._metrics = metrics

    async def _known(self, channel: str, name: str) -> tuple[dict[str, Any] | None, bool]:
        """(account row, known): known when an account exists or the user is present now."""
        if is_system_account(name):  # "~escrow:…" and friends are never an admin target
            return None, False
        row = await self._store.account(channel, name)
        if row is not None:
            return row, True
        return None, await self._presence.present(channel, name) is True

    def _done(self, channel: str, admin: str, done: AdminDone, request_id: str | None) -> AdminDone:
        if done.changed and not done.replayed:
            self._metrics.observe_admin_action(channel_key(channel), done.action.value)
        log.info("admin_action", admin=admin, action=done.action.value, channel=channel, target=done.target,
                 amount=done.amount, rank=done.rank, reason=done.reason or None, changed=done.changed,
                 replayed=done.replayed, request_id=request_id)
        return done

    async def _move(self, verb: AdminAction, channel: str, admin: str, target: str, amount: int, reason: str,
                    reference: str | None) -> AdminDone | AdminRefusal:
        row, known = await self._known(channel, target)
        if not known:
            return unknown_user(target)
        name = row["display_name"] if row else target
        symbol = self._config().currency.symbol
        signed = amount if verb is AdminAction.GRANT else -amount
        if verb is AdminAction.DEDUCT and (row is None or row["balance"] < amount) and reference is None:
            return no_funds(name, row["balance"] if row else 0, amount, symbol)
        req = PostRequest(channel=channel, idempotency_key=admin_key(verb, channel, reference), want_balances=True,
                          postings=[Posting(user=name, amount=signed, kind=PostingKind.ADMIN,
                                            trigger_id=f"admin.{verb.value}",
                                            reason=reason or f"{verb.value} by {admin}", related_user=admin)])
        try:
            result = await self._store.post(req, to_ms(self._clock.now()))
        except ServiceError as err:
            if err.code == ErrorCode.INSUFFICIENT_FUNDS:
                return no_funds(name, row["balance"] if row else 0, amount, symbol)
            if err.code == ErrorCode.IDEMPOTENCY_CONFLICT:
                return REUSED
            raise
        done = AdminDone(verb, name, amount, result.balances.get(user_key(name)), reason=reason,
                         replayed=result.replayed)
        if not done.replayed:
            await self._voice.notify(channel, name, notice_text(verb, amount, symbol, reason, done.balance))
        return self._done(channel, admin, done, reference)

    async def grant(self, channel: str, admin: str, target: str, amount: int, reason: str = "",
                    reference: str | None = None) -> AdminDone | AdminRefusal:
        """Credit ``amount`` (kind admin: no lifetime_earned, no rank; DECISIONS 5)."""
        return await self._move(AdminAction.GRANT, channel, admin, target, amount, reason, reference)

    async def deduct(self, channel: str, admin: str, target: str, amount: int, reason: str = "",
                     reference: str | None = None) -> AdminDone | AdminRefusal:
        """Debit ``amount``; never below 0 (refused with the balance)."""
        return await self._move(AdminAction.DEDUCT, channel, admin, target, amount, reason, reference)

    async def set_balance(self, channel: str, admin: str, target: str, amount: int,
                          reference: str | None = None) -> AdminDone | AdminRefusal:
        """One admin posting of the difference in one transaction; nothing when already equal."""
        row, known = await self._known(channel, target)
        if not known:
            return unknown_user(target)
        name = row["display_name"] if row else target
        key = admin_key(AdminAction.SET_BALANCE, channel, reference)
        try:
            old, result = await self._store.set_balance(channel, name, amount, key, "admin.set_balance",
                                                        f"set to {amount} by {admin}", to_ms(self._clock.now()))
        except ServiceError as err:
            if err.code == ErrorCode.IDEMPOTENCY_CONFLICT:
                return REUSED
            raise
        done = AdminDone(AdminAction.SET_BALANCE, name, amount, amount, old_balance=old, changed=result is not None,
                         replayed=bool(result and result.replayed))
        return self._done(channel, admin, done, reference)

    async def set_rank(self, channel: str, admin: str, target: str, typed: str,
                       reference: str | None = None) -> AdminDone | AdminRefusal:
        """Set the rank floor (the lowest tier clears it); ranks from earnings still rise above it."""
        ranks = self._config().ranks
        rank = match_rank(ranks, typed)
        if rank is None:
            return unknown_rank(ranks, typed)
        row, known = await self._known(channel, target)
        if not known:
            return unknown_user(target)
        now = to_ms(self._clock.now())
        if row is None:
            await self._store.open_account(channel, target, now)
        name = row["display_name"] if row else target
        floor = rank_floor_for(ranks, rank)
        lifetime = int(row["lifetime_earned"]) if row else 0
        reached = max(ranks.index_for(lifetime), ranks.tier_index(rank) or 0)  # where the user now stands
        await self._store.set_floor(channel, name, floor, reached, now)
        await self._voice.notify(channel, name, notice_text(AdminAction.SET_RANK, 0, "", "", rank=rank))
        return self._done(channel, admin, AdminDone(AdminAction.SET_RANK, name, rank=rank), reference)

    async def ban(self, channel: str, admin: str, target: str, reason: str = "",
                  reference: str | None = None) -> AdminDone | AdminRefusal:
        return await self._set_ban(channel, admin, target, True, reason, reference)

    async def unban(self, channel: str, admin: str, target: str,
                    reference: str | None = None) -> AdminDone | AdminRefusal:
        return await self._set_ban(channel, admin, target, False, "", reference)

    async def _set_ban(self, channel: str, admin: str, target: str, banned: bool, reason: str,
                       reference: str | None) -> AdminDone | AdminRefusal:
        row, known = await self._known(channel, target)
        if not known:
            return unknown_user(target)
        name = row["display_name"] if row else target
        if row is not None and bool(row["banned"]) == banned:
            state = "already banned" if banned else "not banned"
            return AdminRefusal(RefusalReason.ALREADY, f"ℹ️ {name} is {state} — nothing changed.")
        if not banned and row is None:
            return AdminRefusal(RefusalReason.ALREADY, f"ℹ️ {name} is not banned — nothing changed.")
        await self._store.ledger.set_banned(channel, name, banned, reason or None, to_ms(self._clock.now()),
                                            create=row is None)
        action = AdminAction.BAN if banned else AdminAction.UNBAN
        await self._voice.notify(channel, name, notice_text(action, 0, "", reason))
        return self._done(channel, admin, AdminDone(action, name, reason=reason), reference)

    async def user_info(self, channel: str, name: str, rows: int = 5) -> UserInfo | AdminRefusal:
        """``econ:user``: the account view, the ban reason and the last journal rows (never opens one)."""
        row = None if is_system_account(name) else await self._store.account(channel, name)
        if row is None:
            return AdminRefusal(RefusalReason.UNKNOWN_USER, f"❓ No account for '{name}'.")
        return UserInfo(account_view(self._config(), name, row), row.get("ban_reason"),
                        await self._store.journal(channel, name, rows))
