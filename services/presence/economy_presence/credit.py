"""The one credit path of presence-and-earning: an idempotent ``earn`` posting, batched into
``ledger.post_many`` with other credits, read as a ``LedgerOutcome``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from economy_shared.envelope import ErrorCode
from economy_shared.ledger_outcome import LedgerOutcome, Status
from economy_shared.schemas.ledger import Posting, PostingKind

if TYPE_CHECKING:
    from .service import PresenceService


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
    return outcome.applied


async def credit_outcome(
    service: PresenceService,
    channel: str,
    key: str,
    user: str,
    amount: int,
    trigger_id: str,
    reason: str = "",
    metadata: dict[str, Any] | None = None,
) -> LedgerOutcome:
    """``credit`` with the whole outcome: UNAVAILABLE is the only one worth re-sending (same key, same body)."""
    if amount <= 0:
        return LedgerOutcome(Status.REFUSED, code=ErrorCode.BAD_REQUEST, message="nothing to pay")
    posting = Posting(
        user=user, amount=amount, kind=PostingKind.EARN, trigger_id=trigger_id, reason=reason, metadata=metadata
    )
    outcome = await service.credits.post(channel, key, [posting])  # batched with other credits
    if outcome.applied:
        service.z_earned.labels(channel, trigger_id.split(".")[0] or "other").inc(amount)
    elif not outcome.moved and not outcome.banned:
        service.log.warning("credit_not_paid", channel=channel, key=key, status=outcome.status.value,
                            code=str(outcome.code))
    return outcome
