"""Daily competitions, earning multipliers and events (sprint 7; presence) and bounties (ledger)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section
from .fields import CronExpr, sorted_unique

# daily_activity counters a competition may rank or threshold on (whitelisted: used in SQL).
CompetitionField = Literal[
    "minutes_present",
    "minutes_active",
    "messages_sent",
    "long_messages",
    "gifs_posted",
    "unique_emotes_used",
    "kudos_given",
    "kudos_received",
    "laughs_received",
    "bot_interactions",
    "z_earned",
]


class CompetitionCondition(Section):
    # daily_threshold: everyone whose counter reaches ``threshold``; daily_top: the single best user.
    type: Literal["daily_threshold", "daily_top"]
    field: CompetitionField
    threshold: int = Field(default=0, ge=0)


class DailyCompetition(Section):
    """Evaluated once per UTC day, just after midnight, for the day that ended."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    description: str = Field(default="", max_length=120)
    condition: CompetitionCondition
    reward: int = Field(default=0, ge=0)
    # daily_top only: pay this percent of the winner's counter value instead of ``reward``.
    reward_percent_of_earnings: float = Field(default=0, ge=0, le=100)
    # List the winners in the public daily results post.
    announce_public: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> DailyCompetition:
        if self.condition.type == "daily_threshold" and self.condition.threshold <= 0:
            raise ValueError(f"competition {self.id}: daily_threshold needs a threshold > 0")
        if self.condition.type == "daily_threshold" and self.reward_percent_of_earnings:
            raise ValueError(f"competition {self.id}: reward_percent_of_earnings is for daily_top only")
        if self.reward <= 0 and self.reward_percent_of_earnings <= 0:
            raise ValueError(f"competition {self.id}: set reward or reward_percent_of_earnings")
        return self


def default_competitions() -> list[DailyCompetition]:
    rows: list[tuple[str, str, str, str, int, int, float]] = [
        ("gif_enthusiast", "Posted 5+ GIFs today", "daily_threshold", "gifs_posted", 5, 15, 0),
        ("gif_champion", "Most GIFs today", "daily_top", "gifs_posted", 0, 35, 0),
        ("social_butterfly", "Gave 5+ kudos today", "daily_threshold", "kudos_given", 5, 15, 0),
        ("top_earner_bonus", "Top earner today (25% bonus)", "daily_top", "z_earned", 0, 0, 25),
        ("emote_variety", "Used 10+ emotes today", "daily_threshold", "unique_emotes_used", 10, 25, 0),
        ("chatterbox", "Sent 50+ messages today", "daily_threshold", "messages_sent", 50, 20, 0),
    ]
    return [
        DailyCompetition.model_validate(
            {
                "id": i,
                "description": d,
                "condition": {"type": t, "field": f, "threshold": th},
                "reward": r,
                "reward_percent_of_earnings": pct,
            }
        )
        for i, d, t, f, th, r, pct in rows
    ]


class OffPeakSettings(Section):
    enabled: bool = True
    # Days as 0=Sunday .. 6=Saturday (cron style); default Monday-Thursday.
    days: list[int] = Field(default_factory=lambda: [1, 2, 3, 4])
    hours: list[int] = Field(default_factory=lambda: list(range(6, 16)))  # UTC hours
    multiplier: float = Field(default=2.0, ge=1.0, le=100)
    hidden: bool = False

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        return sorted_unique(v, 0, 6, "days")

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: list[int]) -> list[int]:
        return sorted_unique(v, 0, 23, "hours")

    def active_at(self, now: datetime) -> bool:
        return self.enabled and (now.weekday() + 1) % 7 in self.days and now.hour in self.hours


class HighPopulationSettings(Section):
    enabled: bool = True
    # Active when at least this many earning users are present in the channel.
    min_users: int = Field(default=10, ge=2)
    multiplier: float = Field(default=1.5, ge=1.0, le=100)
    hidden: bool = True


class Holiday(Section):
    date: str = Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")  # MM-DD, UTC
    name: str = Field(min_length=1, max_length=60)
    multiplier: float = Field(default=3.0, ge=1.0, le=100)


class HolidaySettings(Section):
    enabled: bool = True
    dates: list[Holiday] = Field(
        default_factory=lambda: [
            Holiday(date="12-25", name="Christmas", multiplier=3.0),
            Holiday(date="10-31", name="Halloween", multiplier=2.0),
        ]
    )
    hidden: bool = False


class ScheduledEvent(Section):
    """A recurring earning event started by cron (UTC); persisted, so it survives a restart."""

    name: str = Field(min_length=1, max_length=60)
    cron: CronExpr
    duration_hours: float = Field(default=4.0, gt=0, le=168)
    multiplier: float = Field(default=2.0, ge=1.0, le=100)
    # Z split evenly among the users present when the event starts (0 = none).
    presence_bonus: int = Field(default=0, ge=0)
    # Post start and end lines in public chat.
    announce: bool = True
    hidden: bool = False


class AdhocEventLimits(Section):
    """Bounds on the admin ``event start <multiplier> <minutes> <name>`` command."""

    max_multiplier: float = Field(default=10.0, ge=1.0, le=100)
    max_minutes: int = Field(default=1440, ge=1, le=10_080)


class MultiplierSettings(Section):
    """Active multipliers multiply per channel, capped at ``max_combined`` (DECISIONS 11)."""

    max_combined: float = Field(default=5.0, ge=1.0, le=100)
    off_peak: OffPeakSettings = Field(default_factory=OffPeakSettings)
    high_population: HighPopulationSettings = Field(default_factory=HighPopulationSettings)
    holidays: HolidaySettings = Field(default_factory=HolidaySettings)
    scheduled_events: list[ScheduledEvent] = Field(default_factory=list)
    adhoc: AdhocEventLimits = Field(default_factory=AdhocEventLimits)

    @field_validator("scheduled_events")
    @classmethod
    def _unique(cls, v: list[ScheduledEvent]) -> list[ScheduledEvent]:
        names = [e.name.casefold() for e in v]
        if len(set(names)) != len(names):
            raise ValueError("scheduled event names must be unique")
        return v

    def combine(self, factors: list[float]) -> float:
        """Product of the active factors, capped at max_combined."""
        product = 1.0
        for f in factors:
            product *= f
        return min(product, self.max_combined)


class BountySettings(Section):
    """User-posted bounties; the amount is escrowed in the ledger until claimed or expired."""

    enabled: bool = True
    min_amount: int = Field(default=100, ge=1)
    max_amount: int = Field(default=50_000, ge=1)
    max_open_per_user: int = Field(default=3, ge=1)
    default_expiry_hours: int = Field(default=168, ge=1, le=24 * 90)
    # Share of the escrow returned to the creator when a bounty expires; the rest is burned.
    expiry_refund_percent: int = Field(default=50, ge=0, le=100)
    description_max_length: int = Field(default=200, ge=10, le=500)

    @model_validator(mode="after")
    def _range(self) -> BountySettings:
        if self.min_amount > self.max_amount:
            raise ValueError("bounties.min_amount must not exceed max_amount")
        return self
