"""Every posting the gambling service sends to the ledger, and how the ledger's answer is read.

Kinds (see the ledger's rules.py): the user side of a stake is ``wager`` (negative; a returned
stake is a positive ``wager``, so a refund nets ``lifetime_gambled_in`` back to zero and never
counts as an earning), winnings are ``payout``, and waiting stakes sit in the system account
``~escrow:gambling`` with kind ``escrow``. Every body is built only from persisted state, so a
retry after a restart sends the same body under the same key and the ledger replays it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from economy_shared.ledger_client import LedgerClient
from economy_shared.schemas.ledger import Posting, PostingKind
from economy_shared.users import user_key

ESCROW = "~escrow:gambling"


class Answer(Enum):
    OK = "ok"  # applied now or earlier (a replay)
    INSUFFICIENT = "insufficient_funds"
    BANNED = "banned"
    UNAVAILABLE = "unavailable"  # outcome unknown: retry later with the same key and body
    FAILED = "failed"  # refused for another reason; nothing was applied


@dataclass(frozen=True)
class Posted:
    answer: Answer
    balances: dict[str, int] = field(default_factory=dict)
    short_user: str | None = None

    @property
    def ok(self) -> bool:
        return self.answer is Answer.OK

    def balance_of(self, name: str) -> int | None:
        return self.balances.get(user_key(name))


async def send(ledger: LedgerClient, channel: str, key: str, postings: Sequence[Posting]) -> Posted:
    if not postings:
        return Posted(Answer.OK)
    reply = await ledger.post(channel, key, postings)
    if reply.success:
        return Posted(Answer.OK, {k: int(v) for k, v in (reply.data.get("balances") or {}).items()})
    code = reply.error_code or ""
    if code == "insufficient_funds":
        return Posted(Answer.INSUFFICIENT, short_user=(reply.data or {}).get("user"))
    if code == "banned":
        return Posted(Answer.BANNED)
    if code in ("unavailable", "internal_error"):
        return Posted(Answer.UNAVAILABLE)
    return Posted(Answer.FAILED)


def _trigger(game: str, suffix: str = "") -> str:
    return f"gambling.{game}{'.' + suffix if suffix else ''}"


def play_postings(user: str, game: str, wager: int, payout: int, reason: str,
                  meta: dict[str, Any] | None = None) -> list[Posting]:
    """A self-contained game: take the wager and pay the payout in one request."""
    out: list[Posting] = []
    if wager > 0:
        out.append(Posting(user=user, amount=-wager, kind=PostingKind.WAGER, trigger_id=_trigger(game),
                           reason=reason, metadata=meta))
    if payout > 0:
        out.append(Posting(user=user, amount=payout, kind=PostingKind.PAYOUT, trigger_id=_trigger(game),
                           reason=reason, metadata=meta))
    return out


def escrow_postings(user: str, stake: int, game: str, ref: str, related: str | None = None) -> list[Posting]:
    """Move a stake from the player into escrow while the game waits."""
    meta = {"game": ref}
    return [
        Posting(user=user, amount=-stake, kind=PostingKind.WAGER, trigger_id=_trigger(game, "stake"),
                reason=f"{game} stake", related_user=related, metadata=meta),
        Posting(user=ESCROW, amount=stake, kind=PostingKind.ESCROW, trigger_id=_trigger(game, "stake"),
                reason=f"{game} stake of {user}", related_user=user, metadata=meta),
    ]


def refund_postings(stakes: Sequence[tuple[str, int]], game: str, ref: str, why: str) -> list[Posting]:
    """Hand escrowed stakes back: a positive wager per player, one escrow release."""
    meta = {"game": ref}
    out = [
        Posting(user=u, amount=s, kind=PostingKind.WAGER, trigger_id=_trigger(game, "refund"), reason=why,
                metadata=meta)
        for u, s in stakes
    ]
    total = sum(s for _, s in stakes)
    if total > 0:
        out.append(Posting(user=ESCROW, amount=-total, kind=PostingKind.ESCROW, trigger_id=_trigger(game, "refund"),
                           reason=why, metadata=meta))
    return out


def duel_postings(target: str, wager: int, winner: str, loser: str, prize: int, ref: str,
                  rake: int) -> list[Posting]:
    """Accept and settle at once: the target's stake, the challenger's stake out of escrow, the prize.

    The target's stake is taken first, so a target who can no longer cover it fails the whole request.
    """
    meta = {"game": ref, "rake": rake}
    return [
        Posting(user=target, amount=-wager, kind=PostingKind.WAGER, trigger_id=_trigger("challenge"),
                reason="challenge stake", related_user=winner if winner != target else loser, metadata=meta),
        Posting(user=ESCROW, amount=-wager, kind=PostingKind.ESCROW, trigger_id=_trigger("challenge"),
                reason="challenge settled", metadata=meta),
        Posting(user=winner, amount=prize, kind=PostingKind.PAYOUT, trigger_id=_trigger("challenge"),
                reason=f"beat {loser}", related_user=loser, metadata=meta),
    ]


def heist_postings(staked: Sequence[tuple[str, int]], payouts: dict[str, int], returned: Sequence[tuple[str, int]],
                   ref: str, outcome: str) -> list[Posting]:
    """Release every stake from escrow; pay the crew on success; hand banned members their stake back."""
    meta = {"game": ref, "outcome": outcome}
    out = [
        Posting(user=u, amount=s, kind=PostingKind.WAGER, trigger_id=_trigger("heist", "refund"),
                reason="heist stake returned", metadata=meta)
        for u, s in returned
    ]
    total = sum(s for _, s in staked) + sum(s for _, s in returned)
    if total > 0:
        out.append(Posting(user=ESCROW, amount=-total, kind=PostingKind.ESCROW, trigger_id=_trigger("heist"),
                           reason=f"heist {outcome}", metadata=meta))
    out.extend(
        Posting(user=u, amount=p, kind=PostingKind.PAYOUT, trigger_id=_trigger("heist"), reason="heist haul",
                metadata=meta)
        for u, p in payouts.items()
        if p > 0
    )
    return out
