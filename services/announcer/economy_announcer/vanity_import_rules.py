"""Taking over vanity from the original kryten-economy (issue 14), pure rules: no I/O.

Each item goes through the very checks a purchase uses (vanity_rules.check_value: ``public_text`` for
greeting and title, the rename rules for the personal currency name, an http(s) link with a host for a
GIF). The original stored a bought colour as its hex: a hex that is exactly a palette entry's becomes
that entry; any other well-formed ``#rgb``/``#rrggbb`` is kept as a custom colour (``#RRGGBB``), which
the vanity store and the chat-colour CSS understand (vanity_rules.custom_hex). An item that fails is
not stored and is named in the outcome's ``skipped`` ("<part>: <why>"); the user's other items are.
An item the user already owns here is kept (bought here, after the original's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from economy_shared.config import EconomyConfig
from economy_shared.config.vanity import PaletteColor
from economy_shared.schemas.imports import ImportedVanity

from .vanity_rules import check_value, cut, find_color, valid_gif_url

_HEX = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")

# (field of ImportedVanity, the purchase word whose checks apply, the vanity_items row it fills)
TEXT_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("greeting", "greeting", "greeting"),
    ("title", "title", "title"),
    ("gif_url", "gif", "gif"),
    ("currency_name", "rename", "currency_name"),
)


def hex6(raw: str) -> str | None:
    """``#rgb``/``#rrggbb`` (any case) as ``#RRGGBB``; None for anything else."""
    text = raw.strip()
    if not _HEX.fullmatch(text):
        return None
    digits = text[1:] if len(text) == 7 else "".join(ch * 2 for ch in text[1:])
    return "#" + digits.upper()


def import_color(palette: list[PaletteColor], raw: str) -> tuple[str, str]:
    """(value to store, "") or ("", why): a palette name (any case), a palette entry's hex, or a custom hex."""
    found = find_color(palette, raw)
    if found is not None:
        return found.name, ""
    code = hex6(raw)
    if code is None:
        return "", f"color: {cut(raw.strip())!r} is not a colour here"
    match = next((c for c in palette if c.hex.upper() == code), None)
    return (match.name if match is not None else code), ""


@dataclass(frozen=True)
class PendingGif:
    url: str
    cost: int
    created_ms: int | None


@dataclass
class VanityPlan:
    """What one entry stores: ``items`` {vanity_items item → value}, quiet mode, a pending GIF; ``skipped``."""

    items: dict[str, str] = field(default_factory=dict)
    quiet: bool = False
    pending_gif: PendingGif | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def colour(self) -> bool:
        return "color" in self.items


def _why(problem: str, detail: str, raw: str) -> str:
    if problem == "url":
        return f"{raw!r} is not an http(s) link with a host"
    if problem == "name":
        return f"{raw!r}: {detail}"
    return "nothing is left after cleaning"


def plan(config: EconomyConfig, entry: ImportedVanity, owned_here: set[str]) -> VanityPlan:
    """Check every item of ``entry``; ``owned_here`` are the vanity items the user already has here."""
    out = VanityPlan(quiet=entry.quiet)
    for name, word, item in TEXT_ITEMS:
        raw = getattr(entry, name)
        if raw is None or not raw.strip():
            continue  # not owned in the original
        checked = check_value(config, word, raw)
        if not checked.ok:
            out.skipped.append(f"{name}: {_why(checked.problem, checked.detail, cut(raw.strip()))}")
        elif item in owned_here:
            out.skipped.append(f"{name}: already set here (kept)")
        else:
            out.items[item] = checked.value
    if entry.color is not None and entry.color.strip():
        value, why = import_color(config.vanity_shop.chat_color.palette, entry.color)
        if why:
            out.skipped.append(why)
        elif "color" in owned_here:
            out.skipped.append("color: already set here (kept)")
        else:
            out.items["color"] = value
    if entry.pending_gif is not None:
        url = entry.pending_gif.url.strip()
        if valid_gif_url(url):
            out.pending_gif = PendingGif(url, entry.pending_gif.cost, entry.pending_gif.created_ms)
        else:
            out.skipped.append(f"pending_gif: {cut(url)!r} is not an http(s) link with a host"
                               + (f" ({entry.pending_gif.cost} not refunded here)" if entry.pending_gif.cost else ""))
    return out
