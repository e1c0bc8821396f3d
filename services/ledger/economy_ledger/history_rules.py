"""``history [n]`` in words: what, signed amount, when (UTC), with whom — newest first (sprint5 §6).

The original's mistakes are fixed: the sign comes from the amount (debits are stored negative, so
"--250" cannot happen and refunds or payouts are never shown as debits), and a row without a reason
is named by its kind, never "None". Lines stay short: the voice splits the reply at 240 characters
on line boundaries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from economy_shared.clock import from_ms
from economy_shared.users import user_key

DEFAULT_ROWS = 10
MAX_ROWS = 25
_WHAT_LIMIT = 40

KIND_WORDS = {
    "earn": "earned",
    "spend": "spent",
    "refund": "refund",
    "wager": "wager",
    "payout": "winnings",
    "transfer": "tip",
    "admin": "admin adjustment",
    "escrow": "escrow",
    "maintenance": "vault fee",
}


def rows_wanted(args: list[str]) -> int:
    """``history``, ``history 5``, ``history 100`` (→ 25); anything not a number is the default."""
    if not args:
        return DEFAULT_ROWS
    token = args[0].strip()
    if not token.isascii() or not token.isdigit():
        return DEFAULT_ROWS
    return clamp_rows(int(token))


def clamp_rows(n: int) -> int:
    return max(1, min(MAX_ROWS, n))


def _what(row: Mapping[str, Any]) -> str:
    what = (row.get("reason") or "").strip() or KIND_WORDS.get(str(row.get("kind")), str(row.get("kind")))
    what = " ".join(what.split())
    return what if len(what) <= _WHAT_LIMIT else what[: _WHAT_LIMIT - 1] + "…"


def history_line(row: Mapping[str, Any], symbol: str) -> str:
    """``+500 Z · tip from Alice · Jan 05 12:00`` (the other person is added when the reason lacks them)."""
    amount = int(row["amount"])
    what = _what(row)
    other = row.get("related_user")
    if other and user_key(other) not in what.casefold():
        what = f"{what} (with {other})"
    when = from_ms(int(row["created_ms"])).strftime("%b %d %H:%M")
    return f"{'+' if amount > 0 else '-'}{abs(amount):,} {symbol} · {what} · {when}"


def history_text(rows: list[Mapping[str, Any]], symbol: str) -> str:
    if not rows:
        return "📜 No transactions yet. Stick around and earn some!"
    n = len(rows)
    head = f"📜 Your last {n} transaction{'s' if n != 1 else ''} (UTC, newest first):"
    return "\n".join([head, *(history_line(r, symbol) for r in rows)])
