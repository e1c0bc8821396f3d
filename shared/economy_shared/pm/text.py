"""Text helpers: parsing a PM and splitting a reply to CyTube's PM length."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ParsedCommand:
    word: str
    args: list[str]
    rest: str  # everything after the word, whitespace-trimmed, original case


def parse_command(raw: str) -> ParsedCommand | None:
    """``html.unescape`` then split into a lower-cased word and its arguments; None for empty text."""
    text = _CONTROL.sub(" ", html.unescape(raw or "")).strip()
    if not text:
        return None
    word, _, rest = text.partition(" ")
    rest = rest.strip()
    return ParsedCommand(word=word.lower(), args=rest.split(), rest=rest)


def split_message(text: str, limit: int = 240) -> list[str]:
    """Split on line boundaries into chunks of at most ``limit`` characters; long lines break on spaces."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines() or [""]:
        for piece in _wrap_line(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    chunks.append(current)
                current = piece
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def _wrap_line(line: str, limit: int) -> list[str]:
    if len(line) <= limit:
        return [line]
    pieces: list[str] = []
    current = ""
    for word in line.split(" "):
        while len(word) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces


_AMOUNT = re.compile(r"[0-9]+(?:,[0-9]{3})*|[0-9]+(?:_[0-9]{3})*", re.ASCII)
MAX_AMOUNT = 10**15 - 1


def parse_amount(token: str) -> int | None:
    """A positive whole amount as a user types it: ``50``, ``1,000``, ``1_000``. None if not one.

    ASCII digits only: ``str.isdigit`` also accepts ``²`` (which ``int`` then rejects) and full-width
    ``１０`` (which ``int`` accepts), so neither may reach a wager or a price.
    """
    cleaned = token.strip()
    if not _AMOUNT.fullmatch(cleaned):
        return None
    value = int(cleaned.replace(",", "").replace("_", ""))
    return value if 0 < value <= MAX_AMOUNT else None


def strip_at(name: str) -> str:
    return name.strip().lstrip("@").strip()
