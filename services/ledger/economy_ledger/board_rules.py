"""Pure leaderboard and profile rules: categories, the UTC day, the distribution, and the wording.

Boards count only what DECISIONS 5 calls earnings (kind ``earn``: the postings that raise
``lifetime_earned``), never tips, gambling payouts, refunds or admin grants. A rank is always
computed from ``lifetime_earned`` and the admin floor (rank_rules.py), never read from a stored name.
System accounts, economy-banned accounts and ignored users never appear (the store filters them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from economy_shared.config.progression import RankSettings

from .rank_rules import floor_index

EARNERS, RICH, LIFETIME, RANKS = "earners", "rich", "lifetime", "ranks"
ALIASES: dict[str, str] = {
    "earners": EARNERS, "today": EARNERS,
    "rich": RICH, "balance": RICH, "balances": RICH,
    "lifetime": LIFETIME, "all": LIFETIME,
    "ranks": RANKS,
}
VALID = tuple(ALIASES)  # every word a caller may send, canonical names first within each group
USAGE = "Usage: top [earners|rich|lifetime|ranks]"
MEDALS = ("🥇", "🥈", "🥉")
RULE = "━" * 30
KEEP_DAYS = 3  # days of daily_earnings kept (today, plus a margin for a clock near midnight)


def category_of(word: str | None) -> str | None:
    """The canonical category for a word (none = today's earners); None for an unknown word."""
    if word is None or not word.strip():
        return EARNERS
    return ALIASES.get(word.strip().casefold())


def utc_day(now: datetime) -> str:
    """The UTC date a moment belongs to (DECISIONS 2): ``YYYY-MM-DD``."""
    return now.astimezone(UTC).date().isoformat()


def day_of_ms(ms: int) -> str:
    return utc_day(datetime.fromtimestamp(ms / 1000, tz=UTC))


def oldest_kept(day: str, keep: int = KEEP_DAYS) -> str:
    """The oldest day still kept when ``day`` is today; older rows are pruned."""
    return (datetime.fromisoformat(day).date() - timedelta(days=keep - 1)).isoformat()


@dataclass(frozen=True)
class BoardRow:
    user: str  # display name
    amount: int
    rank_name: str | None = None  # shown on the rich and lifetime boards


@dataclass(frozen=True)
class Board:
    category: str
    rows: list[BoardRow] = field(default_factory=list)
    distribution: dict[str, int] = field(default_factory=dict)  # ranks: tier → count (> 0), ladder order


def distribution(ranks: RankSettings, groups: Iterable[tuple[int, str | None, int]]) -> dict[str, int]:
    """Accounts per tier from ``(tier index by lifetime, rank floor, count)`` groups; the floor lifts a
    group (DECISIONS 17). Tiers with nobody are left out; the ladder's order is kept."""
    counts = [0] * len(ranks.tiers)
    for index, floor, n in groups:
        counts[max(index, floor_index(ranks, floor))] += n
    return {t.name: c for t, c in zip(ranks.tiers, counts, strict=True) if c > 0}


def position(i: int) -> str:
    """🥇 🥈 🥉 for the first three rows, then ``4.`` … (i counts from 0)."""
    return MEDALS[i] if i < len(MEDALS) else f"{i + 1}."


HEADERS = {
    EARNERS: "🏆 Today's top earners",
    RICH: "💰 Richest",
    LIFETIME: "📈 Highest lifetime earnings",
    RANKS: "⭐ Rank distribution",
}
EMPTY = {
    EARNERS: "No earnings recorded today yet.",
    RICH: "No accounts yet.",
    LIFETIME: "No accounts yet.",
    RANKS: "No accounts yet.",
}


def board_text(board: Board, symbol: str) -> str:
    """The PM reply for one board (§1.9)."""
    if board.category == RANKS:
        if not board.distribution:
            return EMPTY[RANKS]
        return "\n".join([HEADERS[RANKS], *(f"{name}: {n:,}" for name, n in board.distribution.items())])
    if not board.rows:
        return EMPTY[board.category]
    lines = [HEADERS[board.category]]
    for i, row in enumerate(board.rows):
        rank = f" ({row.rank_name})" if row.rank_name else ""
        lines.append(f"{position(i)} {row.user} — {row.amount:,} {symbol}{rank}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Profile:
    user: str  # display name
    rank_name: str
    balance: int
    lifetime_earned: int
    banned: bool = False
    streak_days: int | None = None  # None: presence did not answer
    gambling_games: int | None = None  # None: the gambling service did not answer
    gambling_net: int = 0
    achievements: int | None = None  # None: not known (achievements wired by the lead)
    title: str = ""  # the vanity title bought in the shop ("" = none, or the announcer did not answer)
    vanity: str = ""  # the vanity line (vanity_lookup.vanity_bits); "" = nothing owned or no answer


def profile_text(p: Profile, symbol: str, currency: str) -> str:
    """The PM reply for ``profile`` (§3): optional lines only when their source answered."""
    lines = [
        f"👤 {p.user}'s profile" + (f" — “{p.title}”" if p.title else ""),
        RULE,
        f"⭐ Rank: {p.rank_name}",
        f"💰 Balance: {p.balance:,} {symbol} ({currency})",
        f"📈 Lifetime earned: {p.lifetime_earned:,} {symbol}",
    ]
    if p.streak_days is not None:
        lines.append(f"🔥 Streak: {p.streak_days} day{'s' if p.streak_days != 1 else ''}")
    if p.achievements:
        lines.append(f"🏅 Achievements: {p.achievements} earned")
    if p.gambling_games:
        games = f"{p.gambling_games:,} game{'s' if p.gambling_games != 1 else ''}"
        lines.append(f"🎰 Gambling: {games}, net {p.gambling_net:+,} {symbol}")
    if p.vanity:
        lines.append(p.vanity)
    if p.banned:
        lines.append("⛔ This account is frozen by the channel admins.")
    return "\n".join(lines)


def not_found_text(name: str) -> str:
    return f"No wallet found for '{name}'."


def target_of(args: list[str], sender: str) -> str:
    """``profile [@user]``: the named user with any leading ``@`` stripped, else the sender."""
    if not args:
        return sender
    name = args[0].lstrip("@").strip()
    return name or sender
