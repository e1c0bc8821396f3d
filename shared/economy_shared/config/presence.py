"""Presence-and-earning settings: presence tick, onboarding, streaks, rain, retention, interest/decay.

Read by the presence service, except ``balance_maintenance`` (ledger).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section
from .fields import UtcHour, check_template, sorted_unique

# Placeholders every earning notification can use; services pass all of them when formatting.
NOTICE_FIELDS = ("user", "amount", "currency", "symbol")


class NightWatchSettings(Section):
    enabled: bool = True
    hours: list[int] = Field(default_factory=lambda: [2, 3, 4, 5, 6, 7])  # UTC hours
    multiplier: float = Field(default=1.5, ge=1.0, le=10.0)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: list[int]) -> list[int]:
        return sorted_unique(v, 0, 23, "hours")


class PresenceSettings(Section):
    base_rate_per_minute: float = Field(default=1.0, ge=0)
    # Extra per minute for users who are not AFK (AFK users still earn the base rate, DECISIONS 9).
    active_bonus_per_minute: float = Field(default=0.0, ge=0)
    afk_threshold_minutes: int = Field(default=5, ge=0)
    join_debounce_minutes: float = Field(default=5.0, ge=0)
    greeting_absence_minutes: int = Field(default=30, ge=0)
    # The tick runs on the wall clock every this many seconds (60 in production; tests shorten it).
    tick_interval_seconds: float = Field(default=60.0, ge=0.05, le=3600)
    hourly_milestones: dict[int, int] = Field(default_factory=lambda: {1: 10, 3: 30, 6: 75, 12: 200, 24: 1000})
    night_watch: NightWatchSettings = Field(default_factory=NightWatchSettings)

    @field_validator("hourly_milestones")
    @classmethod
    def _milestones(cls, v: dict[int, int]) -> dict[int, int]:
        for hours, reward in v.items():
            if hours <= 0 or hours > 24:
                raise ValueError("milestone hours must be within 1..24")
            if reward < 0:
                raise ValueError("milestone rewards must not be negative")
        return dict(sorted(v.items()))


class OnboardingSettings(Section):
    welcome_wallet: int = Field(default=100, ge=0)
    welcome_message: str = (
        "Welcome! You've got {amount} {currency}. Stick around and you'll earn more. Try 'help' to see what you can do."
    )
    min_account_age_minutes: int = Field(default=0, ge=0)
    min_messages_to_earn: int = Field(default=0, ge=0)

    @field_validator("welcome_message")
    @classmethod
    def _template(cls, v: str) -> str:
        return check_template(v, NOTICE_FIELDS)


# --- streaks (sprint 2) -------------------------------------------------------------------------


class DailyStreakSettings(Section):
    enabled: bool = True
    # Minutes present in one UTC day that make the day count toward the streak.
    min_presence_minutes: int = Field(default=15, ge=1, le=1440)
    # Streak day -> bonus Z. Days past the highest key keep paying that key's reward.
    rewards: dict[int, int] = Field(default_factory=lambda: {2: 10, 3: 20, 4: 30, 5: 50, 6: 75, 7: 100})
    milestone_7_bonus: int = Field(default=200, ge=0)
    milestone_30_bonus: int = Field(default=2000, ge=0)

    @field_validator("rewards")
    @classmethod
    def _rewards(cls, v: dict[int, int]) -> dict[int, int]:
        if any(day < 1 for day in v) or any(z < 0 for z in v.values()):
            raise ValueError("streak days start at 1 and rewards must not be negative")
        return dict(sorted(v.items()))

    def reward_for_day(self, day: int) -> int:
        """Bonus for streak day ``day``: the reward of the highest configured day ``<= day``."""
        reward = 0
        for d, z in self.rewards.items():
            if d <= day:
                reward = z
        return reward


class BridgeSettings(Section):
    """Weekend <-> weekday bridge: one bonus per week for qualifying on both a weekend day and a weekday."""

    enabled: bool = True
    bonus: int = Field(default=500, ge=0)
    # Saturday PM reminder to users who have not yet qualified on a weekday that week.
    announce_on_weekend: bool = True
    message: str = "Connect any weekday this week for a {amount} {currency} bridge bonus!"

    @field_validator("message")
    @classmethod
    def _template(cls, v: str) -> str:
        return check_template(v, NOTICE_FIELDS)


class StreakSettings(Section):
    daily: DailyStreakSettings = Field(default_factory=DailyStreakSettings)
    weekend_weekday_bridge: BridgeSettings = Field(default_factory=BridgeSettings)


# --- rain (sprint 2; DECISIONS 13) --------------------------------------------------------------


class RainSettings(Section):
    """Ambient rain: every connected, non-ignored user gets the same random amount."""

    enabled: bool = True
    interval_minutes: float = Field(default=45.0, ge=1, le=1440)
    # Each wait is interval +/- this percent, drawn uniformly.
    jitter_percent: float = Field(default=30.0, ge=0, le=90)
    min_amount: int = Field(default=5, ge=1)
    max_amount: int = Field(default=25, ge=1)
    # One public announcement per rain; per-user PMs only if this is on and the user is not quiet.
    pm_notification: bool = False
    message: str = "☔ Rain drop! You received {amount} {currency} just for being here."

    @field_validator("message")
    @classmethod
    def _template(cls, v: str) -> str:
        return check_template(v, NOTICE_FIELDS)

    @model_validator(mode="after")
    def _range(self) -> RainSettings:
        if self.min_amount > self.max_amount:
            raise ValueError("rain.min_amount must not exceed rain.max_amount")
        return self


# --- retention (sprint 2) -----------------------------------------------------------------------


class WelcomeBackSettings(Section):
    enabled: bool = True
    days_absent: int = Field(default=7, ge=1)
    bonus: int = Field(default=100, ge=0)
    message: str = "Welcome back! Here's {amount} {currency}. You've been missed. 💚"

    @field_validator("message")
    @classmethod
    def _template(cls, v: str) -> str:
        return check_template(v, (*NOTICE_FIELDS, "days"))


class InactivityNudgeSettings(Section):
    """One PM to a user who has an account but has not been seen for ``days_absent`` days."""

    enabled: bool = False
    days_absent: int = Field(default=14, ge=1)
    message: str = "Hey {user}, it's been {days} days! Your {balance} {currency} are waiting for you."

    @field_validator("message")
    @classmethod
    def _template(cls, v: str) -> str:
        return check_template(v, ("user", "days", "balance", "currency", "symbol"))


class RetentionSettings(Section):
    welcome_back: WelcomeBackSettings = Field(default_factory=WelcomeBackSettings)
    inactivity_nudge: InactivityNudgeSettings = Field(default_factory=InactivityNudgeSettings)


# --- balance maintenance (sprint 2, run by the ledger) ------------------------------------------


class InterestSettings(Section):
    # Fraction of the balance paid per day (0.001 = 0.1 %), rounded down, capped below.
    daily_rate: float = Field(default=0.001, ge=0, le=0.1)
    max_daily_interest: int = Field(default=10, ge=0)
    min_balance_to_earn: int = Field(default=100, ge=0)


class DecaySettings(Section):
    # Fraction of the balance removed per day, rounded down. Only balances >= exempt_below decay.
    daily_rate: float = Field(default=0.005, ge=0, le=0.5)
    exempt_below: int = Field(default=50_000, ge=0)
    label: str = Field(default="Vault maintenance fee", min_length=1, max_length=80)


class BalanceMaintenanceSettings(Section):
    """Daily interest or decay. ``mode`` is the only switch (the plan's extra ``decay.enabled`` is gone)."""

    mode: Literal["interest", "decay", "none"] = "interest"
    run_hour_utc: UtcHour = 3
    interest: InterestSettings = Field(default_factory=InterestSettings)
    decay: DecaySettings = Field(default_factory=DecaySettings)
