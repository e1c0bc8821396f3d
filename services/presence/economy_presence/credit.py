"""The one credit path of presence-and-earning: an idempotent ledger posting of an earning."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from economy_shared.schemas.ledger import Posting, PostingKind

if TYPE_CHECKING:
    from .service import PresenceService


class Credited(StrEnum):
    """What one credit attempt did; lets a caller that keeps owed payments know when to retry."""

    PAID = "paid"  # this call paid it
    DONE = "done"  # paid before (replay or same key already used): never retry
    REFUSED = "refused"  # the ledger said no (banned, invalid): never retry
    FAILED = "failed"  # unreachable or internal error: retrying with the same key is safe


async def credit(
    service: PresenceService,
    channel: str,
    key: str,
    user: str,
    amount: int,
    trigger_id: str,
    reason: str = "",
    metadata: dict[str, Any] | None = None,
) -> bool:
    """Pay ``amount`` once for the business fact ``key``. True only when this call paid it.

    A replay (already paid), a banned user or an unreachable ledger all return False; callers
    send their PM only on True, so a retry never double-notifies.
    """
    outcome = await credit_outcome(service, channel, key, user, amount, trigger_id, reason, metadata)
    return outcome is Credited.PAID


async def credit_outcome(
    service: PresenceService,
    channel: str,
    key: str,
    user: str,
    amount: int,
    trigger_id: str,
    reason: str = "",
    metadata: dict[str, Any] | None = None,
) -> Credited:
    """``credit`` with the reason it did or did not pay (same single posting path)."""
    if amount <= 0:
        return Credited.REFUSED
    posting = Posting(
        user=user, amount=amount, kind=PostingKind.EARN, trigger_id=trigger_id, reason=reason, metadata=metadata
    )
    reply = await service.credits.post(channel, key, [posting])  # batched with other credits
    if not reply.success:
        if reply.error_code == "idempotency_conflict":
            return Credited.DONE
        if reply.error_code == "banned":
            return Credited.REFUSED
        service.log.warning("credit_failed", channel=channel, key=key, code=reply.error_code)
        return Credited.REFUSED if reply.error_code == "bad_request" else Credited.FAILED
    if reply.data.get("replayed"):
        return Credited.DONE
    service.z_earned.labels(channel, trigger_id.split(".")[0] or "other").inc(amount)
    return Credited.PAID
