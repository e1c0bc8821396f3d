"""The schema history of ``presence.db``: one list of statements per ``PRAGMA user_version``.

Every feature's tables are listed here (not imported from the feature packages), so opening the
database needs no feature code and the numbering of existing files never moves: 1 core, 2 time-based
rewards, 3 chat rewards, 4 unanswered tick credits (first version), 5 unanswered ledger requests of
any source and manual ticks (the double-payment fix).
"""

from __future__ import annotations

from economy_shared.stat_reports import STAT_DIRTY_TABLE, dirty_triggers

CORE: list[str] = [
    """CREATE TABLE users (
        channel TEXT NOT NULL, user_key TEXT NOT NULL, display TEXT NOT NULL,
        first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
        PRIMARY KEY (channel, user_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE sessions (
        channel TEXT NOT NULL, user_key TEXT NOT NULL, display TEXT NOT NULL,
        started_ms INTEGER NOT NULL, afk INTEGER NOT NULL DEFAULT 0, rank INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (channel, user_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE channel_ticks (
        channel TEXT PRIMARY KEY, last_slot INTEGER NOT NULL, last_tick_ms INTEGER NOT NULL
    )""",
    """CREATE TABLE carries (
        channel TEXT NOT NULL, user_key TEXT NOT NULL, source TEXT NOT NULL, milli INTEGER NOT NULL,
        PRIMARY KEY (channel, user_key, source)
    ) WITHOUT ROWID""",
    """CREATE TABLE daily_presence (
        channel TEXT NOT NULL, user_key TEXT NOT NULL, day TEXT NOT NULL,
        minutes INTEGER NOT NULL DEFAULT 0, active_minutes INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (channel, user_key, day)
    ) WITHOUT ROWID""",
]

TIMED: list[str] = [
    """CREATE TABLE timed_streaks (
        channel TEXT NOT NULL, user_key TEXT NOT NULL,
        current INTEGER NOT NULL DEFAULT 0, longest INTEGER NOT NULL DEFAULT 0, last_day TEXT,
        PRIMARY KEY (channel, user_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE timed_dwell (
        channel TEXT NOT NULL, day TEXT NOT NULL, user_key TEXT NOT NULL, hours INTEGER NOT NULL,
        PRIMARY KEY (channel, day, user_key, hours)
    ) WITHOUT ROWID""",
    """CREATE TABLE timed_bridge (
        channel TEXT NOT NULL, week TEXT NOT NULL, user_key TEXT NOT NULL,
        weekend INTEGER NOT NULL DEFAULT 0, weekday INTEGER NOT NULL DEFAULT 0,
        claimed INTEGER NOT NULL DEFAULT 0, reminded INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (channel, week, user_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE timed_rain (channel TEXT PRIMARY KEY, next_run_ms INTEGER NOT NULL)""",
    """CREATE TABLE timed_owed (
        id INTEGER PRIMARY KEY, channel TEXT NOT NULL, idem_key TEXT NOT NULL, user_display TEXT NOT NULL,
        amount INTEGER NOT NULL, trigger_id TEXT NOT NULL, reason TEXT NOT NULL, notice TEXT NOT NULL,
        announce TEXT, created_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        retry_ms INTEGER NOT NULL DEFAULT 0,
        UNIQUE (channel, idem_key)
    )""",
]

CHAT: list[str] = [
    """CREATE TABLE chat_limits (
        channel TEXT NOT NULL, scope TEXT NOT NULL, win TEXT NOT NULL,
        count INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
        PRIMARY KEY (channel, scope, win)
    ) WITHOUT ROWID""",
    "CREATE INDEX chat_limits_expiry ON chat_limits (expires_ms)",
    """CREATE TABLE chat_channel (
        channel TEXT PRIMARY KEY, last_message_ms INTEGER, last_speaker TEXT
    )""",
    """CREATE TABLE chat_media (
        channel TEXT PRIMARY KEY, play_id TEXT NOT NULL, media_type TEXT NOT NULL, media_id TEXT NOT NULL,
        uid INTEGER, title TEXT NOT NULL, duration_s INTEGER NOT NULL, started_ms INTEGER NOT NULL,
        first_claimed TEXT, present_json TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE chat_likes (
        channel TEXT NOT NULL, play_id TEXT NOT NULL, user_key TEXT NOT NULL,
        PRIMARY KEY (channel, play_id, user_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE daily_activity (
        channel TEXT NOT NULL, user_key TEXT NOT NULL, day TEXT NOT NULL,
        messages_sent INTEGER NOT NULL DEFAULT 0, long_messages INTEGER NOT NULL DEFAULT 0,
        gifs_posted INTEGER NOT NULL DEFAULT 0, unique_emotes_used INTEGER NOT NULL DEFAULT 0,
        kudos_given INTEGER NOT NULL DEFAULT 0, kudos_received INTEGER NOT NULL DEFAULT 0,
        laughs_received INTEGER NOT NULL DEFAULT 0, bot_interactions INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (channel, user_key, day)
    ) WITHOUT ROWID""",
    "CREATE INDEX daily_activity_by_day ON daily_activity (channel, day)",
    """CREATE TABLE daily_emotes (
        channel TEXT NOT NULL, user_key TEXT NOT NULL, day TEXT NOT NULL, emote TEXT NOT NULL,
        PRIMARY KEY (channel, user_key, day, emote)
    ) WITHOUT ROWID""",
    """CREATE TABLE trigger_analytics (
        channel TEXT NOT NULL, trigger_id TEXT NOT NULL, day TEXT NOT NULL,
        hits INTEGER NOT NULL DEFAULT 0, z_awarded INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (channel, trigger_id, day)
    ) WITHOUT ROWID""",
    """CREATE TABLE trigger_users (
        channel TEXT NOT NULL, trigger_id TEXT NOT NULL, day TEXT NOT NULL, user_key TEXT NOT NULL,
        PRIMARY KEY (channel, trigger_id, day, user_key)
    ) WITHOUT ROWID""",
]

