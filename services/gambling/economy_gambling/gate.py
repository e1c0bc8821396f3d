"""The one validation path of every game start, join and accept (DECISIONS 15; review items H2, M1).

Order: enabled → wager range → account (never created here) → ban → account age → advisory balance,
then the cooldown and daily limit are *claimed* in SQLite together with the game's own state. The
ledger remains the real guard of the balance; a claim whose ledger request is refused is voided,
which gives the cooldown and the allowance back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.config.gambling import GameSettings
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.ledger_client import LedgerClient
from economy_shared.schemas.ledger import AccountView

from . import texts
from .store import Claim, ClaimRefused, Extra, Play, PlayStore, T

GAME_LABEL = {"spin": "spin", "free_spin": "free spin", "flip": "flip", "challenge": "challenge", "heist": "heist"}


def refuse(code: ErrorCode, text: str) -> ServiceError:
    return ServiceError(code, text)


@dataclass(frozen=True)
class Rules:
    """What the gate enforces for one game, read from the config at the moment of the request."""

    game: str
    enabled: bool
    min_wager: int | None
    max_wager: int | None
    cooldown_seconds: int
    daily_limit: int | None


class Gate:
    def __init__(self, *, config: Callable[[], EconomyConfig], ledger: LedgerClient, plays: PlayStore,
                 clock: Clock) -> None:
        self._config = config
        self._ledger = ledger
        self._plays = plays
        self._clock = clock

    def rules(self, game: str) -> Rules:
        g = self._config().gambling
        if game == "free_spin":
            free = g.daily_free_spin
            return Rules(game, g.enabled and free.enabled, None, None, 0, 1)
        settings: GameSettings = getattr(g, game)
        return Rules(game, g.enabled and settings.enabled, settings.min_wager, settings.max_wager,
                     settings.cooldown_seconds, settings.daily_limit)

    async def check(self, channel: str, user: str, game: str, wager: int | None) -> AccountView:
        """Everything but the claim. Raises ``ServiceError`` with the line to show the user."""
        cfg = self._config()
        sym, rules = cfg.currency.symbol, self.rules(game)
        label = GAME_LABEL[game]
        if not rules.enabled:
            what = "Gambling is" if not cfg.gambling.enabled else f"The {label} table is"
            raise refuse(ErrorCode.DISABLED, f"🎰 {what} closed right now.")
        if cfg.is_ignored(user):
            raise refuse(ErrorCode.FORBIDDEN, "🚫 Bots don't gamble.")
        if wager is not None:
            if rules.min_wager is not None and wager < rules.min_wager:
                raise refuse(ErrorCode.BAD_REQUEST, f"Minimum {label} wager: {rules.min_wager:,} {sym}")
            if rules.max_wager is not None and wager > rules.max_wager:
                raise refuse(ErrorCode.BAD_REQUEST, f"Maximum {label} wager: {rules.max_wager:,} {sym}")
        account = await self.account(channel, user)
        if not account.found:
            raise refuse(ErrorCode.NOT_FOUND,
                         f"You need an account first — stick around and earn some {cfg.currency.plural}!")
        if account.banned:
            raise refuse(ErrorCode.BANNED, texts.RESTRICTED)
        need_ms = cfg.gambling.min_account_age_minutes * 60_000
        if need_ms and account.first_seen_ms is not None:
            age_ms = to_ms(self._clock.now()) - account.first_seen_ms
            if age_ms < need_ms:
                minutes = -(-(need_ms - age_ms) // 60_000)
                raise refuse(ErrorCode.FORBIDDEN,
                             f"⏳ You need to be around {minutes} more minute{'s' if minutes != 1 else ''} "
                             "before you can gamble.")
        if wager is not None and account.balance < wager:
            raise refuse(ErrorCode.INSUFFICIENT_FUNDS, texts.insufficient(cfg, account.balance))
        return account

    async def account(self, channel: str, user: str) -> AccountView:
        view = await self._ledger.account(channel, user)
        if view is None:
            raise refuse(ErrorCode.UNAVAILABLE, texts.CLOSED_FOR_A_MOMENT)
        return view

    async def claim(self, channel: str, user: str, game: str, *, wager: int = 0, payout: int = 0,
                    detail: dict[str, Any] | None = None, ref: int | None = None,
                    extra: Extra[T] | None = None) -> tuple[Play, T | None]:
        """Claim the cooldown and daily slot, atomically with ``extra``'s writes."""
        rules = self.rules(game)
        claim = Claim(channel=channel_key(channel), user=user, game=game, wager=wager, payout=payout,
                      detail=detail, ref=ref, cooldown_seconds=rules.cooldown_seconds, daily_limit=rules.daily_limit)
        try:
            return await self._plays.claim(claim, self._clock.now(), extra)
        except ClaimRefused as err:
            label = GAME_LABEL[game]
            if err.reason == "cooldown":
                raise refuse(ErrorCode.COOLDOWN, f"⏱️ {label.capitalize()} cooldown: {err.wait_seconds}s remaining.") \
                    from None
            if game == "free_spin":
                raise refuse(ErrorCode.LIMIT, "🎁 You've already used today's free spin.") from None
            raise refuse(ErrorCode.LIMIT, f"📅 Daily limit reached ({err.limit} {label}s per day).") from None

    async def admit(self, channel: str, user: str, game: str, wager: int, **kwargs: Any) -> tuple[Play, Any]:
        await self.check(channel, user, game, wager)
        return await self.claim(channel, user, game, wager=wager, **kwargs)

