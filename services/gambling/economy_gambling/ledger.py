"""Every posting the gambling service sends to the ledger, and the errors its final answers become.

Kinds (see the ledger's rules.py): the user side of a stake is ``wager`` (negative; a returned
stake is a positive ``wager``, so a refund nets ``lifetime_gambled_in`` back to zero and never
counts as an earning), winnings are ``payout``, and waiting stakes sit in the system account
``~escrow:gambling`` with kind ``escrow``. Every body is built only from persisted state, so a
retry after a restart sends the same body under the same key and the ledger replays it. The
ledger's answer is read once, as ``LedgerOutcome``, by the game that sent the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.schemas.ledger import Posting, PostingKind

from . import texts

ESCROW = "~escrow:gambling"


def refusal(config: EconomyConfig, outcome: LedgerOutcome) -> ServiceError:
    """The error a player sees for a final "no" from the ledger (a refusal, or a key used for another body)."""
    if outcome.banned:
        code = ErrorCode.BANNED
    elif outcome.insufficient:
        code = ErrorCode.INSUFFICIENT_FUNDS
    else:
        code = ErrorCode.CONFLICT
    return ServiceError(code, texts.ledger_refusal(config, outcome))


def pending() -> ServiceError:
    """The ledger did not answer: the step stays persisted and is re-sent with the same key and body."""
    return ServiceError(ErrorCode.UNAVAILABLE, texts.PENDING)


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
