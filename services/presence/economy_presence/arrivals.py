"""What a genuine arrival earns: the welcome wallet, once per user and channel, ever.

Keyed ``welcome:<channel>:<user>``; an unanswered request is kept by the credit path and re-sent
with the same body, so the wallet is paid once even if the ledger's reply is lost. The welcome PM
goes out only when this very call paid it. A member imported from the original kryten-economy whose
welcome wallet was paid there is never paid here (issue 14).
"""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.channels import channel_key
from economy_shared.config import EconomyConfig
from economy_shared.templating import safe_format
from economy_shared.voice import Voice

from .credit import CreditPath, earning
from .sessions import Arrival


class WelcomeWallet:
    def __init__(self, credits: CreditPath, voice: Voice, config: Callable[[], EconomyConfig],
                 already_welcomed: Callable[[str, str], bool] = lambda _channel, _key: False) -> None:
        self._credits = credits
        self._voice = voice
        self._config = config
        self._already_welcomed = already_welcomed  # (channel, user key): the original paid it (member_import.py)

    async def on_genuine_arrival(self, channel: str, arrival: Arrival) -> None:
        cfg = self._config()
        amount = cfg.onboarding.welcome_wallet
        if amount <= 0 or self._already_welcomed(channel, arrival.key):
            return
        outcome = await self._credits.credit(
            channel,
            f"welcome:{channel_key(channel)}:{arrival.key}",
            earning(arrival.display, amount, "onboarding.wallet", "Welcome wallet"),
            "welcome", gated=False,  # the welcome is paid before the onboarding minimums (eligibility.py)
        )
        if outcome.applied:
            text = safe_format(cfg.onboarding.welcome_message, amount=amount, currency=cfg.currency.plural)
            await self._voice.notify(channel, arrival.display, text)
