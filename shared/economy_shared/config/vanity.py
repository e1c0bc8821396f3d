"""Vanity shop (sprint 5; read by the announcer service, which owns ``shop``/``buy``/``fortune``).

Prices are before the rank discount and the inflation multiplier. Text a user buys and the bot
repeats in public is sanitised and capped at the item's ``max_length`` (DECISIONS 20).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from .base import Section
from .fields import check_template


class VanityItem(Section):
    enabled: bool = True
    cost: int = Field(default=0, ge=0)
    # One line shown under the item in ``shop`` (empty = none).
    description: str = Field(default="", max_length=200)


class TextItem(VanityItem):
    max_length: int = Field(default=200, ge=1, le=500)


class CustomGreetingItem(TextItem):
    cost: int = Field(default=500, ge=0)
    description: str = Field(default="The bot greets you in chat when you arrive.", max_length=200)


class CustomTitleItem(TextItem):
    cost: int = Field(default=1000, ge=0)
    max_length: int = Field(default=100, ge=1, le=500)
    description: str = Field(default="A title shown with your name in bot announcements.", max_length=200)
    # How a titled user's name appears in announcements; needs both {user} and {title}.
    format: str = Field(default="{user} «{title}»", min_length=1, max_length=60)

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        check_template(v, ("user", "title"))
        missing = [f for f in ("{user}", "{title}") if f not in v]
        if missing:
            raise ValueError(f"format must contain {' and '.join(missing)}")
        return v


class PaletteColor(Section):
    name: str = Field(min_length=1, max_length=30)
    hex: str = Field(pattern=r"^#[0-9A-Fa-f]{6}$")


def _default_palette() -> list[PaletteColor]:
    # Light tones that stay readable on CyTube's dark themes.
    rows = [
        ("Sky Blue", "#5DADE2"),
        ("Mint", "#58D68D"),
        ("Sunflower", "#F4D03F"),
        ("Tangerine", "#F39C12"),
        ("Coral", "#FF7F7F"),
        ("Lavender", "#BB8FCE"),
        ("Hot Pink", "#FF69B4"),
        ("Turquoise", "#48C9B0"),
    ]
    return [PaletteColor(name=n, hex=h) for n, h in rows]


class ChatColorItem(VanityItem):
    cost: int = Field(default=750, ge=0)
    description: str = Field(default="Colour your name in chat.", max_length=200)
    palette: list[PaletteColor] = Field(default_factory=_default_palette)
    # Colour the owners' names in chat: the announcer keeps one managed block (between marker comments)
    # in the channel CSS, read from the robot's KV and written back with set_channel_css; the operator's
    # own CSS outside the markers is never changed. false: colours are only shown in `profile`.
    apply_css: bool = True

    @field_validator("palette")
    @classmethod
    def _unique(cls, v: list[PaletteColor]) -> list[PaletteColor]:
        names = [c.name.casefold() for c in v]
        if len(set(names)) != len(names):
            raise ValueError("palette colour names must be unique (case-insensitive)")
        return v


class ChannelGifItem(VanityItem):
    cost: int = Field(default=5000, ge=0)
    description: str = Field(default="Your GIF on the channel (approved by an admin).", max_length=200)
    # Charged at purchase; an admin's reject_gif refunds it.
    requires_admin_approval: bool = True


class ShoutoutItem(TextItem):
    cost: int = Field(default=50, ge=0)
    description: str = Field(default="The bot posts your message in chat.", max_length=200)
    cooldown_minutes: int = Field(default=60, ge=0)


class DailyFortuneItem(VanityItem):
    """``fortune``: once per user per UTC day; free for ranks with the free_daily_fortune perk."""

    cost: int = Field(default=10, ge=0)
    description: str = Field(default="Your fortune for today.", max_length=200)


class RenameCurrencyItem(TextItem):
    cost: int = Field(default=2500, ge=0)
    max_length: int = Field(default=30, ge=1, le=60)
    description: str = Field(default="Your own name for the currency in your replies.", max_length=200)


class VanityShopSettings(Section):
    custom_greeting: CustomGreetingItem = Field(default_factory=CustomGreetingItem)
    custom_title: CustomTitleItem = Field(default_factory=CustomTitleItem)
    chat_color: ChatColorItem = Field(default_factory=ChatColorItem)
    channel_gif: ChannelGifItem = Field(default_factory=ChannelGifItem)
    shoutout: ShoutoutItem = Field(default_factory=ShoutoutItem)
    daily_fortune: DailyFortuneItem = Field(default_factory=DailyFortuneItem)
    rename_currency_personal: RenameCurrencyItem = Field(default_factory=RenameCurrencyItem)

    def all_items(self) -> dict[str, VanityItem]:
        """Every item by config key, in shop order."""
        return {name: getattr(self, name) for name in type(self).model_fields}
