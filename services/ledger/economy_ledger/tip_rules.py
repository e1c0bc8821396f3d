"""Pure tip rules: who may tip whom and how much, the daily cap, and the one-line refusals.

Behaviour: sprint5 §4 with its listed mistakes fixed, DECISIONS 1 (a target resolves only to a known
user: an account holder or someone present now; never a new account for an arbitrary token),
5 (tips count to tips_sent / tips_received, never to lifetime_earned), 7 (the ledger's ban check
refuses a banned sender or target) and 12 (self-tips are alias-aware).

The sender's age counts from the account's creation (``created_ms``): the account is opened by the
first posting of the first visit (welcome wallet or first presence minute), and presence's
``user_status`` carries no first-seen time, so the ledger's own record is the age.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode
from economy_shared.pm.text import parse_amount, strip_at
from economy_shared.schemas.ledger import is_system_account
from economy_shared.users import user_key

TIP_TRIGGER = "tip"
USAGE = "Usage: tip @user <amount>"
MAX_NAME = 64  # longest user name a request carries (schemas.base.UserName)
_SIGNED_INTEGER = re.compile(r"[-+]?[0-9]+", re.ASCII)


class TipRefusalReason(StrEnum):
    """Why a tip moved nothing (also the metrics label)."""

    DISABLED = "disabled"
    USAGE = "usage"
    NOT_WHOLE = "not_whole"
    BELOW_MINIMUM = "below_minimum"
    IGNORED = "ignored"
    SELF = "self"
    UNKNOWN_TARGET = "unknown_target"
    NO_ACCOUNT = "no_account"
    TOO_NEW = "too_new"
    DAILY_CAP = "daily_cap"
    NO_FUNDS = "no_funds"
    BANNED_SENDER = "banned_sender"
    BANNED_TARGET = "banned_target"
    REUSED_REQUEST = "reused_request"


_CODES: dict[TipRefusalReason, ErrorCode] = {
    TipRefusalReason.DISABLED: ErrorCode.DISABLED,
    TipRefusalReason.USAGE: ErrorCode.BAD_REQUEST,
    TipRefusalReason.NOT_WHOLE: ErrorCode.BAD_REQUEST,
    TipRefusalReason.BELOW_MINIMUM: ErrorCode.BAD_REQUEST,
    TipRefusalReason.IGNORED: ErrorCode.FORBIDDEN,
    TipRefusalReason.SELF: ErrorCode.FORBIDDEN,
    TipRefusalReason.UNKNOWN_TARGET: ErrorCode.NOT_FOUND,
    TipRefusalReason.NO_ACCOUNT: ErrorCode.INSUFFICIENT_FUNDS,
    TipRefusalReason.TOO_NEW: ErrorCode.FORBIDDEN,
    TipRefusalReason.DAILY_CAP: ErrorCode.LIMIT,
    TipRefusalReason.NO_FUNDS: ErrorCode.INSUFFICIENT_FUNDS,
    TipRefusalReason.BANNED_SENDER: ErrorCode.BANNED,
    TipRefusalReason.BANNED_TARGET: ErrorCode.BANNED,
    TipRefusalReason.REUSED_REQUEST: ErrorCode.IDEMPOTENCY_CONFLICT,
}


@dataclass(frozen=True)
class TipRefusal:
    reason: TipRefusalReason
    message: str  # one line, said to the sender as it is

    @property
    def code(self) -> ErrorCode:
        return _CODES[self.reason]


TIPS_OFF = TipRefusal(TipRefusalReason.DISABLED, "💤 Tipping is switched off in this channel.")
SELF_TIP = TipRefusal(TipRefusalReason.SELF, "🙃 You can't tip yourself.")


@dataclass(frozen=True)
class TipFacts:
    """What the use case looked up about the two people before asking the ledger."""

    same_person: bool  # equal names, or one is an alias of the other (userstats), or names only when it is down
    target_known: bool  # holds an account, or is present now
    sender_created_ms: int | None  # None: the sender has no account
    now_ms: int


def parse_tip(args: list[str]) -> tuple[str, int] | TipRefusal:
    """``tip @user <amount>`` → (target as typed, amount); the ``@`` is optional."""
    if len(args) < 2 or not strip_at(args[0]):
        return TipRefusal(TipRefusalReason.USAGE, USAGE)
    token = args[1]
    amount = parse_amount(token)
    if amount is not None:
        return strip_at(args[0]), amount
    if _SIGNED_INTEGER.fullmatch(token.strip()) and int(token) <= 0:
        return TipRefusal(TipRefusalReason.BELOW_MINIMUM, "A tip has to be more than zero.")
    return TipRefusal(TipRefusalReason.NOT_WHOLE, f"'{token[:20]}' isn't a whole number of coins. {USAGE}")


def check_request(cfg: EconomyConfig, sender: str, target: str, amount: int) -> TipRefusal | None:
    """The checks that need nothing looked up: switched on, the minimum, who may receive, plain self-tips."""
    settings, symbol = cfg.tipping, cfg.currency.symbol
    if not settings.enabled:
        return TIPS_OFF
    if amount < settings.min_amount:
        return TipRefusal(TipRefusalReason.BELOW_MINIMUM, f"The smallest tip is {settings.min_amount:,} {symbol}.")
    if cfg.is_ignored(sender):
        return TipRefusal(TipRefusalReason.IGNORED, f"{sender} doesn't take part in the economy.")
    if cfg.is_ignored(target) or is_system_account(user_key(target)):
        return TipRefusal(TipRefusalReason.IGNORED, f"{target} doesn't take part in the economy.")
    if user_key(sender) == user_key(target):
        return SELF_TIP
    if len(target) > MAX_NAME:
        return unknown_target(target)
    return None


def unknown_target(target: str) -> TipRefusal:
    return TipRefusal(TipRefusalReason.UNKNOWN_TARGET,
                      f"🤷 I don't know anyone called {target[:MAX_NAME]} here. Check the spelling?")


def check_people(min_age_minutes: int, target: str, facts: TipFacts) -> TipRefusal | None:
    """The checks on what was looked up: aliases, a known target, the sender's account and its age."""
    if facts.same_person:
        return SELF_TIP
    if not facts.target_known:
        return unknown_target(target)
    if facts.sender_created_ms is None:
        return TipRefusal(TipRefusalReason.NO_ACCOUNT, "👛 Your wallet is empty. Stick around and earn some first!")
    wait = minutes_until_old_enough(facts.sender_created_ms, facts.now_ms, min_age_minutes)
    if wait > 0:
        return TipRefusal(TipRefusalReason.TOO_NEW,
                          f"⏳ Your wallet is too new to tip. Try again in {wait} minute{'s' if wait != 1 else ''}.")
    return None


