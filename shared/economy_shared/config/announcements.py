"""Announcer settings (sprint 9; read by the announcer service): the outbox and public templates.

Every public line and every PM of every service goes through the announcer's outbox (ARCHITECTURE
§4): one pace per CyTube connection, priorities, a dedup window, batching of rapid announcements,
240-character splitting and a hard public-chat cap per minute.

The owning service decides *whether* something happened that is worth announcing (for example
``gambling.spin.jackpot_announce_threshold``); the gates here are the operator's last word on what
reaches public chat. Templates given in the YAML are merged over the defaults, so an operator
only lists the ones they change.
"""

from __future__ import annotations

import string
from typing import Final

from pydantic import Field, field_validator, model_validator

from .base import Section
from .fields import check_template

# Filled in by the announcer for every template (a caller may override them).
COMMON_FIELDS: Final = ("currency", "currency_plural", "symbol", "channel")

# Template name -> the placeholders its callers supply (the contract between services and the
# announcer). A template may use any of these plus COMMON_FIELDS; ``amount`` is what gates compare
# against ``min_amount``.
TEMPLATE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    # gambling
    "jackpot": ("user", "amount", "wager", "slots"),
    "big_win": ("user", "amount", "wager", "slots"),
    "challenge_result": ("winner", "loser", "wager", "amount", "rake"),
    "heist_start": ("user", "wager", "seconds"),
    "heist_success": ("crew", "count", "amount"),
    "heist_failed": ("crew", "count", "amount"),
    "heist_cancelled": ("user",),
    # ledger
    "rank_up": ("user", "rank"),
    "achievement": ("user", "achievement", "amount"),
    "bounty_created": ("user", "id", "amount", "description"),
    "bounty_claimed": ("user", "id", "amount", "description"),
    # presence
    "rain": ("user", "count", "amount", "total"),
    "streak_milestone": ("user", "days", "amount"),
    "daily_champion": ("user", "competition", "amount"),
    "event_start": ("name", "multiplier", "hours", "duration", "by"),
    "event_stop": ("name",),
    # media
    "queue": ("user", "title", "cost"),
    "playnext": ("user", "title", "cost"),
    "forcenow": ("user", "title", "cost"),
    # announcer (vanity)
    "greeting": ("user", "greeting"),
    "shoutout": ("user", "message"),
}

# Defaults use only the placeholders every caller is sure to pass, so the fallback always renders.
DEFAULT_TEMPLATES: Final[dict[str, str]] = {
    "jackpot": "🎰 JACKPOT! {user} just won {amount} {symbol}!",
    "big_win": "💰 {user} just won {amount} {symbol} on the slots!",
    "challenge_result": "⚔️ {winner} beat {loser} and took {amount} {symbol}!",
    "heist_start": "🏦 {user} is planning a heist! PM me 'heist join' within {seconds}s to join the crew.",
    "heist_success": "💰 The heist worked! {crew} got away with {amount} {symbol}.",
    "heist_failed": "🚨 The heist went wrong! {crew} lost {amount} {symbol}.",
    "heist_cancelled": "🏦 {user}'s heist was called off: not enough crew.",
    "rank_up": "⭐ {user} is now a {rank}!",
    "achievement": "🏆 {user} unlocked {achievement}!",
    "bounty_created": '📌 {user} posted bounty #{id} for {amount} {symbol}: "{description}"',
    "bounty_claimed": "📌 Bounty #{id} goes to {user}: +{amount} {symbol}!",
    "rain": "☔ Rain! {count} users just got free {currency_plural}.",
    "streak_milestone": "🔥 {user} is on a {days}-day streak!",
    "daily_champion": "🏅 {competition}: {user} wins {amount} {symbol}!",
    "event_start": "🎉 {name} has started: {multiplier}× earning for {duration}!",
    "event_stop": "🎬 {name} has ended. Thanks for hanging out!",
    "queue": '🎬 {user} just queued "{title}"! ({cost} {symbol})',
    "playnext": '⏭️ {user} bumped "{title}" to play next! ({cost} {symbol})',
    "forcenow": '⚡ {user} is playing "{title}" right now! ({cost} {symbol})',
    "greeting": "👋 {user}: {greeting}",
    "shoutout": "📢 {user}: {message}",
}


def _placeholders(template: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as err:
        raise ValueError(f"bad template {template!r}: {err}") from None
    return {f for _, f, _, _ in parsed if f}


class AnnouncementGate(Section):
    template: str = Field(min_length=1, max_length=64)
    enabled: bool = True
    # Not announced when the context's ``amount`` is below this (0 = no minimum).
    min_amount: int = Field(default=0, ge=0)


class AnnouncementsSettings(Section):
    # Master switch for templated announcements (the admin `announce` command still works).
    enabled: bool = True
    # Minimum seconds between two lines the bot sends (PM or chat) on one CyTube connection.
    pace_seconds: float = Field(default=2.0, ge=0.0, le=60.0)
    # The same public announcement is not repeated within this many seconds (0 = no dedup).
    dedup_window_seconds: float = Field(default=30.0, ge=0.0, le=86_400.0)
    # Hard cap of public chat lines per channel in any 60 seconds; more are refused ("capped").
    public_cap_per_minute: int = Field(default=10, ge=1, le=120)
    # Announcements wait this long before sending; others arriving meanwhile merge into one line.
    batch_window_seconds: float = Field(default=2.0, ge=0.0, le=30.0)
    # Separator between announcements merged into one line.
    batch_separator: str = Field(default=" • ", max_length=10)
    # Most queued lines per channel; when full, new notifications and announcements are refused
    # and a command reply evicts the newest announcement or notification.
    max_queue: int = Field(default=500, ge=10, le=100_000)
    # Template name -> text (str.format placeholders, see TEMPLATE_FIELDS). "" disables one.
    templates: dict[str, str] = Field(default_factory=dict)
    # At most one gate per template; templates without a gate are announced.
    gates: list[AnnouncementGate] = Field(default_factory=list)

    @field_validator("templates")
    @classmethod
    def _templates(cls, v: dict[str, str]) -> dict[str, str]:
        merged = {**DEFAULT_TEMPLATES, **v}
        for name, text in merged.items():
            allowed = TEMPLATE_FIELDS.get(name)
            fields = (*allowed, *COMMON_FIELDS) if allowed is not None else tuple(_placeholders(text))
            try:
                check_template(text, fields)
            except ValueError as err:
                raise ValueError(f"templates.{name}: {err}") from None
        return merged

    @model_validator(mode="after")
    def _gates(self) -> AnnouncementsSettings:
        names = [g.template for g in self.gates]
        if len(set(names)) != len(names):
            raise ValueError("at most one gate per template")
        unknown = sorted(set(names) - set(self.templates))
        if unknown:
            raise ValueError(f"gates for unknown templates: {', '.join(unknown)}")
        return self

    def gate(self, name: str) -> AnnouncementGate:
        for g in self.gates:
            if g.template == name:
                return g
        return AnnouncementGate(template=name)
