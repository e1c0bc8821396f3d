"""Pure posting rules: what each kind does to the lifetime counters, and who a ban stops (DECISIONS 5, 7)."""

from __future__ import annotations

import hashlib
import json

from economy_shared.schemas.ledger import Posting, PostingKind, PostRequest, is_system_account

COUNTERS = (
    "lifetime_earned",
    "lifetime_spent",
    "lifetime_gambled_in",
    "lifetime_gambled_out",
    "tips_sent",
    "tips_received",
)


def counter_deltas(kind: PostingKind, amount: int) -> dict[str, int]:
    """Lifetime counter changes for one posting. Only real earnings count toward ranks."""
    if kind is PostingKind.EARN:
        return {"lifetime_earned": amount}
    if kind is PostingKind.SPEND:
        return {"lifetime_spent": -amount}
    if kind is PostingKind.REFUND:  # a refund reverses the spend it refunds
        return {"lifetime_spent": -amount}
    if kind is PostingKind.WAGER:  # negative: stake taken; positive: stake handed back
        return {"lifetime_gambled_in": -amount}
    if kind is PostingKind.PAYOUT:
        return {"lifetime_gambled_out": amount}
    if kind is PostingKind.TRANSFER:
        return {"tips_sent": -amount} if amount < 0 else {"tips_received": amount}
    return {}  # admin, escrow, maintenance


def ban_applies(posting: Posting) -> bool:
    """A ban stops every non-admin posting, except handing a user's own money back to them."""
    if is_system_account(posting.user) or posting.kind is PostingKind.ADMIN:
        return False
    if posting.kind is PostingKind.REFUND:
        return False
    return not (posting.kind is PostingKind.WAGER and posting.amount > 0)


def body_hash(request: PostRequest) -> str:
    """Fingerprint of what a request asks for, to tell a replay from a key reused for something else."""
    body = {
        "postings": [p.model_dump(mode="json") for p in request.postings],
        "on_banned": request.on_banned,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