def minutes_until_old_enough(created_ms: int, now_ms: int, min_minutes: int) -> int:
    """Whole minutes (rounded up) until an account created at ``created_ms`` is ``min_minutes`` old; 0 if it is."""
    left_ms = created_ms + min_minutes * 60_000 - now_ms
    return max(0, math.ceil(left_ms / 60_000))


def utc_day_bounds_ms(now: datetime) -> tuple[int, int]:
    """[start, end) of ``now``'s UTC day in epoch ms: the daily cap's window (DECISIONS 2)."""
    day = now.astimezone(UTC).date()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return int(start.timestamp() * 1000), int((start + timedelta(days=1)).timestamp() * 1000)


def cap_left(sent_today: int, max_per_day: int) -> int:
    return max(0, max_per_day - sent_today)


def check_daily_cap(sent_today: int, amount: int, max_per_day: int, symbol: str) -> TipRefusal | None:
    """Refuse a tip that would take today's total past the cap, saying what is left today."""
    left = cap_left(sent_today, max_per_day)
    if amount <= left:
        return None
    if left == 0:
        text = f"📅 You've reached today's tip limit of {max_per_day:,} {symbol}. It resets at midnight UTC."
    else:
        text = f"📅 Daily tip limit is {max_per_day:,} {symbol}; you can still tip {left:,} {symbol} today."
    return TipRefusal(TipRefusalReason.DAILY_CAP, text)


def no_funds(amount: int, short_by: int | None, symbol: str) -> TipRefusal:
    if short_by is not None and 0 < short_by <= amount:
        have = amount - short_by
        return TipRefusal(TipRefusalReason.NO_FUNDS,
                          f"💸 That tip needs {amount:,} {symbol}; you have {have:,} {symbol}.")
    return TipRefusal(TipRefusalReason.NO_FUNDS, f"💸 You don't have {amount:,} {symbol} to tip.")


def banned(sender_banned: bool, target: str) -> TipRefusal:
    if sender_banned:
        return TipRefusal(TipRefusalReason.BANNED_SENDER, "⛔ Your account is frozen by the channel admins.")
    return TipRefusal(TipRefusalReason.BANNED_TARGET, f"⛔ {target} can't receive tips right now.")


REUSED_REQUEST = TipRefusal(TipRefusalReason.REUSED_REQUEST,
                            "That request_id was already used for a different tip.")


def received_text(sender: str, amount: int, balance: int | None, symbol: str) -> str:
    """The unsolicited PM to the person tipped."""
    tail = f" Your balance: {balance:,} {symbol}." if balance is not None else ""
    return f"🎁 {sender} tipped you {amount:,} {symbol}!{tail}"
