"""What a genuine arrival earns: the welcome wallet, once per user and channel, ever."""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.schemas.ledger import Posting, PostingKind
from economy_shared.templating import safe_format

from .sessions import Arrival

if TYPE_CHECKING:
    from .service import PresenceService


async def on_genuine_arrival(service: PresenceService, channel: str, arrival: Arrival) -> None:
    cfg = service.config
    amount = cfg.onboarding.welcome_wallet
    if amount <= 0:
        return
    reply = await service.ledger.post(
        channel,
        f"welcome:{channel.casefold()}:{arrival.key}",
        [
            Posting(
                user=arrival.display, amount=amount, kind=PostingKind.EARN, trigger_id="onboarding.wallet",
                reason="Welcome wallet",
            )
        ],
    )
    if not reply.success:
        if reply.error_code not in ("banned", "idempotency_conflict"):
            service.log.warning("welcome_wallet_failed", channel=channel, user=arrival.key, code=reply.error_code)
        return
    if reply.data.get("replayed"):
        return
    service.z_earned.labels(channel, "welcome").inc(amount)
    text = safe_format(cfg.onboarding.welcome_message, amount=amount, currency=cfg.currency.plural)
    await service.voice.notify(channel, arrival.display, text)
