"""The vanity shop's pure rules: item names, value checks, prices, keys, cooldowns, fortune choice.

No I/O; time is a parameter. Every user text the bot may repeat in public goes through
``public_text`` (DECISIONS 20): never a leading ``/``, no control or format characters, whitespace
collapsed, capped at the item's ``max_length``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from economy_shared.config import EconomyConfig
from economy_shared.config.vanity import PaletteColor, TextItem, VanityItem
from economy_shared.price_rules import spend_price
from economy_shared.sanitize import public_text

CUT = 30  # characters of an owned value shown in ``shop``
GIF_URL_LIMIT = 500
NAME_EXTRA = frozenset(" -_'")
_CUSTOM_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class ItemSpec:
    word: str  # what a user types after ``buy``
    config_key: str  # vanity_shop.<config_key>, or ``cytube_promotion``
    usage: str
    stored_as: str | None  # the vanity_items.item it fills, None for one-shot items


ITEMS: dict[str, ItemSpec] = {
    s.word: s
    for s in (
        ItemSpec("greeting", "custom_greeting", "buy greeting <text>", "greeting"),
        ItemSpec("title", "custom_title", "buy title <text>", "title"),
        ItemSpec("color", "chat_color", "buy color <name>", "color"),
        ItemSpec("gif", "channel_gif", "buy gif <url>", "gif"),
        ItemSpec("shoutout", "shoutout", "buy shoutout <message>", None),
        ItemSpec("rename", "rename_currency_personal", "buy rename <name>", "currency_name"),
        ItemSpec("fortune", "daily_fortune", "fortune", None),
        ItemSpec("cytube2", "cytube_promotion", "buy cytube2", None),
    )
}
ALIASES = {"colour": "color"}
STORED_ITEMS = ("greeting", "title", "color", "gif", "currency_name")


def item_word(typed: str) -> str | None:
    """The item a user typed (any case, ``colour`` too), or None when there is no such item."""
    word = typed.strip().casefold()
    word = ALIASES.get(word, word)
    return word if word in ITEMS else None


def item_config(config: EconomyConfig, word: str) -> VanityItem | None:
    """The vanity_shop section of an item (None for ``cytube2``, which lives in ``cytube_promotion``)."""
    spec = ITEMS[word]
    if spec.config_key == "cytube_promotion":
        return None
    item: VanityItem = getattr(config.vanity_shop, spec.config_key)
    return item


def enabled(config: EconomyConfig, word: str) -> bool:
    if word == "cytube2":
        return config.cytube_promotion.enabled and config.cytube_promotion.purchasable
    item = item_config(config, word)
    return item is not None and item.enabled


def base_cost(config: EconomyConfig, word: str) -> int:
    if word == "cytube2":
        return config.cytube_promotion.cost
    item = item_config(config, word)
    return item.cost if item is not None else 0


def shop_words(config: EconomyConfig) -> list[str]:
    """Every enabled item, in shop order."""
    return [w for w in ITEMS if enabled(config, w)]


# ---- values ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checked:
    """A value ready to store (``value``), or why not (``problem``: usage, palette, url, name)."""

    value: str = ""
    problem: Literal["", "usage", "palette", "url", "name"] = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def find_color(palette: list[PaletteColor], name: str) -> PaletteColor | None:
    wanted = " ".join(name.split()).casefold()
    return next((c for c in palette if c.name.casefold() == wanted), None)


def custom_hex(value: str) -> str | None:
    """A colour kept as ``#RRGGBB`` instead of a palette name (one imported from the original, issue 14)."""
    return value if _CUSTOM_HEX.fullmatch(value) else None


def valid_gif_url(url: str) -> bool:
    """http(s) with a host, no whitespace or control characters, at most 500 characters."""
    if not url or len(url) > GIF_URL_LIMIT:
        return False
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def valid_name(name: str, limit: int) -> str:
    """Why a personal currency name is refused ("" when it is fine)."""
    if not name:
        return "a name needs at least one letter or digit"
    if len(name) > limit:
        return f"at most {limit} characters"
    if not all(ch.isalnum() or ch in NAME_EXTRA for ch in name):
        return "only letters, digits, spaces, - _ and '"
    if not any(ch.isalnum() for ch in name):
        return "a name needs at least one letter or digit"
    return ""


def check_value(config: EconomyConfig, word: str, raw: str) -> Checked:
    """Clean and check the value of a purchase. Nothing here has side effects."""
    text = raw.strip()
    if word in ("fortune", "cytube2"):
        return Checked("")
    if not text:
        return Checked(problem="usage")
    shop = config.vanity_shop
    if word in ("greeting", "title", "shoutout"):
        item = item_config(config, word)
        assert isinstance(item, TextItem)
        cleaned = public_text(text, item.max_length)
        return Checked(cleaned) if cleaned else Checked(problem="usage")
    if word == "color":
        color = find_color(shop.chat_color.palette, text)
        return Checked(color.name) if color is not None else Checked(problem="palette")
    if word == "gif":
        return Checked(text) if valid_gif_url(text) else Checked(problem="url")
    if word == "rename":
        limit = shop.rename_currency_personal.max_length
        cleaned = public_text(text, max(limit, len(text)))  # cleaned, not cut: too long is refused
        why = valid_name(cleaned, limit)
        return Checked(cleaned) if not why else Checked(problem="name", detail=why)
    raise ValueError(f"no value rule for {word!r}")


def cut(value: str, limit: int = CUT) -> str:
    """A value shown in a list: at most ``limit`` characters, then "…"."""
    return value if len(value) <= limit else value[:limit] + "…"


# ---- prices ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Price:
    base: int  # after inflation, before the rank discount
    price: int
    discount_percent: int
    free: bool = False


def price_of(base: int, factor: float, discount_percent: int, *, free: bool = False) -> Price:
    """Inflation, then the rank discount (economy_shared/price_rules.py; DECISIONS 17)."""
    if free:
        return Price(spend_price(base, factor, 0), 0, discount_percent, True)
    after = spend_price(base, factor, discount_percent)
    return Price(spend_price(base, factor, 0), after, discount_percent if after else 0, after == 0)


# ---- keys (idempotency, derived from the purchase) -------------------------------------------------
def charge_key(channel_key: str, ref: str) -> str:
    return f"vanity:{channel_key}:{ref}"


def refund_key(channel_key: str, ref: str) -> str:
    return f"vanity-refund:{channel_key}:{ref}"


def fortune_ref(user_key: str, day: str, attempt: int = 1) -> str:
    """The fortune's purchase ref: the fact (user, UTC day). A later attempt on the same day exists only
    when an earlier one was refused (the ledger keeps a refusal as the key's answer)."""
    base = f"fortune:{user_key}:{day}"
    return base if attempt <= 1 else f"{base}:{attempt}"


# ---- time --------------------------------------------------------------------------------------------
def cooldown_left_ms(last_ms: int | None, now_ms: int, cooldown_minutes: int) -> int:
    if last_ms is None or cooldown_minutes <= 0:
        return 0
    return max(0, last_ms + cooldown_minutes * 60_000 - now_ms)


def minutes_left(left_ms: int) -> int:
    """Whole minutes, rounded up: 1 ms → 1, exactly 5 min → 5 (the plan said 6; sprint 5 §14.14)."""
    return -(-max(0, left_ms) // 60_000)


def fortune_index(user_key: str, day: str, count: int) -> int:
    """A stable choice from (user, day): sha256, not Python's salted ``hash()``."""
    if count <= 0:
        raise ValueError("no fortunes")
    digest = hashlib.sha256(f"{user_key}|{day}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count