# 4 (as first shipped): tick credits the ledger did not answer, with their exact key and body.
PENDING_POSTS: list[str] = [
    """CREATE TABLE pending_posts (
        channel TEXT NOT NULL, idem_key TEXT NOT NULL, body TEXT NOT NULL, created_ms INTEGER NOT NULL,
        PRIMARY KEY (channel, idem_key)
    ) WITHOUT ROWID""",
]

# 5: one table for every ledger request that got no answer (any source, not only ticks), kept with
# its key and exact body and re-sent as it is until the ledger answers; rows kept under 4 move over.
# Manual ticks (``presence.tick``) get their own numbering, apart from the schedule; an ambient rain
# that got no answer keeps its shares so a restart re-sends the same body.
UNANSWERED: list[str] = [
    """CREATE TABLE unanswered (
        channel TEXT NOT NULL, idem_key TEXT NOT NULL, source TEXT NOT NULL, body TEXT NOT NULL,
        created_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (channel, idem_key)
    )""",
    """INSERT OR IGNORE INTO unanswered (channel, idem_key, source, body, created_ms)
        SELECT channel, idem_key, 'presence', body, created_ms FROM pending_posts""",
    "DROP TABLE pending_posts",
    "ALTER TABLE channel_ticks ADD COLUMN manual_ticks INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE timed_rain ADD COLUMN pending TEXT",
]

# achievements (stat_reporter.py): the lifetime emote set (daily_emotes keeps only today), and which
# users' lifetime stats changed since the ledger last acknowledged them. Triggers mark a user dirty in
# the same transaction as the write, so a restart never loses a change.
ACHIEVEMENT_STATS: list[str] = [
    """CREATE TABLE lifetime_emotes (
        channel TEXT NOT NULL, user_key TEXT NOT NULL, emote TEXT NOT NULL,
        PRIMARY KEY (channel, user_key, emote)
    ) WITHOUT ROWID""",
    "INSERT OR IGNORE INTO lifetime_emotes (channel, user_key, emote) "
    "SELECT channel, user_key, emote FROM daily_emotes",
    STAT_DIRTY_TABLE,
    # no OR IGNORE / OR REPLACE inside a trigger: the firing statement's conflict clause overrides them
    """CREATE TRIGGER daily_emotes_lifetime AFTER INSERT ON daily_emotes BEGIN
        INSERT INTO lifetime_emotes (channel, user_key, emote) SELECT new.channel, new.user_key, new.emote
        WHERE NOT EXISTS (SELECT 1 FROM lifetime_emotes WHERE channel = new.channel AND user_key = new.user_key
                          AND emote = new.emote);
    END""",
    # chat counters and emotes on every change; presence only when a day's minutes pass a whole hour
    # and streaks only when the streak moves (the tick rewrites both rows for everyone every minute)
    *[t for table in ("daily_activity", "lifetime_emotes") for t in dirty_triggers(table)],
    *dirty_triggers("daily_presence", ops=("INSERT",)),
    *dirty_triggers("daily_presence", when="new.minutes / 60 != old.minutes / 60", ops=("UPDATE",)),
    *dirty_triggers("timed_streaks", ops=("INSERT",)),
    *dirty_triggers("timed_streaks", when="new.current != old.current", ops=("UPDATE",)),
    # everyone with a history reports once after the upgrade
    "INSERT OR IGNORE INTO stat_dirty (channel, user_key, mark) SELECT channel, user_key, 0 FROM users",
]

