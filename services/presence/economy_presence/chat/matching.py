"""Reading chat text: names, kudos, laughs, GIFs and emotes. Pure functions, no I/O.

Names match whole (DECISIONS 12): a CyTube name is ``[\\w-]{1,20}``, so the text is split into
``[\\w-]+`` tokens and a name is mentioned only when a token *equals* it, case-insensitively.
"al" is therefore not a mention of "alice", and "bob" not of "bobby". URLs are removed first,
so a link containing a name mentions nobody.
"""

from __future__ import annotations

import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_TOKEN = re.compile(r"[\w-]+")

# `name++` / `@name++` and `++name` / `++@name`. The look-arounds keep a match from starting or
# ending inside another token: "alice+++" and "alice++bob" give nothing, "c++" gives "c" (which
# pays only if a user called "c" exists).
_KUDOS = re.compile(
    r"(?<![\w+@-])@?([\w-]+)\+\+(?![\w+])"
    r"|(?<![\w+-])\+\+@?([\w-]+)(?![\w+-])"
)

# A laugh is a token that is wholly a laugh word, or a laughing emoji anywhere. "hehehe", "lolol"
# and "hahah" are laughs; "ha", "hello" and "shah" are not. "dead" counts only as the whole line
# ("dead", "i'm dead"), not inside an ordinary sentence.
_LAUGH_TOKEN = re.compile(
    r"l+o+l+(?:o+l+)*|lmf?a+o+|rofl+(?:mao)?|kek+|xd+|(?:h+[ae]+){2,}h*|a+(?:h+a+){2,}h*"
)
_LAUGH_EMOJI = re.compile("[\U0001f602\U0001f923\U0001f480\U0001f639\U0001f606]")
_DEAD_LINE = re.compile(r"(?:i['’]?m\s+)?(?:dead|dying|ded)[.!]*")
_LETTERS = re.compile(r"[^\W\d_]+")

# At most one GIF per message: a URL ending in .gif/.gifv (optionally with ?query), or a link to
# Giphy or Tenor on any of their hosts (www., media1., media.).
_GIF = re.compile(
    r"https?://\S+?\.gifv?(?:[?#]\S*)?(?=\s|$)"
    r"|https?://(?:[\w-]+\.)*(?:giphy\.com|gph\.is|tenor\.com)/\S+",
    re.IGNORECASE,
)


def clean(raw: str) -> str:
    """CyTube sends chat HTML-escaped; undo that and drop control characters."""
    return _CONTROL.sub(" ", html.unescape(raw or ""))


def name_tokens(text: str) -> set[str]:
    """Case-folded tokens that could be usernames (URLs removed)."""
    out: set[str] = set()
    for tok in _TOKEN.findall(_URL.sub(" ", text).casefold()):
        out.add(tok)
        trimmed = tok.strip("-")
        if trimmed and trimmed != tok:
            out.add(trimmed)
    return out


def kudos_targets(text: str) -> list[str]:
    """Case-folded kudos targets in order of appearance, each once."""
    seen: list[str] = []
    for post, pre in _KUDOS.findall(_URL.sub(" ", text)):
        key = (post or pre).casefold()
        if key and key not in seen:
            seen.append(key)
    return seen


def is_laugh(text: str) -> bool:
    if _LAUGH_EMOJI.search(text):
        return True
    folded = text.casefold().strip()
    if _DEAD_LINE.fullmatch(folded):
        return True
    return any(_LAUGH_TOKEN.fullmatch(tok) for tok in _LETTERS.findall(folded))


def has_gif(text: str) -> bool:
    return _GIF.search(text) is not None


def emotes_in(text: str, known: frozenset[str]) -> set[str]:
    """Known emote names used in the message: whole whitespace-separated tokens, case-sensitive."""
    if not known:
        return set()
    return {tok for tok in text.split() if tok in known}
