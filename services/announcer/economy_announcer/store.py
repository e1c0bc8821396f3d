"""The announcer's SQLite file: users in quiet mode (pacing and dedup state live in memory), and the
vanity shop's tables (its SQL lives in vanity_store.py and approval_store.py)."""

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
    # vanity shop (issue 12): owned items, purchases (charge -> apply -> refund), shoutout cooldowns,
    # fortunes by UTC day, GIF approvals. Times are epoch ms (UTC); users by case-folded key.
    [
        """CREATE TABLE vanity_items (
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            item TEXT NOT NULL,
            display_name TEXT NOT NULL,
            value TEXT NOT NULL,
            purchase_id INTEGER,
            updated_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, user_key, item)
        ) WITHOUT ROWID""",
        "CREATE INDEX vanity_items_by_item ON vanity_items (channel, item)",
        """CREATE TABLE purchases (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            display_name TEXT NOT NULL,
            item TEXT NOT NULL,
            value TEXT NOT NULL,
            price INTEGER NOT NULL,
            ref TEXT NOT NULL,
            charge_key TEXT NOT NULL UNIQUE,
            refund_key TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL,
            error_code TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT '',
            balance INTEGER,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            UNIQUE (channel, ref)
        )""",
        "CREATE INDEX purchases_open ON purchases (state, updated_ms) WHERE state IN ('charging', 'refunding')",
        """CREATE TABLE shoutout_cooldowns (
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            last_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, user_key)
        ) WITHOUT ROWID""",
        """CREATE TABLE fortunes (
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            day TEXT NOT NULL,
            fortune TEXT NOT NULL,
            price INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, user_key, day)
        ) WITHOUT ROWID""",
        """CREATE TABLE gif_approvals (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            display_name TEXT NOT NULL,
            url TEXT NOT NULL,
            cost INTEGER NOT NULL,
            purchase_id INTEGER UNIQUE,
            status TEXT NOT NULL DEFAULT 'pending',
            created_ms INTEGER NOT NULL,
            resolved_by TEXT NOT NULL DEFAULT '',
            resolved_ms INTEGER,
            refund_state TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX gif_approvals_by_status ON gif_approvals (channel, status, user_key)",
    ],
    # moving in from the original kryten-economy (issue 14, vanity_import.py): who was imported, from which
    # entry (its hash: the same entry again changes nothing)
    [
        """CREATE TABLE imported_vanity (
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            display_name TEXT NOT NULL,
            entry_hash TEXT NOT NULL,
            imported_ms INTEGER NOT NULL,
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

    def remember_quiet(self, channel: str, user: str) -> None:
        """A quiet row another transaction wrote (the vanity import, issue 14): the cache follows it."""
        self._quiet.add((channel_key(channel), user_key(user)))

    def quiet_count(self) -> int:
        return len(self._quiet)
