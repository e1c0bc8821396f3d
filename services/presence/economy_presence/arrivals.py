"""What a genuine arrival earns: the welcome wallet, once per user and channel, ever."""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.channels import channel_key
from economy_shared.templating import safe_format

from .credit import credit
from .sessions import Arrival

if TYPE_CHECKING:
    from .service import PresenceService


async def on_genuine_arrival(service: PresenceService, channel: str, arrival: Arrival) -> None:
    cfg = service.config
    amount = cfg.onboarding.welcome_wallet
    if amount <= 0:
        return
    key = f"welcome:{channel_key(channel)}:{arrival.key}"
    if not await credit(service, channel, key, arrival.display, amount, "onboarding.wallet", "Welcome wallet"):
        return  # paid before (once per user, ever), banned, or the ledger is away: the next arrival retries
    text = safe_format(cfg.onboarding.welcome_message, amount=amount, currency=cfg.currency.plural)
    await service.voice.notify(channel, arrival.display, text)
