"""Who wins a daily competition: pure functions, no I/O, the day's figures are parameters.

Fixes over the plan (sprint 7 §9 item 8): a value of 0 never wins; a ``daily_top`` tie goes to whoever
reached the value first (``reached``: when the user's counter last rose, ms; presence's database
records it per counter), and, when that is unknown or equal (``z_earned`` comes from the ledger with
no time), to the smaller user key — the ledger's own board breaks its ties the same way, so the
top-earner board and the competition agree. ``reward_percent_of_earnings`` is a share of the winner's
REAL earnings of the day (``z_earned``, competition awards excluded by the ledger), whatever field the
competition ranks on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from economy_shared.config.events import DailyCompetition

MAX_NAMES = 20  # names listed per line of the public results post


@dataclass(frozen=True)
class Figure:
    user_key: str
    display: str
    value: int
    reached: int | None = None  # when the value was reached, ms (None: unknown)


@dataclass(frozen=True)
class Award:
    competition: str
    user_key: str
    display: str
    value: int
    reward: int


def needs_earnings(comp: DailyCompetition) -> bool:
    """True when the competition cannot be decided without the ledger's day earnings."""
    return comp.condition.field == "z_earned" or comp.reward_percent_of_earnings > 0


def percent_reward(earned: int, pct: float) -> int:
    """floor(pct % of ``earned``), at least 1 when both are positive; 0 otherwise (no award)."""
    if pct <= 0 or earned <= 0:
        return 0
    share = (Decimal(earned) * Decimal(str(pct)) / 100).to_integral_value(rounding=ROUND_FLOOR)
    return max(1, int(share))


def _tie_key(f: Figure) -> tuple[int, int, str]:
    # higher value first, then the earlier ``reached``, unknown ``reached`` last, then the user key
    return (-f.value, f.reached if f.reached is not None else 2**62, f.user_key)


def evaluate(
    comp: DailyCompetition,
    figures: Sequence[Figure],
    earnings: Mapping[str, int] | None,
    ignored: Callable[[str], bool],
) -> list[Award]:
    """The awards of one competition for one day. ``earnings``: user key -> real Z earned that day
    (required when ``needs_earnings(comp)``). Ignored users and the bot never win (DECISIONS 9)."""
    eligible = [f for f in figures if f.value > 0 and not ignored(f.display) and not ignored(f.user_key)]
    if comp.condition.type == "daily_threshold":
        winners = sorted((f for f in eligible if f.value >= comp.condition.threshold), key=_tie_key)
        return [Award(comp.id, f.user_key, f.display, f.value, comp.reward) for f in winners] if comp.reward else []
    if not eligible:
        return []
    best = min(eligible, key=_tie_key)
    if comp.reward_percent_of_earnings > 0:
        reward = percent_reward((earnings or {}).get(best.user_key, 0), comp.reward_percent_of_earnings)
    else:
        reward = comp.reward
    return [Award(comp.id, best.user_key, best.display, best.value, reward)] if reward > 0 else []


def results_line(description: str, awards: Sequence[Award], symbol: str = "Z") -> str:
    """``Most GIFs today: bob (+35 Z)`` or ``Posted 5+ GIFs today: a, b, c (+15 Z each)``."""
    if len(awards) == 1:
        return f"{description}: {awards[0].display} (+{awards[0].reward} {symbol})"
    names = ", ".join(a.display for a in awards[:MAX_NAMES])
    if len(awards) > MAX_NAMES:
        names += f" and {len(awards) - MAX_NAMES} more"
    return f"{description}: {names} (+{awards[0].reward} {symbol} each)"


def winner_notice(description: str, reward: int, symbol: str = "Z") -> str:
    return f"🥇 {description}: +{reward} {symbol}"
