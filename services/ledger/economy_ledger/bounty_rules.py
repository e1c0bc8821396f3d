"""Pure bounty rules: parsing ``bounty``/``claim_bounty``/``bounty cancel``, the checks, the postings and the texts.

Behaviour: sprint7 §1.5 and §3 with its §9 mistakes fixed — the open limit is a COUNT (not a
capped list), escrow and insert are one transaction, an expired-but-unprocessed bounty cannot be
claimed, the winner must be a known account that is neither the creator nor banned (DECISIONS 1, 7),
and times are epoch ms (no naive/aware or string-compare pitfalls). The description is sanitised
before its length is checked (DECISIONS 20). Money: the creator's side of the escrow is a ``spend``
and a cancel/expiry refund is a ``refund`` (it reverses that spend, DECISIONS 5); the held Z sit in
the system account ``~escrow:bounties`` (kind ``escrow``: only system accounts may hold one); the
winner's payout is an ``earn`` (bounty rewards are earnings, DECISIONS 5). The share an expiry or
cancel does not refund is burned: the escrow is released without paying it to anyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from economy_shared.channels import channel_key
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode
from economy_shared.pm.text import parse_amount, strip_at
from economy_shared.sanitize import public_text
from economy_shared.schemas.ledger import Posting, PostingKind, PostRequest

ESCROW = "~escrow:bounties"
CREATE_TRIGGER = "bounty.create"
CLAIM_TRIGGER = "bounty.claim"
REFUND_TRIGGER = "bounty.refund"
USAGE = 'Usage: bounty <amount> "<description>" · bounty cancel <id>'
CLAIM_USAGE = "Usage: claim_bounty <id> @winner"
CANCEL_USAGE = "Usage: bounty cancel <id>"
LIST_LIMIT = 15
_SIGNED_INTEGER = re.compile(r"[-+]?[0-9][0-9,_]*", re.ASCII)
_SANITISE_CEILING = 10_000  # sanitise first, then compare with description_max_length


class Reason(StrEnum):
    """Why a bounty request changed nothing (also the metrics label)."""

    DISABLED = "disabled"
    USAGE = "usage"
    NOT_WHOLE = "not_whole"
    BELOW_MINIMUM = "below_minimum"
    ABOVE_MAXIMUM = "above_maximum"
    NO_DESCRIPTION = "no_description"
    TOO_LONG = "too_long"
    OPEN_LIMIT = "open_limit"
    BANNED = "banned"
    NO_FUNDS = "no_funds"
    BAD_ID = "bad_id"
    NOT_FOUND = "not_found"
    UNKNOWN_WINNER = "unknown_winner"
    SELF_CLAIM = "self_claim"
    BANNED_WINNER = "banned_winner"
    NOT_OPEN = "not_open"
    EXPIRED = "expired"
    NOT_CREATOR = "not_creator"
    FORBIDDEN = "forbidden"


_CODES: dict[Reason, ErrorCode] = {
    Reason.DISABLED: ErrorCode.DISABLED,
    Reason.OPEN_LIMIT: ErrorCode.LIMIT,
    Reason.BANNED: ErrorCode.BANNED,
    Reason.BANNED_WINNER: ErrorCode.BANNED,
    Reason.NO_FUNDS: ErrorCode.INSUFFICIENT_FUNDS,
    Reason.NOT_FOUND: ErrorCode.NOT_FOUND,
    Reason.UNKNOWN_WINNER: ErrorCode.NOT_FOUND,
    Reason.SELF_CLAIM: ErrorCode.FORBIDDEN,
    Reason.NOT_CREATOR: ErrorCode.FORBIDDEN,
    Reason.FORBIDDEN: ErrorCode.FORBIDDEN,
    Reason.NOT_OPEN: ErrorCode.CONFLICT,
    Reason.EXPIRED: ErrorCode.CONFLICT,
}


@dataclass(frozen=True)
class BountyRefusal:
    reason: Reason
    message: str  # one line, said as it is

    @property
    def code(self) -> ErrorCode:
        return _CODES.get(self.reason, ErrorCode.BAD_REQUEST)


DISABLED = BountyRefusal(Reason.DISABLED, "💤 Bounties are switched off in this channel.")
BANNED = BountyRefusal(Reason.BANNED, "⛔ Your account is frozen by the channel admins.")
BAD_ID = BountyRefusal(Reason.BAD_ID, "Bounty ID must be a number.")


def refused(reason: Reason, message: str) -> BountyRefusal:
    return BountyRefusal(reason, message)


def clean_description(text: str) -> str:
    """Strip one layer of quotes (as typed: ``"fix the playlist"``), then sanitise (DECISIONS 20)."""
    stripped = text.strip().strip('"').strip("'").strip()
    return public_text(stripped, _SANITISE_CEILING)


def parse_amount_token(token: str) -> int | BountyRefusal:
    amount = parse_amount(token)
    if amount is not None:
        return amount
    if _SIGNED_INTEGER.fullmatch(token.strip()) and token.strip().startswith(("-", "0")):
        return BountyRefusal(Reason.BELOW_MINIMUM, "A bounty has to be more than zero.")
    return BountyRefusal(Reason.NOT_WHOLE, f"'{token[:20]}' isn't a whole number of coins. {USAGE}")


def parse_create(rest: str) -> tuple[int, str] | BountyRefusal:
    """``<amount> "<description>"`` → (amount, raw description); the description is checked later."""
    token, _, description = rest.strip().partition(" ")
    if not token:
        return BountyRefusal(Reason.USAGE, USAGE)
    amount = parse_amount_token(token)
    if isinstance(amount, BountyRefusal):
        return amount
    return amount, description


def parse_id(token: str) -> int | BountyRefusal:
    t = token.strip().lstrip("#")
    if not t.isascii() or not t.isdigit() or len(t) > 15:
        return BAD_ID
    return int(t)


def parse_claim(args: list[str]) -> tuple[int, str] | BountyRefusal:
    """``claim_bounty <id> @winner``."""
    if len(args) < 2:
        return BountyRefusal(Reason.USAGE, CLAIM_USAGE)
    bounty_id = parse_id(args[0])
    if isinstance(bounty_id, BountyRefusal):
        return bounty_id
    winner = strip_at(args[1])
    if not winner:
        return BountyRefusal(Reason.USAGE, "A winner is required. " + CLAIM_USAGE)
    return bounty_id, winner


def check_create(cfg: EconomyConfig, amount: int, description: str) -> BountyRefusal | None:
    """The checks needing nothing looked up, in order: switched on, min, max, description (sanitised)."""
    s, sym = cfg.bounties, cfg.currency.symbol
    if not s.enabled:
        return DISABLED
    if amount < s.min_amount:
        return BountyRefusal(Reason.BELOW_MINIMUM, f"The smallest bounty is {s.min_amount:,} {sym}.")
    if amount > s.max_amount:
        return BountyRefusal(Reason.ABOVE_MAXIMUM, f"The largest bounty is {s.max_amount:,} {sym}.")
    if not description:
        return BountyRefusal(Reason.NO_DESCRIPTION, f"A description is required. {USAGE}")
    if len(description) > s.description_max_length:
        return BountyRefusal(Reason.TOO_LONG,
                             f"The description is too long ({len(description)} characters; "
                             f"the limit is {s.description_max_length}).")
    return None


def open_limit(count: int, maximum: int) -> BountyRefusal | None:
    if count < maximum:
        return None
    return BountyRefusal(Reason.OPEN_LIMIT,
                         f"You already have {count} open bounties (the limit is {maximum}). "
                         "Cancel one with: bounty cancel <id>")


def no_funds(amount: int, short_by: int | None, symbol: str) -> BountyRefusal:
    if short_by is not None and 0 < short_by <= amount:
        return BountyRefusal(Reason.NO_FUNDS,
                             f"💸 That bounty needs {amount:,} {symbol}; you have {amount - short_by:,} {symbol}.")
    return BountyRefusal(Reason.NO_FUNDS, f"💸 You don't have {amount:,} {symbol} for that bounty.")


def refund_amount(amount: int, percent: int) -> int:
    """floor(amount × percent / 100) in integers; the rest is burned."""
    return amount * percent // 100


def expires_ms(created_ms: int, hours: int) -> int:
    return created_ms + hours * 3_600_000


# ---- keys and postings ---------------------------------------------------------------------------
def create_key(channel: str, request_id: str) -> str:
    return f"bounty:create:{channel_key(channel)}:{request_id}"


def resolve_key(action: str, channel: str, bounty_id: int) -> str:
    return f"bounty:{action}:{channel_key(channel)}:{bounty_id}"


def create_request(channel: str, key: str, bounty_id: int, creator: str, amount: int, desc: str) -> PostRequest:
    """The creator pays into escrow: one request, two postings (DECISIONS 4, 6)."""
    meta = {"bounty": bounty_id}
    return PostRequest(channel=channel, idempotency_key=key, postings=[
        Posting(user=creator, amount=-amount, kind=PostingKind.SPEND, trigger_id=CREATE_TRIGGER,
                reason=f"Bounty #{bounty_id}: {desc[:50]}", metadata=meta),
        Posting(user=ESCROW, amount=amount, kind=PostingKind.ESCROW, trigger_id=CREATE_TRIGGER,
                reason=f"Bounty #{bounty_id} of {creator}", related_user=creator, metadata=meta),
    ])


def claim_request(channel: str, bounty_id: int, winner: str, amount: int, desc: str) -> PostRequest:
    meta = {"bounty": bounty_id}
    return PostRequest(channel=channel, idempotency_key=resolve_key("claim", channel, bounty_id), postings=[
        Posting(user=ESCROW, amount=-amount, kind=PostingKind.ESCROW, trigger_id=CLAIM_TRIGGER,
                reason=f"Bounty #{bounty_id} claimed", related_user=winner, metadata=meta),
        Posting(user=winner, amount=amount, kind=PostingKind.EARN, trigger_id=CLAIM_TRIGGER,
                reason=f"Bounty #{bounty_id}: {desc[:50]}", metadata=meta),
    ])


def release_request(action: str, channel: str, bounty_id: int, creator: str, amount: int, refund: int
                    ) -> PostRequest:
    """Cancel or expiry: the escrow is released; ``refund`` goes back to the creator, the rest is burned."""
    meta = {"bounty": bounty_id, "refund": refund, "burned": amount - refund}
    postings = [Posting(user=ESCROW, amount=-amount, kind=PostingKind.ESCROW, trigger_id=REFUND_TRIGGER,
                        reason=f"Bounty #{bounty_id} {action}", related_user=creator, metadata=meta)]
    if refund > 0:
        postings.append(Posting(user=creator, amount=refund, kind=PostingKind.REFUND, trigger_id=REFUND_TRIGGER,
                                reason=f"Bounty #{bounty_id} {action}: {refund:,} of {amount:,} back",
                                metadata=meta))
    return PostRequest(channel=channel, idempotency_key=resolve_key(action, channel, bounty_id), postings=postings)


# ---- texts ---------------------------------------------------------------------------------------
def format_age(created_ms: int, now_ms: int) -> str:
    """"5 min" under an hour, "3h" under a day, else "2d" (both sides epoch ms, so never "?")."""
    minutes = max(0, now_ms - created_ms) // 60_000
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"


def list_line(row: dict[str, object], now_ms: int, symbol: str) -> str:
    desc = str(row["description"])
    return (f"#{row['id']} — {int(row['amount']):,} {symbol} — {desc[:60]} "  # type: ignore[call-overload]
            f"(by {row['creator']}, {format_age(int(row['created_ms']), now_ms)} ago)")  # type: ignore[call-overload]


def list_text(rows: list[dict[str, object]], now_ms: int, symbol: str) -> str:
    if not rows:
        return "No open bounties."
    lines = ["📌 Open bounties:"]
    lines += [list_line(r, now_ms, symbol) for r in rows]
    lines.append(f"{len(rows)} open · admins award one with: claim_bounty <id> @winner")
    return "\n".join(lines)


def created_text(bounty_id: int, amount: int, desc: str, hours: int, symbol: str) -> str:
    return f'📌 Bounty #{bounty_id} created: {amount:,} {symbol} for "{desc}". Expires in {hours} hours.'


def announce_created(creator: str, amount: int, desc: str, symbol: str) -> str:
    return f'📌 New bounty by {creator}: "{desc}" — {amount:,} {symbol}'


def announce_claimed(winner: str, bounty_id: int, amount: int, desc: str, symbol: str) -> str:
    return f'🏆 {winner} claimed bounty #{bounty_id} "{desc}" (+{amount:,} {symbol})'


def not_open(bounty_id: int, status: str) -> BountyRefusal:
    return BountyRefusal(Reason.NOT_OPEN, f"Bounty #{bounty_id} is already {status}.")


def not_found(bounty_id: int) -> BountyRefusal:
    return BountyRefusal(Reason.NOT_FOUND, f"Bounty #{bounty_id} not found.")


def expired(bounty_id: int) -> BountyRefusal:
    return BountyRefusal(Reason.EXPIRED, f"Bounty #{bounty_id} has expired.")