# events (events/): ad-hoc and scheduled earning events, persisted so a restart keeps them running;
# owed rows remember the multiplier sources they were boosted by (the journal row says which applied).
EARNING_EVENTS: list[str] = [
    """CREATE TABLE earning_events (
        id INTEGER PRIMARY KEY, channel TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
        multiplier TEXT NOT NULL, starts_ms INTEGER NOT NULL, ends_ms INTEGER NOT NULL,
        started_by TEXT NOT NULL DEFAULT '', stopped_by TEXT, hidden INTEGER NOT NULL DEFAULT 0,
        announce INTEGER NOT NULL DEFAULT 1, end_told INTEGER NOT NULL DEFAULT 0,
        UNIQUE (channel, kind, name, starts_ms)
    )""",
    "CREATE INDEX earning_events_open ON earning_events(channel, end_told, ends_ms)",
    "ALTER TABLE timed_owed ADD COLUMN metadata TEXT",
]

# daily competitions (competitions/): a row per (channel, competition, day) evaluated, written in the
# same transaction as the owed awards; the winners for ``presence.competitions``; and, per counter,
# the order in which each user's value last rose ("who got there first" breaks a daily_top tie).
_REACHED_FIELDS: list[tuple[str, str, str]] = [
    *(("daily_activity", c, c) for c in (
        "messages_sent", "long_messages", "gifs_posted", "unique_emotes_used", "kudos_given", "kudos_received",
        "laughs_received", "bot_interactions")),
    # not daily_presence: the tick rewrites every present user's row every minute, and a trigger there
    # made the 10,000-user tick ~25 % slower; a presence-minutes tie goes to the smaller user key
]


# real wall time in ms (SQLite's own clock: the order events were written in; tests' FakeClock does not
# drive it, ties of the same millisecond fall back to the user key)
_NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"


def _reached_triggers(table: str, column: str, field: str) -> list[str]:
    """A reached row is born with its counter row; each rise is one UPDATE (the tick rewrites every
    present user's ``daily_presence`` row every minute: keep it cheap)."""
    where = f"channel = new.channel AND user_key = new.user_key AND day = new.day AND field = '{field}'"
    return [
        f"CREATE TRIGGER reached_{field}_ins AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO competition_reached (channel, user_key, day, field, at_ms) SELECT new.channel, new.user_key, "
        f"new.day, '{field}', {_NOW_MS} WHERE NOT EXISTS (SELECT 1 FROM competition_reached WHERE {where}); END",
        f"CREATE TRIGGER reached_{field}_upd AFTER UPDATE OF {column} ON {table} "
        f"WHEN new.{column} > old.{column} BEGIN UPDATE competition_reached SET at_ms = {_NOW_MS} WHERE {where}; END",
    ]


COMPETITIONS: list[str] = [
    """CREATE TABLE competition_days (
        channel TEXT NOT NULL, competition TEXT NOT NULL, day TEXT NOT NULL, evaluated_ms INTEGER NOT NULL,
        PRIMARY KEY (channel, competition, day)
    ) WITHOUT ROWID""",
    """CREATE TABLE competition_winners (
        channel TEXT NOT NULL, day TEXT NOT NULL, competition TEXT NOT NULL, user_key TEXT NOT NULL,
        display TEXT NOT NULL, value INTEGER NOT NULL, reward INTEGER NOT NULL,
        PRIMARY KEY (channel, day, competition, user_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE competition_last (channel TEXT PRIMARY KEY, last_day TEXT NOT NULL)""",
    """CREATE TABLE competition_reached (
        channel TEXT NOT NULL, user_key TEXT NOT NULL, day TEXT NOT NULL, field TEXT NOT NULL, at_ms INTEGER NOT NULL,
        PRIMARY KEY (channel, user_key, day, field)
    ) WITHOUT ROWID""",
    *[t for table, column, field in _REACHED_FIELDS for t in _reached_triggers(table, column, field)],
]

# moving in from the original kryten-economy (issue 14, member_import.py): who was imported, from which
# entry (its hash: the same entry again changes nothing), and whether the original paid the welcome wallet
IMPORTED_MEMBERS: list[str] = [
    """CREATE TABLE imported_members (
        channel TEXT NOT NULL, user_key TEXT NOT NULL, display TEXT NOT NULL, entry_hash TEXT NOT NULL,
        welcome_claimed INTEGER NOT NULL DEFAULT 0, imported_ms INTEGER NOT NULL,
        PRIMARY KEY (channel, user_key)
    ) WITHOUT ROWID""",
]

MIGRATIONS: list[list[str]] = [
    CORE, TIMED, CHAT, PENDING_POSTS, UNANSWERED, ACHIEVEMENT_STATS, EARNING_EVENTS, COMPETITIONS,
    IMPORTED_MEMBERS,  # issue 14: member import
]
