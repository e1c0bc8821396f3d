"""Pure rules of the admin words (sprint 8 §3): argument parsing, rank-name matching, reply wording.

No I/O here. Amounts go through the shared ``parse_amount`` (positive, ASCII digits); ``set_balance``
also takes ``0``. A bad argument is the usage line and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from economy_shared.config.progression import RankSettings
from economy_shared.envelope import ErrorCode
from economy_shared.pm.text import parse_amount, strip_at

FROZEN = "⛔ Your account is frozen by the channel admins."


class AdminAction(StrEnum):
    GRANT = "grant"
    DEDUCT = "deduct"
    SET_BALANCE = "set_balance"
    SET_RANK = "set_rank"
    BAN = "ban"
    UNBAN = "unban"


class RefusalReason(StrEnum):
    UNKNOWN_USER = "unknown_user"
    NO_FUNDS = "insufficient_funds"
    UNKNOWN_RANK = "unknown_rank"
    ALREADY = "already"
    REUSED = "reused_request"


_CODES = {
    RefusalReason.UNKNOWN_USER: ErrorCode.NOT_FOUND,
    RefusalReason.NO_FUNDS: ErrorCode.INSUFFICIENT_FUNDS,
    RefusalReason.UNKNOWN_RANK: ErrorCode.BAD_REQUEST,
    RefusalReason.ALREADY: ErrorCode.CONFLICT,
    RefusalReason.REUSED: ErrorCode.IDEMPOTENCY_CONFLICT,
}


@dataclass(frozen=True)
class AdminRefusal:
    reason: RefusalReason
    message: str

    @property
    def code(self) -> ErrorCode:
        return _CODES[self.reason]


@dataclass(frozen=True)
class MoneyArgs:
    target: str
    amount: int
    reason: str


def parse_target(token: str) -> str | None:
    """``@Name`` or ``Name``; None when nothing is left."""
    name = strip_at(token)
    return name if name and len(name) <= 64 else None


def parse_money(args: list[str], allow_zero: bool = False) -> MoneyArgs | None:
    """``<user> <amount> [reason…]``; None when malformed (the caller shows the usage line)."""
    if len(args) < 2:
        return None
    target = parse_target(args[0])
    amount = 0 if allow_zero and args[1].strip() == "0" else parse_amount(args[1])
    if target is None or amount is None:
        return None
    return MoneyArgs(target, amount, " ".join(args[2:]).strip()[:200])


def parse_target_rest(args: list[str], need_rest: bool) -> tuple[str, str] | None:
    """``<user> [rest…]`` (``rest`` required when ``need_rest``); None when malformed."""
    if not args:
        return None
    target = parse_target(args[0])
    rest = " ".join(args[1:]).strip()
    if target is None or (need_rest and not rest):
        return None
    return target, rest[:200]


def match_rank(ranks: RankSettings, typed: str) -> str | None:
    """The configured tier name matching ``typed`` case-insensitively, or None."""
    wanted = " ".join(typed.split()).casefold()
    for tier in ranks.tiers:
        if tier.name.casefold() == wanted:
            return tier.name
    return None


def unknown_user(name: str) -> AdminRefusal:
    return AdminRefusal(RefusalReason.UNKNOWN_USER,
                        f"❓ No account for '{name}' and they are not here — nothing changed.")


def unknown_rank(ranks: RankSettings, typed: str) -> AdminRefusal:
    names = ", ".join(t.name for t in ranks.tiers)
    return AdminRefusal(RefusalReason.UNKNOWN_RANK, f"❓ Unknown rank '{typed}'. Valid: {names}.")


def no_funds(name: str, balance: int, amount: int, symbol: str) -> AdminRefusal:
    return AdminRefusal(RefusalReason.NO_FUNDS,
                        f"❌ {name} has only {balance:,} {symbol}; cannot deduct {amount:,} {symbol}.")


REUSED = AdminRefusal(RefusalReason.REUSED, "❌ That request id was already used for something else.")


def rank_floor_for(ranks: RankSettings, name: str) -> str | None:
    """The floor to store: the lowest tier clears it (None)."""
    return None if ranks.tiers and ranks.tiers[0].name == name else name


def notice_text(action: AdminAction, amount: int, symbol: str, reason: str, balance: int | None = None,
                rank: str | None = None) -> str:
    """The PM the target gets (DECISIONS 7: the ban tells the user)."""
    why = f" Reason: {reason}" if reason else ""
    if action is AdminAction.GRANT:
        return f"🎁 An admin gave you {amount:,} {symbol}.{why}" + (
            f" Your balance: {balance:,} {symbol}." if balance is not None else "")
    if action is AdminAction.DEDUCT:
        return f"➖ An admin took {amount:,} {symbol} from your balance.{why}" + (
            f" Your balance: {balance:,} {symbol}." if balance is not None else "")
    if action is AdminAction.SET_RANK:
        return f"⭐ An admin set your rank to {rank}."
    if action is AdminAction.BAN:
        return f"{FROZEN}{why} Your balance is kept."
    return "✅ Your economy access is restored."
