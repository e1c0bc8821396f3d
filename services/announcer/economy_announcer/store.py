"""The announcer's SQLite file: users in quiet mode (pacing and dedup state live in memory)."""

from __future__ import annotations

from economy_shared.channels import channel_key
from economy_shared.db import Database
from economy_shared.users import user_key

MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE quiet_users (
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            display_name TEXT NOT NULL,
            since_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, user_key)
        ) WITHOUT ROWID""",
    ],
]


class AnnouncerStore:
    """Quiet mode is read on every unsolicited PM, so it is cached in memory and written through."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._quiet: set[tuple[str, str]] = set()

    async def load(self) -> None:
        rows = await self._db.fetchall("SELECT channel, user_key FROM quiet_users")
        self._quiet = {(row["channel"], row["user_key"]) for row in rows}

    def is_quiet(self, channel: str, user: str) -> bool:
        return (channel_key(channel), user_key(user)) in self._quiet

    async def set_quiet(self, channel: str, user: str, quiet: bool, now_ms: int) -> None:
        key = (channel_key(channel), user_key(user))
        if quiet:
            await self._db.execute(
                """INSERT INTO quiet_users (channel, user_key, display_name, since_ms) VALUES (?, ?, ?, ?)
                   ON CONFLICT (channel, user_key) DO UPDATE SET display_name = excluded.display_name""",
                (*key, user.strip(), now_ms),
            )
            self._quiet.add(key)
        else:
            await self._db.execute("DELETE FROM quiet_users WHERE channel = ? AND user_key = ?", key)
            self._quiet.discard(key)

    def quiet_count(self) -> int:
        return len(self._quiet)
