"""Weekend→weekday bridge (pure).

A bridge week runs Saturday to Friday, so its weekend comes *before* its weekdays: qualify on
Saturday or Sunday, then on any Monday–Friday of the same bridge week, and the bonus pays once.
(The original plan used ISO weeks, Monday–Sunday, where a weekend is never followed by a weekday
of the same week and its Saturday reminder promised something impossible.)

The reminder is sent once per user per bridge week, when the user qualifies on a weekend day,
and only if a weekday of that bridge week is still ahead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from economy_shared.config import EconomyConfig

from .owed import BoostFn, Owed, no_boost, render

SATURDAY = 5
PAID_NOTICE = "🌉 Weekend→weekday bridge bonus! +{amount} {symbol}!"


def week_start(day: date) -> date:
    """The Saturday that opens ``day``'s bridge week."""
    return day - timedelta(days=(day.weekday() - SATURDAY) % 7)


def week_id(day: date) -> str:
    return week_start(day).isoformat()


def is_weekend(day: date) -> bool:
    return day.weekday() >= SATURDAY


def weekday_ahead(day: date) -> bool:
    """Is a Monday–Friday of ``day``'s bridge week still to come after ``day``?"""
    end = week_start(day) + timedelta(days=6)
    d = day + timedelta(days=1)
    while d <= end:
        if not is_weekend(d):
            return True
        d += timedelta(days=1)
    return False


@dataclass(frozen=True)
class BridgeState:
    weekend: bool = False
    weekday: bool = False
    claimed: bool = False
    reminded: bool = False


@dataclass(frozen=True)
class BridgeStep:
    state: BridgeState
    owed: Owed | None
    reminder: str | None  # PM text to send now


def qualify(
    state: BridgeState, day: date, config: EconomyConfig, chan: str, key: str, user: str,
    boost: BoostFn = no_boost,
) -> BridgeStep | None:
    """The user qualified on ``day``; None when nothing changes."""
    cfg = config.streaks.weekend_weekday_bridge
    new = replace(state, weekend=True) if is_weekend(day) else replace(state, weekday=True)
    owed = None
    reminder = None
    if new.weekend and new.weekday and not new.claimed and cfg.bonus > 0:
        new = replace(new, claimed=True)
        amount, meta = boost(key, cfg.bonus)
        owed = Owed(
            key=f"bridge:{chan}:{key}:{week_id(day)}",
            user=user,
            amount=amount,
            trigger_id="bridge.weekly",
            reason="Weekend→weekday bridge bonus",
            notice=render(PAID_NOTICE, config, user, amount),
            metadata=meta,
        )
    elif (
        cfg.announce_on_weekend and cfg.bonus > 0 and is_weekend(day) and not new.weekday and not new.claimed
        and not new.reminded and weekday_ahead(day)
    ):
        new = replace(new, reminded=True)
        reminder = render(cfg.message, config, user, cfg.bonus)
    if new == state:
        return None
    return BridgeStep(new, owed, reminder)
