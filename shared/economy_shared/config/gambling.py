"""Gambling settings (sprint 4; read by the gambling service).

Every game shares one gate (DECISIONS 15): ``enabled``, economy ban, ``min_account_age_minutes``,
``min_wager``/``max_wager``, ``cooldown_seconds`` and ``daily_limit``; the shared fields live in
``GameSettings`` so each game declares them the same way.
"""

from __future__ import annotations

import math

from pydantic import Field, field_validator, model_validator

from .base import Section
from .fields import Probability

PARTIAL = "partial"  # slot entry paid for two matching reels
LOSS = "loss"  # slot entry for three different reels
_SPECIAL = {PARTIAL, LOSS}
_SUM_TOLERANCE = 1e-9


class GameSettings(Section):
    enabled: bool = True
    min_wager: int = Field(default=10, ge=1)
    max_wager: int = Field(default=500, ge=1)
    # Seconds a user waits between two plays of this game (0 = none).
    cooldown_seconds: int = Field(default=0, ge=0, le=86_400)
    # Plays per user per UTC day (null = unlimited).
    daily_limit: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _wagers(self) -> GameSettings:
        if self.min_wager > self.max_wager:
            raise ValueError("min_wager must not exceed max_wager")
        return self


class SlotPayout(Section):
    """One row of the slot table. ``symbol`` is a reel symbol paid for three of a kind,
    or ``partial`` (two alike) or ``loss`` (three different)."""

    symbol: str = Field(min_length=1, max_length=16)
    # Gross payout as a multiple of the wager (1.0 gives the wager back).
    multiplier: float = Field(ge=0, le=10_000)
    probability: Probability


def _default_payouts() -> list[SlotPayout]:
    # The plan's table returned 1.15 of the wager; cherries 3x -> 2x and partial 2x -> 1x (a push)
    # bring it to 0.90 with the plan's probabilities (DECISIONS 14).
    rows = [
        ("🍒", 2.0, 0.10),
        ("🍋", 5.0, 0.05),
        ("💎", 10.0, 0.02),
        ("7️⃣", 50.0, 0.002),
        (PARTIAL, 1.0, 0.15),
        (LOSS, 0.0, 0.678),
    ]
    return [SlotPayout(symbol=s, multiplier=m, probability=p) for s, m, p in rows]


class SpinSettings(GameSettings):
    cooldown_seconds: int = Field(default=30, ge=0, le=86_400)
    daily_limit: int | None = Field(default=50, ge=1)
    # Every symbol that can show on a reel (a loss displays three different ones).
    reels: list[str] = Field(default_factory=lambda: ["🍒", "🍋", "💎", "7️⃣", "🍊", "🍇", "⭐", "🔔"])
    payouts: list[SlotPayout] = Field(default_factory=_default_payouts, min_length=1)
    # A table returning >= 1x the wager pays players on average; refused unless this is on.
    allow_player_edge: bool = False
    # A win with multiplier >= this is a JACKPOT outcome.
    jackpot_multiplier: float = Field(default=50.0, gt=1)
    announce_jackpots_public: bool = True
    # Also announce any spin whose net win (payout - wager) reaches this many Z; pushes never count.
    jackpot_announce_threshold: int = Field(default=1000, ge=1)

    @field_validator("reels")
    @classmethod
    def _reels(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v) or len(v) < 3:
            raise ValueError("reels needs at least 3 different symbols")
        return v

    @model_validator(mode="after")
    def _table(self) -> SpinSettings:
        symbols = [p.symbol for p in self.payouts]
        if len(set(symbols)) != len(symbols):
            raise ValueError("each slot symbol may appear once in payouts")
        unknown = [s for s in symbols if s not in _SPECIAL and s not in self.reels]
        if unknown:
            raise ValueError(f"payout symbols not on the reels: {', '.join(unknown)}")
        total = math.fsum(p.probability for p in self.payouts)
        if abs(total - 1.0) > _SUM_TOLERANCE:
            raise ValueError(f"slot probabilities must sum to 1 (they sum to {total:.12g})")
        ret = self.expected_return()
        if ret >= 1.0 and not self.allow_player_edge:
            raise ValueError(
                f"slot table returns {ret:.4f}x the wager (player edge); lower it below 1 "
                "or set gambling.spin.allow_player_edge: true"
            )
        return self

    def expected_return(self) -> float:
        """Average gross payout per unit wagered (0.90 = 10 % house edge)."""
        return math.fsum(p.multiplier * p.probability for p in self.payouts)


class FlipSettings(GameSettings):
    max_wager: int = Field(default=1000, ge=1)
    cooldown_seconds: int = Field(default=15, ge=0, le=86_400)
    daily_limit: int | None = Field(default=100, ge=1)
    # Chance the player wins; a win pays payout_multiplier x the wager.
    win_chance: Probability = 0.45
    payout_multiplier: float = Field(default=2.0, gt=1, le=100)
    allow_player_edge: bool = False

    @model_validator(mode="after")
    def _edge(self) -> FlipSettings:
        if self.expected_return() >= 1.0 and not self.allow_player_edge:
            raise ValueError(
                f"flip returns {self.expected_return():.4f}x the wager; lower win_chance or "
                "set gambling.flip.allow_player_edge: true"
            )
        return self

    def expected_return(self) -> float:
        return self.win_chance * self.payout_multiplier


class ChallengeSettings(GameSettings):
    """Player-vs-player duel; both stakes are escrowed in the ledger until it settles."""

    min_wager: int = Field(default=50, ge=1)
    max_wager: int = Field(default=5000, ge=1)
    accept_timeout_seconds: int = Field(default=120, ge=10, le=3600)
    # Percent of the pot (both wagers) the house keeps.
    rake_percent: float = Field(default=5.0, ge=0, le=50)
    announce_public: bool = True


class DailyFreeSpinSettings(Section):
    enabled: bool = True
    # The free spin pays as if this many Z had been wagered; nothing is taken.
    equivalent_wager: int = Field(default=50, ge=1)


class HeistSettings(GameSettings):
    """Group game: a crew stakes the initiator's wager; one shared roll decides (DECISIONS 26: off)."""

    enabled: bool = False
    join_window_seconds: int = Field(default=120, ge=10, le=3600)
    min_participants: int = Field(default=3, ge=2, le=100)
    success_chance: Probability = 0.40
    # On success each member receives payout_multiplier x their stake.
    payout_multiplier: float = Field(default=1.5, gt=1, le=100)
    announce_public: bool = True


class GamblingSettings(Section):
    enabled: bool = True
    # Minutes since a user's account was created before they may play any game.
    min_account_age_minutes: int = Field(default=60, ge=0)
    spin: SpinSettings = Field(default_factory=SpinSettings)
    flip: FlipSettings = Field(default_factory=FlipSettings)
    challenge: ChallengeSettings = Field(default_factory=ChallengeSettings)
    daily_free_spin: DailyFreeSpinSettings = Field(default_factory=DailyFreeSpinSettings)
    heist: HeistSettings = Field(default_factory=HeistSettings)
