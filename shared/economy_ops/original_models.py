"""What ``original_db.read_original`` reads out of an original kryten-economy 0.x database (issue 14).

Plain values, as the original's rows spell them (names and channels NOT case-folded: the plan merges by
the folded key, DECISIONS 1). Timestamps are epoch milliseconds (UTC) through :func:`parse_ts_ms`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, Field

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_ts_ms(value: object) -> int | None:
    """One parser for every timestamp the original writes → epoch ms (UTC), None when absent/unreadable.

    The original stores SQLite ``CURRENT_TIMESTAMP`` ('YYYY-MM-DD HH:MM:SS', UTC, naive) and, from Python,
    ``datetime.isoformat()`` strings (with 'T', fractions and '+00:00'); a naive value is UTC, like the
    original's own ``utils.parse_timestamp``. Numbers are taken as epoch seconds (or ms when huge).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value if value > 10**11 else value * 1000)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def parse_day(value: object) -> str | None:
    """A streak day as 'YYYY-MM-DD' (the original writes exactly that; a full timestamp gives its UTC date)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if _DAY.match(text):
        return text
    ms = parse_ts_ms(text)
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


class OrigAccount(BaseModel):
    username: str
    channel: str
    balance: int = 0
    lifetime_earned: int = 0
    lifetime_spent: int = 0
    lifetime_gambled_in: int = 0
    lifetime_gambled_out: int = 0
    rank_name: str | None = None
    chat_color: str | None = None
    custom_greeting: str | None = None
    custom_title: str | None = None
    channel_gif_url: str | None = None
    channel_gif_approved: bool = False
    personal_currency_name: str | None = None
    welcome_wallet_claimed: bool = False
    economy_banned: bool = False
    quiet_mode: bool = False
    first_seen_ms: int | None = None
    last_seen_ms: int | None = None
    last_active_ms: int | None = None


class OrigStreak(BaseModel):
    username: str
    channel: str
    current: int = 0
    longest: int = 0
    last_date: str | None = None  # as stored (the plan normalizes it with parse_day)


class OrigAchievement(BaseModel):
    username: str
    channel: str
    achievement_id: str
    awarded_ms: int | None = None


class OrigVanityItem(BaseModel):
    username: str
    channel: str
    item_type: str
    value: str
    active: bool = True
    purchased_ms: int | None = None
    row_id: int = 0


class OrigBan(BaseModel):
    username: str
    channel: str
    banned_by: str = ""
    reason: str = ""
    banned_ms: int | None = None


class OrigBounty(BaseModel):
    """An OPEN bounty (its amount was debited from the creator when it was posted)."""

    id: int
    creator: str
    channel: str
    description: str = ""
    amount: int = 0
    created_ms: int | None = None
    expires_ms: int | None = None


class OrigApproval(BaseModel):
    """A pending_approvals row that matters: every PENDING one (its cost is paid) and approved GIFs."""

    id: int
    username: str
    channel: str
    type: str
    data: str = ""
    cost: int = 0
    status: str = "pending"
    created_ms: int | None = None
    resolved_ms: int | None = None


class OrigTipSum(BaseModel):
    """tip_history summed per (name as spelled, channel)."""

    username: str
    channel: str
    sent: int = 0
    received: int = 0


class OrigChallenge(BaseModel):
    """A challenge still 'pending': the original took the wager from the challenger when it was made."""

    id: int
    challenger: str
    target: str
    channel: str
    wager: int = 0
    created_ms: int | None = None
    expires_ms: int | None = None


class TableCount(BaseModel):
    """Rows of a table (or a slice of one) that the import does not carry; channel "" = the whole file."""

    table: str
    channel: str = ""
    rows: int


class OriginalDump(BaseModel):
    path: str = ""
    tables: list[str] = Field(default_factory=list)  # the tables the file has (older 0.x files lack some)
    accounts: list[OrigAccount] = Field(default_factory=list)
    streaks: list[OrigStreak] = Field(default_factory=list)
    achievements: list[OrigAchievement] = Field(default_factory=list)
    vanity_items: list[OrigVanityItem] = Field(default_factory=list)
    bans: list[OrigBan] = Field(default_factory=list)
    bounties: list[OrigBounty] = Field(default_factory=list)
    approvals: list[OrigApproval] = Field(default_factory=list)
    tips: list[OrigTipSum] = Field(default_factory=list)
    challenges: list[OrigChallenge] = Field(default_factory=list)
    not_carried: list[TableCount] = Field(default_factory=list)

    def channels(self) -> list[str]:
        """Every channel spelling that appears in a carried table, first-seen order."""
        seen: dict[str, None] = {}
        for rows in (self.accounts, self.streaks, self.achievements, self.vanity_items, self.bans,
                     self.bounties, self.approvals, self.tips, self.challenges):
            for row in rows:
                seen.setdefault(row.channel, None)
        return list(seen)
