"""The one credit path of presence-and-earning: an idempotent ledger posting of an earning."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    if amount <= 0:
        return False
    reply = await service.ledger.post(
        channel,
        key,
        [
            Posting(
                user=user, amount=amount, kind=PostingKind.EARN, trigger_id=trigger_id, reason=reason,
                metadata=metadata,
            )
        ],
    )
    if not reply.success:
        if reply.error_code not in ("banned", "idempotency_conflict"):
            service.log.warning("credit_failed", channel=channel, key=key, code=reply.error_code)
        return False
    if reply.data.get("replayed"):
        return False
    service.z_earned.labels(channel, trigger_id.split(".")[0] or "other").inc(amount)
    return True
