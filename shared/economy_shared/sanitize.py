"""One sanitiser for any user-written text the bot repeats in public (DECISIONS 20).

CyTube runs a chat line that starts with ``/`` as a command at the *bot's* rank, so a greeting,
shoutout, title, bounty description or admin ``announce`` must never start with one. Control and
formatting characters (including bidi overrides) are removed, whitespace is collapsed, and the
result is capped in length.
"""

from __future__ import annotations

import unicodedata

DEFAULT_LIMIT = 200
ELLIPSIS = "…"

# Cc: control characters; Cf: invisible formatting (bidi overrides, zero-width joiners);
# Cs/Co/Cn: surrogates, private use and unassigned code points.
_DROP = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def public_text(text: str, limit: int = DEFAULT_LIMIT) -> str:
    """``text`` made safe to say in public chat: may be empty, never starts with ``/``, at most ``limit`` chars."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    kept = "".join(" " if ch.isspace() else ch for ch in text if unicodedata.category(ch) not in _DROP or ch.isspace())
    collapsed = " ".join(kept.split())
    cleaned = collapsed.lstrip("/ ")
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + ELLIPSIS
    return cleaned
