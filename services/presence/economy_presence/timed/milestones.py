"""Hourly dwell milestones (pure): 1/3/6/12/24 h of cumulative presence in one UTC day.

Each pays once per user, channel and day. A crossing that skips several thresholds (a restart,
a config change) pays every one crossed.
"""

from __future__ import annotations

from datetime import date

from economy_shared.config import EconomyConfig

from .owed import BoostFn, Owed, no_boost, render

NOTICE = "⏰ {hours}-hour milestone! +{amount} {symbol}. Keep it up!"


def paying_hours(config: EconomyConfig) -> list[int]:
    return [h for h, z in config.presence.hourly_milestones.items() if z > 0]


def thresholds(config: EconomyConfig) -> list[int]:
    """Minute counts at which a milestone is reached."""
    return [h * 60 for h in paying_hours(config)]


def due_hours(minutes: int, claimed: set[int], config: EconomyConfig) -> list[int]:
    """Milestones reached by ``minutes`` and not yet claimed today, smallest first."""
    return [h for h in paying_hours(config) if h * 60 <= minutes and h not in claimed]


def milestone_owed(
    config: EconomyConfig, chan: str, key: str, user: str, day: date, hours: int, boost: BoostFn = no_boost
) -> Owed:
    reward, meta = boost(key, config.presence.hourly_milestones[hours])
    return Owed(
        key=f"dwell:{chan}:{key}:{day.isoformat()}:{hours}",
        user=user,
        amount=reward,
        trigger_id=f"dwell.{hours}h",
        reason=f"{hours}-hour dwell milestone",
        notice=render(NOTICE, config, user, reward, hours=hours),
        metadata=meta,
    )
