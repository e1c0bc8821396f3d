"""Vanity personalisation of what the bot says (issue 12): personal currency names in PMs, titles in
announcements.

- A PM to a user who owns a personal currency name (``currency_name``) reads that name wherever the
  configured ``currency.plural`` or ``currency.name`` appears as a whole word (case-sensitive). Done at
  admission, so every service's replies get it (all PMs pass through this outbox, DECISIONS 23);
  public lines are never touched.
- An announcement whose context names a single user (``user``, ``winner``, ``loser``) shows that
  user's title as ``vanity_shop.custom_title.format`` (default ``"{user} «{title}»"``). The title is
  sanitised again here (DECISIONS 20); the rendered line is capped by the outbox as always.

Both run on every PM or announcement, so they only do O(1) dict reads (``VanityLookup``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Protocol

from economy_shared.config import EconomyConfig
from economy_shared.sanitize import public_text

# Context fields that hold one user's display name, shown with the user's title.
TITLED_FIELDS = ("user", "winner", "loser")


class VanityLookup(Protocol):
    """The read side of the shop's ``VanityStore`` (vanity_store.py): a dict read, no I/O."""

    def item(self, channel: str, user: str, item: str) -> str | None: ...


class NoVanity:
    """Nobody owns anything (used until a store is wired in)."""

    def item(self, channel: str, user: str, item: str) -> str | None:
        return None


@lru_cache(maxsize=16)
def currency_pattern(*words: str) -> re.Pattern[str] | None:
    """Whole-word, case-sensitive match of any of ``words`` (longest first, so the plural wins)."""
    kept = sorted({w for w in words if w}, key=len, reverse=True)
    if not kept:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in kept) + r")(?!\w)")


def rename_currency(text: str, personal: str, *words: str) -> str:
    """``text`` with every whole-word occurrence of ``words`` replaced by ``personal``."""
    pattern = currency_pattern(*words)
    if pattern is None or not personal:
        return text
    return pattern.sub(lambda _m: personal, text)  # a function: ``personal`` is never read as a backreference


def titled(user: str, title: str, fmt: str) -> str:
    """``user`` shown with ``title`` (``fmt`` is validated config with ``{user}`` and ``{title}``)."""
    return fmt.format(user=user, title=title)


class Personaliser:
    def __init__(self, lookup: VanityLookup, config: Callable[[], EconomyConfig]) -> None:
        self._lookup = lookup
        self._config = config

    def pm_text(self, channel: str, user: str, text: str) -> str:
        """A PM to ``user`` with their personal currency name, if they own one."""
        personal = self._lookup.item(channel, user, "currency_name")
        if not personal:
            return text
        currency = self._config().currency
        return rename_currency(text, personal, currency.plural, currency.name)

    def announcement_context(self, channel: str, context: Mapping[str, Any]) -> Mapping[str, Any]:
        """``context`` with each titled user field shown with that user's title."""
        changed: dict[str, Any] | None = None
        for field in TITLED_FIELDS:
            value = context.get(field)
            if not isinstance(value, str) or not value:
                continue
            raw = self._lookup.item(channel, value, "title")
            if not raw:
                continue
            settings = self._config().vanity_shop.custom_title
            title = public_text(raw, settings.max_length)  # defence in depth: a hand-written row is not trusted
            if not title:
                continue
            changed = dict(context) if changed is None else changed
            changed[field] = titled(value, title, settings.format)
        return context if changed is None else changed
