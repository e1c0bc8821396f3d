"""Rank SQL: rank-ups recorded in the posting's own transaction, and the notices waiting to be told.

A rank-up is found where the earning is applied (no polling of every account) and written as a
``rank_notices`` row in the same transaction as the posting, so a crash can neither lose it nor
tell it twice: the notifier (rank_notifier.py) tells it, then marks it told. A CyTube promotion the
rank grants stays on the row (``promotion``: pending → done / skipped / failed) until it is settled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from economy_shared.channels import channel_key
from economy_shared.config.progression import RankSettings
from economy_shared.db import Database
from economy_shared.users import user_key

from .rank_rules import rank_index, rank_up


class RankedAccount(Protocol):
    key: str
    display: str
    deltas: dict[str, int]
    lifetime_earned: int
    rank_reached: int | None
    rank_floor: str | None


async def record_rank_ups(
    conn: Any, ranks: RankSettings, channel: str, touched: Iterable[RankedAccount], now_ms: int
) -> tuple[dict[str, int], bool]:
    """The new ``rank_reached`` per account whose earnings moved it, and whether a notice was written.

    An account whose ``rank_reached`` is unknown (created before ranks were tracked) gets it set to
    where it stood before this posting, so only a tier crossed now is announced.
    """
    reached: dict[str, int] = {}
    notices = []
    for a in touched:
        earned = a.deltas.get("lifetime_earned", 0)
        if earned <= 0 and a.rank_reached is not None:
            continue
        before = a.rank_reached if a.rank_reached is not None else rank_index(ranks, a.lifetime_earned, a.rank_floor)
        after = rank_index(ranks, a.lifetime_earned + earned, a.rank_floor)
        reached[a.key] = max(before, after)
        up = rank_up(ranks, before, after)
        if up is not None:
            notices.append((channel, a.key, a.display, up.from_index, up.to_index, up.rank_name, up.cytube_level,
                            "pending" if up.cytube_level else None, now_ms))
    if notices:
        await conn.executemany(
            "INSERT INTO rank_notices (channel, user_key, display_name, from_index, to_index, rank_name, "
            "cytube_level, promotion, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            notices,
        )
    return reached, bool(notices)


@dataclass(frozen=True)
class RankNotice:
    id: int
    channel: str  # the channel key
    user: str  # display name
    from_index: int
    to_index: int
    rank_name: str
    cytube_level: int | None
    told: bool
    promotion: str | None  # None (no promotion), pending, done, skipped, failed
    attempts: int


class RankStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def due(self, now_ms: int, limit: int = 200) -> list[RankNotice]:
        """Notices not told yet, and promotions pending whose retry time has come; oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM rank_notices WHERE told=0 OR (promotion='pending' AND retry_ms <= ?) ORDER BY id LIMIT ?",
            (now_ms, limit),
        )
        return [
            RankNotice(r["id"], r["channel"], r["display_name"], r["from_index"], r["to_index"], r["rank_name"],
                       r["cytube_level"], bool(r["told"]), r["promotion"], r["attempts"])
            for r in rows
        ]

    async def mark_told(self, notice_id: int) -> None:
        await self.db.execute("UPDATE rank_notices SET told=1 WHERE id=?", (notice_id,))

    async def settle_promotion(self, notice_id: int, state: str, retry_ms: int = 0) -> None:
        """``state``: done, skipped or failed; or pending again with the next attempt at ``retry_ms``."""
        await self.db.execute(
            "UPDATE rank_notices SET promotion=?, attempts=attempts+1, retry_ms=? WHERE id=?",
            (state, retry_ms, notice_id),
        )

    async def floor_and_lifetime(self, channel: str, name: str) -> tuple[str | None, int] | None:
        row = await self.db.fetchone(
            "SELECT rank_floor, lifetime_earned FROM accounts WHERE channel=? AND user_key=?",
            (channel_key(channel), user_key(name)),
        )
        return (row["rank_floor"], int(row["lifetime_earned"])) if row else None

    async def floors_and_lifetimes(self, channel: str, names: list[str]) -> dict[str, tuple[str | None, int]]:
        """``floor_and_lifetime`` for many users in one query, keyed by user key (absent: no account)."""
        keys = sorted({user_key(n) for n in names})
        marks = ",".join("?" * len(keys))
        rows = await self.db.fetchall(
            f"SELECT user_key, rank_floor, lifetime_earned FROM accounts WHERE channel=? AND user_key IN ({marks})",
            (channel_key(channel), *keys),
        )
        return {r["user_key"]: (r["rank_floor"], int(r["lifetime_earned"])) for r in rows}
