"""The whole config file. Every service validates all of it and uses its own sections."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from .announcements import AnnouncementsSettings
from .base import Section
from .core import (
    BotSettings,
    ChannelSettings,
    CommandSettings,
    CurrencySettings,
    DatabaseSettings,
    LoggingSettings,
    MetricsSettings,
    NatsSettings,
)
from .events import (
    BountySettings,
    DailyCompetition,
    MultiplierSettings,
    default_competitions,
)
from .gambling import GamblingSettings
from .operations import (
    AdminSettings,
    ApiSettings,
    DigestSettings,
    JournalSettings,
    ReloadSettings,
    SnapshotSettings,
)
from .presence import (
    BalanceMaintenanceSettings,
    OnboardingSettings,
    PresenceSettings,
    RainSettings,
    RetentionSettings,
    StreakSettings,
)
from .progression import (
    Achievement,
    CytubePromotionSettings,
    RankSettings,
    default_achievements,
)
from .spending import InflationSettings, MediaCmsSettings, SpendingSettings, TippingSettings
from .triggers import ChatTriggers, ContentTriggers, SocialTriggers
from .vanity import VanityShopSettings

# Sections a running service cannot swap: the NATS connection, subscriptions, files and ports.
RESTART_SECTIONS = ("nats", "channels", "database", "metrics")


class EconomyConfig(Section):
    nats: NatsSettings = Field(default_factory=NatsSettings)
    channels: list[ChannelSettings] = Field(min_length=1)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    currency: CurrencySettings = Field(default_factory=CurrencySettings)
    bot: BotSettings = Field(default_factory=BotSettings)
    ignored_users: list[str] = Field(default_factory=list)
    commands: CommandSettings = Field(default_factory=CommandSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)
    onboarding: OnboardingSettings = Field(default_factory=OnboardingSettings)
    presence: PresenceSettings = Field(default_factory=PresenceSettings)
    ranks: RankSettings = Field(default_factory=RankSettings)
    # presence service (sprint 2-3, 7)
    streaks: StreakSettings = Field(default_factory=StreakSettings)
    rain: RainSettings = Field(default_factory=RainSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    chat_triggers: ChatTriggers = Field(default_factory=ChatTriggers)
    content_triggers: ContentTriggers = Field(default_factory=ContentTriggers)
    social_triggers: SocialTriggers = Field(default_factory=SocialTriggers)
    daily_competitions: list[DailyCompetition] = Field(default_factory=default_competitions)
    multipliers: MultiplierSettings = Field(default_factory=MultiplierSettings)
    # gambling service (sprint 4)
    gambling: GamblingSettings = Field(default_factory=GamblingSettings)
    # media service (sprint 5, 10)
    spending: SpendingSettings = Field(default_factory=SpendingSettings)
    mediacms: MediaCmsSettings = Field(default_factory=MediaCmsSettings)
    inflation: InflationSettings = Field(default_factory=InflationSettings)
    # announcer service (sprint 5)
    vanity_shop: VanityShopSettings = Field(default_factory=VanityShopSettings)
    announcements: AnnouncementsSettings = Field(default_factory=AnnouncementsSettings)
    # ledger service (sprint 2, 5-8)
    balance_maintenance: BalanceMaintenanceSettings = Field(default_factory=BalanceMaintenanceSettings)
    tipping: TippingSettings = Field(default_factory=TippingSettings)
    achievements: list[Achievement] = Field(default_factory=default_achievements)
    cytube_promotion: CytubePromotionSettings = Field(default_factory=CytubePromotionSettings)
    bounties: BountySettings = Field(default_factory=BountySettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    snapshots: SnapshotSettings = Field(default_factory=SnapshotSettings)
    journal: JournalSettings = Field(default_factory=JournalSettings)
    reload: ReloadSettings = Field(default_factory=ReloadSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, v: list[ChannelSettings]) -> list[ChannelSettings]:
        names = [c.channel.casefold() for c in v]
        if len(set(names)) != len(names):
            raise ValueError("each channel may appear once")
        return v

    @field_validator("achievements", "daily_competitions")
    @classmethod
    def _unique_ids(cls, v: list[Achievement] | list[DailyCompetition]) -> list[Achievement] | list[DailyCompetition]:
        ids = [item.id for item in v]
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be unique")
        return v

    @model_validator(mode="after")
    def _cross_section(self) -> EconomyConfig:
        """Checks that span sections: names and indexes that must point at a rank tier."""
        min_rank = self.cytube_promotion.min_rank
        if self.ranks.tier_index(min_rank) is None:
            names = ", ".join(t.name for t in self.ranks.tiers)
            raise ValueError(f"cytube_promotion.min_rank {min_rank!r} is not a rank ({names})")
        top = len(self.ranks.tiers) - 1
        for a in self.achievements:
            if a.condition.type == "rank_reached" and not (0 <= a.condition.threshold <= top):
                raise ValueError(f"achievement {a.id}: rank_reached threshold must be a tier index 0..{top}")
        return self

    def restart_needed(self, new: EconomyConfig) -> list[str]:
        """Sections that differ in ``new`` but only take effect after a restart (DECISIONS 25)."""
        return [name for name in RESTART_SECTIONS if getattr(self, name) != getattr(new, name)]

    def channel_names(self) -> list[str]:
        return [c.channel for c in self.channels]

    def domain_of(self, channel: str) -> str:
        for c in self.channels:
            if c.channel.casefold() == channel.casefold():
                return c.domain
        return self.channels[0].domain

    def is_ignored(self, username: str) -> bool:
        """The bot itself, ``[server]`` and ``ignored_users`` never earn or get answers (DECISIONS 9)."""
        key = username.strip().casefold()
        if key in {self.bot.username.casefold(), "[server]"}:
            return True
        return key in {u.casefold() for u in self.ignored_users}
