"""Chat, content and social earning triggers (sprint 3; read by the presence service).

Every trigger has ``enabled`` and ``hidden`` (hidden triggers are left out of ``rewards`` so users
discover them). Trigger ids are ``<prefix>.<key>``, e.g. ``chat.long_message``; ``all_triggers()``
lists them for ``rewards`` and ``econ:triggers``.
"""

from __future__ import annotations

from pydantic import Field

from .base import Section


class Trigger(Section):
    enabled: bool = True
    hidden: bool = True


# --- chat ---------------------------------------------------------------------------------------


class LongMessageTrigger(Trigger):
    min_chars: int = Field(default=30, ge=1, le=1000)
    reward: int = Field(default=1, ge=0)
    max_per_hour: int = Field(default=30, ge=1)


class LaughReceivedTrigger(Trigger):
    """Pays the last non-laugh speaker once per distinct laugher (DECISIONS 12)."""

    reward_per_laugher: int = Field(default=2, ge=0)
    max_laughers_per_joke: int = Field(default=10, ge=1)
    # A laugh counts for the joke only within this many seconds of it.
    window_seconds: int = Field(default=300, ge=10, le=3600)
    self_excluded: bool = True


class KudosReceivedTrigger(Trigger):
    """``name++`` / ``++name``; alias-aware self-exclusion through kryten-userstats."""

    reward: int = Field(default=3, ge=0)
    self_excluded: bool = True
    # Anti-farming cap: kudos from one giver to one receiver that pay per hour (the plan had none).
    max_per_hour_same_pair: int = Field(default=3, ge=1)


class FirstMessageOfDayTrigger(Trigger):
    reward: int = Field(default=5, ge=0)


class ConversationStarterTrigger(Trigger):
    # The channel must have been silent this long before the message.
    min_silence_minutes: int = Field(default=10, ge=1, le=1440)
    reward: int = Field(default=10, ge=0)


class ChatTriggers(Section):
    long_message: LongMessageTrigger = Field(default_factory=LongMessageTrigger)
    laugh_received: LaughReceivedTrigger = Field(default_factory=LaughReceivedTrigger)
    kudos_received: KudosReceivedTrigger = Field(default_factory=KudosReceivedTrigger)
    first_message_of_day: FirstMessageOfDayTrigger = Field(default_factory=FirstMessageOfDayTrigger)
    conversation_starter: ConversationStarterTrigger = Field(default_factory=ConversationStarterTrigger)

    def all_triggers(self) -> dict[str, Trigger]:
        return _collect(self, "chat")


# --- content ------------------------------------------------------------------------------------


class FirstAfterMediaChangeTrigger(Trigger):
    window_seconds: int = Field(default=30, ge=1, le=600)
    reward: int = Field(default=3, ge=0)


class CommentDuringMediaTrigger(Trigger):
    # Fractional: accumulated exactly per (user, trigger) and paid in whole Z (DECISIONS 3).
    reward_per_message: float = Field(default=0.5, ge=0, le=100)
    # Paying comments per user per media item; scaled up for long media when scale_with_duration.
    max_per_item_base: int = Field(default=10, ge=1)
    scale_with_duration: bool = True
    # With scaling, the cap is max_per_item_base per this many minutes of media (never below the base).
    scale_minutes: int = Field(default=30, ge=1)

    def cap_for(self, duration_seconds: float) -> int:
        if not self.scale_with_duration or duration_seconds <= 0:
            return self.max_per_item_base
        scaled = int(self.max_per_item_base * (duration_seconds / 60) / self.scale_minutes)
        return max(scaled, self.max_per_item_base)


class LikeCurrentTrigger(Trigger):
    reward: int = Field(default=2, ge=0)


class SurvivedFullMediaTrigger(Trigger):
    # Present at the start and still present when at least this share of the media has played.
    min_presence_percent: int = Field(default=80, ge=1, le=100)
    reward: int = Field(default=5, ge=0)


class ContentTriggers(Section):
    first_after_media_change: FirstAfterMediaChangeTrigger = Field(default_factory=FirstAfterMediaChangeTrigger)
    comment_during_media: CommentDuringMediaTrigger = Field(default_factory=CommentDuringMediaTrigger)
    like_current: LikeCurrentTrigger = Field(default_factory=LikeCurrentTrigger)
    survived_full_media: SurvivedFullMediaTrigger = Field(default_factory=SurvivedFullMediaTrigger)

    def all_triggers(self) -> dict[str, Trigger]:
        return _collect(self, "content")


# --- social -------------------------------------------------------------------------------------


class GreetedNewcomerTrigger(Trigger):
    # The greeting must name a genuine arrival within this many seconds; first greeter only.
    window_seconds: int = Field(default=60, ge=5, le=3600)
    reward: int = Field(default=3, ge=0)


class MentionedByOtherTrigger(Trigger):
    reward: int = Field(default=1, ge=0)
    max_per_hour_same_user: int = Field(default=5, ge=1)


class BotInteractionTrigger(Trigger):
    """Pays the user the bot answers; the bot's line must follow theirs within the reply window."""

    reward: int = Field(default=2, ge=0)
    max_per_day: int = Field(default=10, ge=1)
    reply_window_seconds: int = Field(default=120, ge=5, le=3600)


class SocialTriggers(Section):
    greeted_newcomer: GreetedNewcomerTrigger = Field(default_factory=GreetedNewcomerTrigger)
    mentioned_by_other: MentionedByOtherTrigger = Field(default_factory=MentionedByOtherTrigger)
    bot_interaction: BotInteractionTrigger = Field(default_factory=BotInteractionTrigger)

    def all_triggers(self) -> dict[str, Trigger]:
        return _collect(self, "social")


def _collect(section: Section, prefix: str) -> dict[str, Trigger]:
    return {
        f"{prefix}.{name}": value
        for name in type(section).model_fields
        if isinstance(value := getattr(section, name), Trigger)
    }
