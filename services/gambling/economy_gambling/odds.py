"""Pure game maths: the weighted slot draw, the coin flip, duels and heists. No I/O, RNG injected.

Payouts are gross (what the ledger credits) and whole Z, rounded down, so rounding always favours
the house and a table's return can only fall below ``expected_return()``, never above it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from economy_shared.config.gambling import LOSS, PARTIAL, FlipSettings, HeistSettings, SpinSettings

T = TypeVar("T")


class Rng(Protocol):
    """What the games need from a random source (``random.Random`` and ``SystemRandom`` fit)."""

    def random(self) -> float: ...

    def choice(self, seq: Sequence[T]) -> T: ...

    def sample(self, population: Sequence[T], k: int) -> list[T]: ...


def whole(amount: float) -> int:
    """Floor to whole Z, tolerating float noise such as 100 * 0.29 = 28.999999999999996."""
    return max(0, math.floor(amount + 1e-9))


@dataclass(frozen=True)
class SlotRow:
    symbol: str
    multiplier: float
    upper: float  # cumulative probability; a roll below it (and not below the previous) lands here


@dataclass(frozen=True)
class SlotTable:
    rows: tuple[SlotRow, ...]
    reels: tuple[str, ...]
    jackpot_multiplier: float

    @classmethod
    def from_settings(cls, spin: SpinSettings) -> SlotTable:
        rows, total = [], 0.0
        for p in spin.payouts:
            total += p.probability
            rows.append(SlotRow(p.symbol, p.multiplier, total))
        return cls(tuple(rows), tuple(spin.reels), spin.jackpot_multiplier)

    def row_for(self, roll: float) -> SlotRow:
        """The row a roll in [0, 1) lands on; float noise past the last bound falls to the last row."""
        for row in self.rows:
            if roll < row.upper:
                return row
        return self.rows[-1]


@dataclass(frozen=True)
class SpinDraw:
    symbol: str  # the payout row: a reel symbol, "partial" or "loss"
    multiplier: float
    wager: int  # the (equivalent) wager the payout is based on
    payout: int
    reels: tuple[str, str, str]
    jackpot: bool

    @property
    def net(self) -> int:
        return self.payout - self.wager

    @property
    def display(self) -> str:
        return "".join(self.reels)


def reels_for(symbol: str, reels: Sequence[str], rng: Rng) -> tuple[str, str, str]:
    """What the three reels show for a row: three alike, two alike plus one other, or three different."""
    if symbol == LOSS:
        a, b, c = rng.sample(list(reels), 3)
        return (a, b, c)
    if symbol == PARTIAL:
        pair = rng.choice(list(reels))
        odd = rng.choice([r for r in reels if r != pair])
        shown = [pair, pair, pair]
        shown[rng.choice([0, 1, 2])] = odd
        return (shown[0], shown[1], shown[2])
    return (symbol, symbol, symbol)


def draw_spin(table: SlotTable, wager: int, rng: Rng) -> SpinDraw:
    """One pull: a weighted draw over the table, then what the reels show."""
    row = table.row_for(rng.random())
    payout = whole(wager * row.multiplier)
    return SpinDraw(
        symbol=row.symbol,
        multiplier=row.multiplier,
        wager=wager,
        payout=payout,
        reels=reels_for(row.symbol, table.reels, rng),
        jackpot=payout > 0 and row.multiplier >= table.jackpot_multiplier,
    )


@dataclass(frozen=True)
class FlipDraw:
    won: bool
    wager: int
    payout: int

    @property
    def net(self) -> int:
        return self.payout - self.wager


def draw_flip(flip: FlipSettings, wager: int, rng: Rng) -> FlipDraw:
    won = rng.random() < flip.win_chance
    return FlipDraw(won, wager, whole(wager * flip.payout_multiplier) if won else 0)


@dataclass(frozen=True)
class DuelSplit:
    pot: int
    rake: int
    prize: int


def duel_split(wager: int, rake_percent: float) -> DuelSplit:
    pot = 2 * wager
    rake = whole(pot * rake_percent / 100)
    return DuelSplit(pot, rake, pot - rake)


def challenger_wins(rng: Rng) -> bool:
    """A fair coin between the two players; the house's cut is the rake."""
    return rng.random() < 0.5


def heist_succeeds(heist: HeistSettings, rng: Rng) -> bool:
    return rng.random() < heist.success_chance


def heist_payout(multiplier: float, stake: int) -> int:
    return whole(stake * multiplier)


def outcome_of(net: int, jackpot: bool = False) -> str:
    if jackpot:
        return "jackpot"
    return "win" if net > 0 else "push" if net == 0 else "loss"


def configured_returns(spin: SpinSettings, flip: FlipSettings, rake_percent: float,
                       heist: HeistSettings) -> dict[str, float]:
    """Average gross payout per unit wagered, per game, as configured (1 - house edge)."""
    return {
        "spin": spin.expected_return(),
        "flip": flip.expected_return(),
        "challenge": 1.0 - rake_percent / 100,
        "heist": heist.success_chance * heist.payout_multiplier,
    }
