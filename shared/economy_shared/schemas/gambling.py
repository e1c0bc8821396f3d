"""Gambling requests on ``kryten.economy.gambling.command``: play, personal record, house report, escrows."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Request, Result, UserName

GameName = Literal["spin", "free_spin", "flip", "challenge", "heist"]
GAMES: tuple[GameName, ...] = ("spin", "free_spin", "flip", "challenge", "heist")
Outcome = Literal["win", "loss", "push", "jackpot"]

MAX_WAGER = 10**12


class SpinRequest(Request):
    """A paid spin; without ``wager`` the user's daily free spin."""

    command: Literal["gambling.spin"] = "gambling.spin"
    user: UserName
    wager: int | None = Field(default=None, ge=1, le=MAX_WAGER)


class FlipRequest(Request):
    command: Literal["gambling.flip"] = "gambling.flip"
    user: UserName
    wager: int = Field(ge=1, le=MAX_WAGER)


class PlayResult(Result):
    """One settled spin, free spin or flip. ``payout`` is what the ledger credited (gross)."""

    game: GameName
    user: str
    wager: int  # 0 for a free spin
    payout: int
    net: int
    outcome: Outcome
    symbols: str = ""  # the reels, for spins
    balance: int | None = None  # after settlement


class StatsRequest(Request):
    """A user's gambling record (``gambling``/``stats``; achievements read lifetime figures here)."""

    command: Literal["gambling.stats"] = "gambling.stats"
    user: UserName


class GameRecord(Result):
    plays: int = 0
    wagered: int = 0
    paid: int = 0


class GamblerStats(Result):
    user: str
    spins: int = 0  # paid spins
    free_spins: int = 0
    flips: int = 0
    challenges: int = 0
    heists: int = 0
    lifetime_wagered: int = 0
    lifetime_paid: int = 0
    net: int = 0
    biggest_win: int = 0  # largest single net gain
    biggest_loss: int = 0  # largest single net loss, as a positive number
    games: dict[str, GameRecord] = Field(default_factory=dict)

    @property
    def total_plays(self) -> int:
        return self.spins + self.free_spins + self.flips + self.challenges + self.heists


class SummaryRequest(Request):
    """House figures of one channel (admin ``econ:gambling``)."""

    command: Literal["gambling.summary"] = "gambling.summary"


class GameSummary(Result):
    game: GameName
    plays: int = 0
    players: int = 0
    wagered: int = 0
    paid: int = 0
    configured_return: float | None = None  # average payout per unit wagered, from the config
    actual_return: float | None = None  # paid / wagered so far


class GamblingSummary(Result):
    games: list[GameSummary]
    total_wagered: int
    total_paid: int
    house_net: int  # wagered - paid: Z the games have taken out of circulation
    active_gamblers_24h: int
    escrowed: int  # Z waiting in open challenges and heists


class EscrowsRequest(Request):
    """What the gambling service holds in the ledger's ``~escrow:gambling`` account for a channel."""

    command: Literal["gambling.escrows"] = "gambling.escrows"


class EscrowsResult(Result):
    account: str
    challenges: int  # open challenges holding a stake
    heists: int  # live heists
    escrowed: int  # Z that should be in the escrow account
    in_flight: int  # escrow postings whose ledger outcome is not yet known
