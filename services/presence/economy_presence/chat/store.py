"""SQL for chat earning: caps, channel chat state, the current play, likes, activity, analytics.

The tables are migration 3 of the presence database (``..migrations``). Everything the chat
path changes is written behind in one transaction per flush (``write``); likes are written
through because a ``like`` is a PM command, not the hot path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from economy_shared.db import Database

from .activity import ACTIVITY_FIELDS, ActivityBatch
from .limits import LimitRow

KEEP_TRIGGER_USERS_DAYS = 90

_COUNTER_COLS = ", ".join(ACTIVITY_FIELDS)
_ACTIVITY_UPSERT = (
    f"INSERT INTO daily_activity (channel, user_key, day, {_COUNTER_COLS}) "
    f"VALUES (?,?,?,{','.join('?' * len(ACTIVITY_FIELDS))}) ON CONFLICT(channel, user_key, day) DO UPDATE SET "
    + ", ".join(f"{c}={c}+excluded.{c}" for c in ACTIVITY_FIELDS)
)


@dataclass
class FlushBatch:
    limits: list[LimitRow] = field(default_factory=list)
    activity: ActivityBatch = field(default_factory=ActivityBatch)
    channels: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)
    plays: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # None: nothing playing
    carries: dict[tuple[str, str], int] = field(default_factory=dict)  # (channel, user) -> milli
    carry_source: str = ""
    prune_ms: int | None = None  # drop counters that expired before this instant
    today: str = ""

    def empty(self) -> bool:
        return not (self.limits or self.channels or self.plays or self.carries or self.prune_ms) and (
            self.activity.empty()
        )


class ChatStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- loading at start -------------------------------------------------------------------------
    async def load_limits(self, now_ms: int) -> list[LimitRow]:
        rows = await self.db.fetchall(
            "SELECT channel, scope, win, count, expires_ms FROM chat_limits WHERE expires_ms > ?", (now_ms,)
        )
        return [LimitRow(r["channel"], r["scope"], r["win"], r["count"], r["expires_ms"]) for r in rows]

    async def load_channel(self, channel: str) -> tuple[int | None, str | None]:
        row = await self.db.fetchone(
            "SELECT last_message_ms, last_speaker FROM chat_channel WHERE channel=?", (channel,)
        )
        return (row["last_message_ms"], row["last_speaker"]) if row else (None, None)

    async def load_play(self, channel: str) -> tuple[dict[str, Any], set[str]] | None:
        row = await self.db.fetchone("SELECT * FROM chat_media WHERE channel=?", (channel,))
        if row is None:
            return None
        data = dict(row)
        try:
            present = json.loads(data.pop("present_json") or "{}")
        except ValueError:
            present = {}
        data["present"] = present if isinstance(present, dict) else {}
        likes = await self.db.fetchall(
            "SELECT user_key FROM chat_likes WHERE channel=? AND play_id=?", (channel, data["play_id"])
        )
        return data, {r["user_key"] for r in likes}

    async def load_carries(self, channel: str, source: str) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT user_key, milli FROM carries WHERE channel=? AND source=?", (channel, source)
        )
        return {r["user_key"]: r["milli"] for r in rows}

    # ---- likes (write-through) --------------------------------------------------------------------
    async def add_like(self, channel: str, play_id: str, user: str) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO chat_likes (channel, play_id, user_key) VALUES (?,?,?)", (channel, play_id, user)
        )

    async def remove_like(self, channel: str, play_id: str, user: str) -> None:
        await self.db.execute(
            "DELETE FROM chat_likes WHERE channel=? AND play_id=? AND user_key=?", (channel, play_id, user)
        )

    # ---- write-behind -----------------------------------------------------------------------------
    async def write(self, b: FlushBatch) -> None:
        async with self.db.transaction() as conn:
            if b.limits:
                await conn.executemany(
                    "INSERT INTO chat_limits (channel, scope, win, count, expires_ms) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(channel, scope, win) DO UPDATE SET count=excluded.count, "
                    "expires_ms=excluded.expires_ms",
                    [(r.channel, r.scope, r.window, r.count, r.expires_ms) for r in b.limits],
                )
            a = b.activity
            if a.counters:
                await conn.executemany(
                    _ACTIVITY_UPSERT,
                    [(ch, u, d, *(c.get(f, 0) for f in ACTIVITY_FIELDS)) for (ch, u, d), c in a.counters.items()],
                )
            if a.emotes:
                await conn.executemany(
                    "INSERT OR IGNORE INTO daily_emotes (channel, user_key, day, emote) VALUES (?,?,?,?)", a.emotes
                )
                touched = sorted({(ch, u, d) for ch, u, d, _ in a.emotes})
                await conn.executemany(
                    "UPDATE daily_activity SET unique_emotes_used=(SELECT COUNT(*) FROM daily_emotes e "
                    "WHERE e.channel=?1 AND e.user_key=?2 AND e.day=?3) WHERE channel=?1 AND user_key=?2 AND day=?3",
                    touched,
                )
            if a.hits:
                await conn.executemany(
                    "INSERT INTO trigger_analytics (channel, trigger_id, day, hits, z_awarded) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(channel, trigger_id, day) DO UPDATE SET hits=hits+excluded.hits, "
                    "z_awarded=z_awarded+excluded.z_awarded",
                    [(ch, t, d, h, z) for (ch, t, d), (h, z) in a.hits.items()],
                )
            if a.users:
                await conn.executemany(
                    "INSERT OR IGNORE INTO trigger_users (channel, trigger_id, day, user_key) VALUES (?,?,?,?)",
                    a.users,
                )
            if b.channels:
                await conn.executemany(
                    "INSERT INTO chat_channel (channel, last_message_ms, last_speaker) VALUES (?,?,?) "
                    "ON CONFLICT(channel) DO UPDATE SET last_message_ms=excluded.last_message_ms, "
                    "last_speaker=excluded.last_speaker",
                    [(ch, ms, who) for ch, (ms, who) in b.channels.items()],
                )
            for channel, play in b.plays.items():
                await self._write_play(conn, channel, play)
            if b.carries:
                await conn.executemany(
                    "INSERT INTO carries (channel, user_key, source, milli) VALUES (?,?,?,?) "
                    "ON CONFLICT(channel, user_key, source) DO UPDATE SET milli=excluded.milli",
                    [(ch, u, b.carry_source, m) for (ch, u), m in b.carries.items()],
                )
            if b.prune_ms is not None:
                await conn.execute("DELETE FROM chat_limits WHERE expires_ms <= ?", (b.prune_ms,))
                if b.today:
                    await conn.execute("DELETE FROM daily_emotes WHERE day < ?", (b.today,))
                    oldest = (date.fromisoformat(b.today) - timedelta(days=KEEP_TRIGGER_USERS_DAYS)).isoformat()
                    await conn.execute("DELETE FROM trigger_users WHERE day < ?", (oldest,))

    async def _write_play(self, conn: Any, channel: str, play: dict[str, Any] | None) -> None:
        old = await (await conn.execute("SELECT play_id FROM chat_media WHERE channel=?", (channel,))).fetchone()
        if old is not None and (play is None or old["play_id"] != play["play_id"]):
            await conn.execute("DELETE FROM chat_likes WHERE channel=? AND play_id=?", (channel, old["play_id"]))
        if play is None:
            await conn.execute("DELETE FROM chat_media WHERE channel=?", (channel,))
            return
        await conn.execute(
            "INSERT INTO chat_media (channel, play_id, media_type, media_id, uid, title, duration_s, started_ms, "
            "first_claimed, present_json) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(channel) DO UPDATE SET "
            "play_id=excluded.play_id, media_type=excluded.media_type, media_id=excluded.media_id, uid=excluded.uid, "
            "title=excluded.title, duration_s=excluded.duration_s, started_ms=excluded.started_ms, "
            "first_claimed=excluded.first_claimed, present_json=excluded.present_json",
            (
                channel, play["play_id"], play["media_type"], play["media_id"], play["uid"], play["title"],
                play["duration_s"], play["started_ms"], play["first_claimed"], json.dumps(play["present"]),
            ),
        )

    # ---- reads (admin, competitions, tests) ---------------------------------------------------------
    async def analytics(self, channel: str, day: str) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT a.trigger_id, a.hits, a.z_awarded, (SELECT COUNT(*) FROM trigger_users u WHERE "
            "u.channel=a.channel AND u.trigger_id=a.trigger_id AND u.day=a.day) AS unique_users "
            "FROM trigger_analytics a WHERE a.channel=? AND a.day=? ORDER BY a.hits DESC, a.trigger_id",
            (channel, day),
        )
        return [dict(r) for r in rows]

    async def activity(self, channel: str, day: str, user: str | None = None) -> list[dict[str, Any]]:
        if user is None:
            rows = await self.db.fetchall("SELECT * FROM daily_activity WHERE channel=? AND day=?", (channel, day))
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM daily_activity WHERE channel=? AND day=? AND user_key=?", (channel, day, user)
            )
        return [dict(r) for r in rows]
