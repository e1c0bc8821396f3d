"""The managed chat-colour block in a channel's CSS (pure: no I/O, total on any input).

CyTube renders a chat line as ``<div class="chat-msg-<name>"> … <strong class="username">name: </strong>``,
so one rule per owner colours the name: ``.chat-msg-<name> .username { color: #RRGGBB !important; }``.
The rules sit between two fixed marker comments; everything outside the markers is the operator's and is
kept byte for byte. A merge refuses (``None``) rather than guess — two begin markers, a begin without its
end, an end without a begin — and rather than truncate: CyTube refuses channel CSS over 20,000
characters (a JavaScript ``length``, i.e. UTF-16 code units), so a merge that would exceed it is refused.

Names are CyTube's ``[A-Za-z0-9_-]{1,20}`` and nothing else: after the ``chat-msg-`` prefix every one of
those characters is a literal CSS identifier character (no escape needed, the class is case-sensitive
like CyTube's), and any other name is skipped — never written into the CSS (lessons 20: names keep their
exact case). Colours must be ``#RRGGBB``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

BEGIN = "/* kryten-economy chat colours: begin — managed by the bot, edits inside are replaced */"
END = "/* kryten-economy chat colours: end */"
MAX_CSS_LENGTH = 20_000  # CyTube's limit on channel CSS (characters as JavaScript counts them)

_NAME = re.compile(r"[A-Za-z0-9_-]{1,20}")
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")

Refusal = Literal["", "markers", "too_long"]


def safe_name(name: object) -> str | None:
    """The name if CyTube could have issued it (so it is safe in a selector), else None."""
    return name if isinstance(name, str) and _NAME.fullmatch(name) else None


def safe_hex(value: object) -> str | None:
    return value if isinstance(value, str) and _HEX.fullmatch(value) else None


def css_length(css: str) -> int:
    """The length CyTube checks (JavaScript ``String.length``: UTF-16 code units)."""
    return len(css.encode("utf-16-le", "surrogatepass")) // 2


def rule(name: str, hex_code: str) -> str | None:
    """One user's rule, or None when the name or the colour is not safe."""
    user, colour = safe_name(name), safe_hex(hex_code)
    if user is None or colour is None:
        return None
    return f".chat-msg-{user} .username {{ color: {colour} !important; }}"


def build_block(colours: Mapping[str, str]) -> str:
    """The managed block for {display name → #RRGGBB}: markers around one rule per safe owner, sorted."""
    rules = sorted(
        ((name.casefold(), name, r) for name, hex_code in colours.items()
         if isinstance(name, str) and (r := rule(name, hex_code)) is not None),
    )
    return "\n".join([BEGIN, *(r for _, _, r in rules), END])


EMPTY_BLOCK = build_block({})


@dataclass(frozen=True)
class Merged:
    css: str | None  # None: refused
    refusal: Refusal = ""


def merge_checked(current: str, block: str) -> Merged:
    """``current`` with its managed block replaced by ``block`` (or ``block`` appended), or why not."""
    begins, ends = current.count(BEGIN), current.count(END)
    if begins == 0 and ends == 0:
        if block == EMPTY_BLOCK:
            return Merged(current)  # nobody owns a colour: the operator's CSS is not touched at all
        sep = "" if current == "" or current.endswith("\n") else "\n"
        merged = f"{current}{sep}{block}\n"
    elif begins == 1 and ends == 1:
        start, stop = current.index(BEGIN), current.index(END)
        if stop < start:
            return Merged(None, "markers")
        merged = current[:start] + block + current[stop + len(END):]
    else:  # a begin without its end (or the reverse, or duplicates): never eat the operator's CSS
        return Merged(None, "markers")
    if merged != current and css_length(merged) > MAX_CSS_LENGTH:
        return Merged(None, "too_long")
    return Merged(merged)


def merge(current: str, block: str) -> str | None:
    """The merged CSS, or None when the merge is refused (broken markers, over CyTube's size limit)."""
    return merge_checked(current, block).css
