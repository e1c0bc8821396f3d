"""Daily streak rules (pure). A UTC day counts once the user's cumulative presence that day
reaches ``streaks.daily.min_presence_minutes``; consecutive counted days build the streak.

Fixes against the original plan: days past the highest configured tier keep the highest tier at
or below them (not a fallback to day 7); the milestone bonuses are paid on top at exactly 7 and
30 days; a lapsed streak reads as 0 for display even before the next counted day resets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from economy_shared.config import EconomyConfig

from .owed import Announcement, BoostFn, Owed, no_boost, render

DAY_NOTICE = "🔥 Day {days} streak! +{amount} {symbol}"
MILESTONE_NOTICES = {
    7: "🔥🔥 7-day streak! +{amount} {symbol} bonus. You're on fire!",
    30: "🔥🔥🔥 30-day streak! +{amount} {symbol} bonus. LEGENDARY!",
}


@dataclass(frozen=True)
class StreakState:
    current: int = 0
    longest: int = 0
    last_day: date | None = None  # the last counted day


@dataclass(frozen=True)
class StreakStep:
    state: StreakState
    owed: list[Owed]


def effective_streak(state: StreakState, today: date) -> int:
    """The streak as users should see it: 0 once a day has been missed."""
    if state.last_day is None or state.last_day < today - timedelta(days=1):
        return 0
    return state.current


def milestone_bonus(config: EconomyConfig, day: int) -> int:
    daily = config.streaks.daily
    return {7: daily.milestone_7_bonus, 30: daily.milestone_30_bonus}.get(day, 0)


def count_day(
    state: StreakState, today: date, config: EconomyConfig, chan: str, key: str, user: str,
    boost: BoostFn = no_boost,
) -> StreakStep | None:
    """Count ``today`` for this user; None if it was already counted (or the clock went back)."""
    if state.last_day is not None and state.last_day >= today:
        return None
    current = state.current + 1 if state.last_day == today - timedelta(days=1) else 1
    new = StreakState(current=current, longest=max(state.longest, current), last_day=today)
    owed: list[Owed] = []
    base = f"streak:{chan}:{key}:{today.isoformat()}"
    reward, meta = boost(key, config.streaks.daily.reward_for_day(current))
    if reward > 0:
        owed.append(
            Owed(
                key=base, user=user, amount=reward, trigger_id=f"streak.day{min(current, 999)}",
                reason=f"Day {current} streak bonus", notice=render(DAY_NOTICE, config, user, reward, days=current),
                metadata=meta,
            )
        )
    bonus, bonus_meta = boost(key, milestone_bonus(config, current))
    if bonus > 0:
        owed.append(
            Owed(
                key=f"{base}:milestone{current}", user=user, amount=bonus, trigger_id=f"streak.milestone.{current}",
                reason=f"{current}-day streak milestone",
                notice=render(MILESTONE_NOTICES[current], config, user, bonus),
                announce=Announcement("streak_milestone", {"user": user, "days": current, "amount": bonus}),
                metadata=bonus_meta,
            )
        )
    return StreakStep(new, owed)
