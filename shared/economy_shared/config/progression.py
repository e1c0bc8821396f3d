"""Ranks, achievements and CyTube promotion (sprint 6; read by the ledger).

Rank perks are structured fields per tier (DECISIONS 17). Perks carry up the ladder: the perks at a
tier are, field by field, the best value of that tier and every tier below it, so a higher rank
never loses a perk. The text shown to users comes from ``RankPerks.describe()``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .base import Section


class RankTier(Section):
    name: str = Field(min_length=1, max_length=40)
    min_lifetime_earned: int = Field(ge=0)
    # Percent off every spend (queue, vanity, fortune, CyTube promotion).
    discount_percent: int = Field(default=0, ge=0, le=90)
    # Paid queue actions per day on top of spending.max_queues_per_day.
    extra_queues_per_day: int = Field(default=0, ge=0, le=100)
    # Percent added to every rain drop this user receives.
    rain_bonus_percent: int = Field(default=0, ge=0, le=1000)
    # ``fortune`` costs nothing once a day.
    free_daily_fortune: bool = False
    # CyTube channel level granted (free) on reaching this tier; never lowers a user (DECISIONS 18).
    cytube_promotion: int | None = Field(default=None, ge=2, le=3)


class RankPerks(BaseModel):
    """Perks in force at one tier (accumulated over the tiers below it)."""

    model_config = ConfigDict(frozen=True)

    discount_percent: int = 0
    extra_queues_per_day: int = 0
    rain_bonus_percent: int = 0
    free_daily_fortune: bool = False
    cytube_level: int | None = None

    def describe(self) -> list[str]:
        lines: list[str] = []
        if self.discount_percent:
            lines.append(f"{self.discount_percent}% off everything you buy")
        if self.extra_queues_per_day:
            plural = "s" if self.extra_queues_per_day != 1 else ""
            lines.append(f"+{self.extra_queues_per_day} queue{plural} per day")
        if self.rain_bonus_percent:
            lines.append(f"+{self.rain_bonus_percent}% on rain drops")
        if self.free_daily_fortune:
            lines.append("a free daily fortune")
        if self.cytube_level:
            lines.append(f"CyTube level {self.cytube_level}")
        return lines


def _default_tiers() -> list[RankTier]:
    # The plan's B-movie ladder, with its perk strings turned into fields.
    return [
        RankTier(name="Extra", min_lifetime_earned=0),
        RankTier(name="Grip", min_lifetime_earned=1_000, free_daily_fortune=True),
        RankTier(name="Key Grip", min_lifetime_earned=5_000, discount_percent=2),
        RankTier(name="Gaffer", min_lifetime_earned=15_000, discount_percent=4, rain_bonus_percent=20),
        RankTier(name="Best Boy", min_lifetime_earned=40_000, discount_percent=6, extra_queues_per_day=1),
        RankTier(name="Associate Producer", min_lifetime_earned=100_000, discount_percent=8),
        RankTier(name="Producer", min_lifetime_earned=250_000, discount_percent=10),
        RankTier(name="Director", min_lifetime_earned=500_000, discount_percent=12, extra_queues_per_day=2),
        RankTier(name="Executive Producer", min_lifetime_earned=1_000_000, discount_percent=15),
        RankTier(name="Studio Mogul", min_lifetime_earned=5_000_000, discount_percent=20, cytube_promotion=2),
    ]


class RankSettings(Section):
    tiers: list[RankTier] = Field(default_factory=_default_tiers, min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> RankSettings:
        mins = [t.min_lifetime_earned for t in self.tiers]
        if mins != sorted(mins) or len(set(mins)) != len(mins):
            raise ValueError("rank tiers must have strictly increasing min_lifetime_earned")
        if mins[0] != 0:
            raise ValueError("the first rank tier must start at 0")
        names = [t.name.casefold() for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("rank tier names must be unique (case-insensitive)")
        return self

    def index_for(self, lifetime_earned: int) -> int:
        """0-based index of the highest tier reached with this lifetime_earned."""
        index = 0
        for i, tier in enumerate(self.tiers):
            if lifetime_earned >= tier.min_lifetime_earned:
                index = i
        return index

    def rank_for(self, lifetime_earned: int) -> RankTier:
        return self.tiers[self.index_for(lifetime_earned)]

    def tier_index(self, name: str) -> int | None:
        """Index of the tier with this name (case-insensitive), or None."""
        key = name.strip().casefold()
        for i, tier in enumerate(self.tiers):
            if tier.name.casefold() == key:
                return i
        return None

    def next_tier(self, index: int) -> RankTier | None:
        return self.tiers[index + 1] if index + 1 < len(self.tiers) else None

    def perks_at(self, index: int) -> RankPerks:
        reached = self.tiers[: index + 1]
        levels = [t.cytube_promotion for t in reached if t.cytube_promotion is not None]
        return RankPerks(
            discount_percent=max(t.discount_percent for t in reached),
            extra_queues_per_day=max(t.extra_queues_per_day for t in reached),
            rain_bonus_percent=max(t.rain_bonus_percent for t in reached),
            free_daily_fortune=any(t.free_daily_fortune for t in reached),
            cytube_level=max(levels) if levels else None,
        )


AchievementType = Literal[
    "lifetime_messages",
    "lifetime_presence_hours",
    "daily_streak",
    "unique_tip_recipients",
    "unique_tip_senders",
    "lifetime_earned",
    "lifetime_spent",
    "lifetime_gambled",
    "gambling_biggest_win",
    "rank_reached",  # threshold is a 0-based tier index
    "unique_emotes_used_lifetime",
]


class AchievementCondition(Section):
    type: AchievementType
    # Met when the user's value >= threshold.
    threshold: float = Field(default=0, ge=0)


class Achievement(Section):
    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    description: str = Field(default="", max_length=120)
    condition: AchievementCondition
    reward: int = Field(default=0, ge=0)
    # Hidden achievements are not listed (not even their progress) until earned.
    hidden: bool = True
    # Also announce the unlock in public chat (otherwise only the user is told).
    announce_public: bool = False


def default_achievements() -> list[Achievement]:
    # The plan's set. streak_7/streak_30 pay 0: the streak milestones already pay 200/2000.
    rows = [
        ("messages_100", "Sent 100 messages", "lifetime_messages", 100, 50),
        ("messages_1000", "Sent 1,000 messages", "lifetime_messages", 1000, 500),
        ("presence_24h", "Spent 24 hours in the channel", "lifetime_presence_hours", 24, 100),
        ("streak_7", "7-day streak", "daily_streak", 7, 0),
        ("streak_30", "30-day streak", "daily_streak", 30, 0),
        ("tipped_10_unique", "Tipped 10 different people", "unique_tip_recipients", 10, 100),
        ("received_tips_10", "Tipped by 10 different people", "unique_tip_senders", 10, 100),
    ]
    return [
        Achievement.model_validate({"id": i, "description": d, "condition": {"type": t, "threshold": th}, "reward": r})
        for i, d, t, th, r in rows
    ]


class CytubePromotionSettings(Section):
    """``buy cytube2``: pay for CyTube channel level 2 (refunded if the promotion fails)."""

    enabled: bool = True
    purchasable: bool = True
    cost: int = Field(default=50_000, ge=0)
    # Lowest rank allowed to buy it; must name a tier in ranks.tiers.
    min_rank: str = "Associate Producer"
    level: int = Field(default=2, ge=2, le=3)
