"""The ledger's schema, one list for the whole file (``PRAGMA user_version`` = how many have run).

Append only: a shipped migration is never edited or reordered. Each entry says which module reads
what it adds.
"""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            display_name TEXT NOT NULL,
            balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
            lifetime_earned INTEGER NOT NULL DEFAULT 0,
            lifetime_spent INTEGER NOT NULL DEFAULT 0,
            lifetime_gambled_in INTEGER NOT NULL DEFAULT 0,
            lifetime_gambled_out INTEGER NOT NULL DEFAULT 0,
            tips_sent INTEGER NOT NULL DEFAULT 0,
            tips_received INTEGER NOT NULL DEFAULT 0,
            banned INTEGER NOT NULL DEFAULT 0,
            ban_reason TEXT,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            UNIQUE (channel, user_key)
        )""",
        """CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            idem_key TEXT NOT NULL,
            body_hash TEXT NOT NULL,
            result TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            UNIQUE (channel, idem_key)
        )""",
        """CREATE TABLE journal (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            request_id INTEGER NOT NULL REFERENCES requests(id),
            amount INTEGER NOT NULL,
            kind TEXT NOT NULL,
            trigger_id TEXT,
            reason TEXT,
            related_user TEXT,
            metadata TEXT,
            created_ms INTEGER NOT NULL
        )""",
        "CREATE INDEX journal_by_account ON journal(account_id, id)",
    ],
    [  # 2: daily balance maintenance, last run per channel (maintenance.py)
        """CREATE TABLE maintenance_runs (
            channel TEXT PRIMARY KEY,
            last_day TEXT NOT NULL,
            mode TEXT NOT NULL,
            ran_ms INTEGER NOT NULL,
            postings INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL DEFAULT 0
        )""",
    ],
    [  # 3: journal retention, days folded per channel (rollup.py)
        """CREATE TABLE journal_rollups (
            channel TEXT NOT NULL,
            day TEXT NOT NULL,
            rows_folded INTEGER NOT NULL,
            rows_written INTEGER NOT NULL,
            ran_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, day)
        )""",
        "CREATE INDEX journal_by_time ON journal(created_ms)",
    ],
    [  # 4: a business refusal is the key's stored answer too (a replay returns it, never applies later)
        "ALTER TABLE requests ADD COLUMN error_code TEXT",
    ],
    [  # 5: ranks (rank_rules.py): the admin floor, the highest tier told, and rank-ups waiting to be told
        "ALTER TABLE accounts ADD COLUMN rank_floor TEXT",
        "ALTER TABLE accounts ADD COLUMN rank_reached INTEGER",  # NULL: not known yet, set without a notice
        """CREATE TABLE rank_notices (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            display_name TEXT NOT NULL,
            from_index INTEGER NOT NULL,
            to_index INTEGER NOT NULL,
            rank_name TEXT NOT NULL,
            cytube_level INTEGER,
            created_ms INTEGER NOT NULL,
            told INTEGER NOT NULL DEFAULT 0,
            promotion TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            retry_ms INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX rank_notices_open ON rank_notices(told, retry_ms)",
    ],
    [  # tips (tips_store.py): a sender's tips of the day, read for tipping.max_per_day
        "CREATE INDEX IF NOT EXISTS journal_transfers ON journal(account_id, created_ms) WHERE kind = 'transfer'",
    ],
    [  # leaderboards (boards_store.py): today's earnings per account, kept in the posting's transaction
        """CREATE TABLE IF NOT EXISTS daily_earnings (
            channel TEXT NOT NULL,
            day TEXT NOT NULL,
            user_key TEXT NOT NULL,
            earned INTEGER NOT NULL,
            PRIMARY KEY (channel, day, user_key)
        ) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS daily_earnings_top ON daily_earnings(channel, day, earned DESC, user_key)",
        "CREATE INDEX IF NOT EXISTS accounts_by_balance ON accounts(channel, balance DESC, user_key)",
        "CREATE INDEX IF NOT EXISTS accounts_by_lifetime ON accounts(channel, lifetime_earned DESC, user_key)",
        # the few accounts the rank distribution treats apart (banned, or lifted by an admin floor)
        "CREATE INDEX IF NOT EXISTS accounts_apart ON accounts(channel) WHERE banned = 1 OR rank_floor IS NOT NULL",
        # today's earnings already in the journal (a database upgraded mid-day keeps the board honest)
        """INSERT OR IGNORE INTO daily_earnings (channel, day, user_key, earned)
           SELECT a.channel, date(j.created_ms / 1000, 'unixepoch'), a.user_key, SUM(j.amount)
           FROM journal j JOIN accounts a ON a.id = j.account_id
           WHERE j.kind = 'earn' AND j.created_ms >= CAST(strftime('%s', 'now', 'start of day') AS INTEGER) * 1000
           GROUP BY a.channel, date(j.created_ms / 1000, 'unixepoch'), a.user_key""",
    ],
    [  # CyTube promotion purchases (promotion_store.py): written with the charge, settled after the robot
        """CREATE TABLE IF NOT EXISTS promotion_purchases (
            channel TEXT NOT NULL,
            request_id TEXT NOT NULL,
            user_key TEXT NOT NULL,
            display_name TEXT NOT NULL,
            level INTEGER NOT NULL,
            price INTEGER NOT NULL,
            state TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, request_id)
        )""",
        "CREATE INDEX IF NOT EXISTS promotion_purchases_open ON promotion_purchases(state) WHERE state = 'charged'",
    ],
    [  # achievements (achievements_store.py): the awarded set and the latest reported stat values
        """CREATE TABLE IF NOT EXISTS achievements_awarded (
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            achievement_id TEXT NOT NULL,
            awarded_ms INTEGER NOT NULL,
            told INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (channel, user_key, achievement_id)
        ) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS achievements_untold ON achievements_awarded(awarded_ms) WHERE told = 0",
        """CREATE TABLE IF NOT EXISTS achievement_stats (
            channel TEXT NOT NULL,
            user_key TEXT NOT NULL,
            stat TEXT NOT NULL,
            value REAL NOT NULL,
            updated_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, user_key, stat)
        ) WITHOUT ROWID""",
    ],
    [  # bounties (bounty_store.py): escrowed in ~escrow:bounties until claimed, cancelled or expired; epoch ms
        """CREATE TABLE IF NOT EXISTS bounties (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel TEXT NOT NULL,
            creator_key TEXT NOT NULL,
            creator TEXT NOT NULL,
            description TEXT NOT NULL,
            amount INTEGER NOT NULL CHECK (amount > 0),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'expired', 'cancelled')),
            winner TEXT,
            created_ms INTEGER NOT NULL,
            expires_ms INTEGER NOT NULL,
            resolved_by TEXT,
            resolved_ms INTEGER,
            create_key TEXT NOT NULL,
            UNIQUE (channel, create_key)
        )""",
        "CREATE INDEX IF NOT EXISTS bounties_status ON bounties(channel, status)",
        "CREATE INDEX IF NOT EXISTS bounties_creator ON bounties(channel, creator_key, status)",
    ],
    [  # reports (report_store.py): one snapshot per (channel, wall-clock slot); digest sent marks
        """CREATE TABLE IF NOT EXISTS economy_snapshots (
            channel TEXT NOT NULL,
            slot_ms INTEGER NOT NULL,
            taken_ms INTEGER NOT NULL,
            interval_hours INTEGER NOT NULL,
            circulation INTEGER NOT NULL,
            accounts INTEGER NOT NULL,
            present INTEGER,
            median_balance INTEGER NOT NULL,
            earned INTEGER NOT NULL,
            spent INTEGER NOT NULL,
            gambled_in INTEGER NOT NULL,
            gambled_out INTEGER NOT NULL,
            PRIMARY KEY (channel, slot_ms)
        ) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS digest_marks (
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            period TEXT NOT NULL,
            user_key TEXT NOT NULL,
            sent_ms INTEGER NOT NULL,
            PRIMARY KEY (channel, kind, period, user_key)
        ) WITHOUT ROWID""",
        # Z moved per channel, UTC hour and posting kind (users only), kept in the posting's transaction
        # (report_store.record_flows): a report window sums a few rows instead of scanning the journal
        """CREATE TABLE IF NOT EXISTS flow_totals (
            channel TEXT NOT NULL,
            hour_ms INTEGER NOT NULL,
            kind TEXT NOT NULL,
            amount INTEGER NOT NULL,
            PRIMARY KEY (channel, hour_ms, kind)
        ) WITHOUT ROWID""",
        """INSERT OR IGNORE INTO flow_totals (channel, hour_ms, kind, amount)
           SELECT a.channel, j.created_ms / 3600000 * 3600000, j.kind, SUM(j.amount)
           FROM journal j JOIN accounts a ON a.id = j.account_id
           WHERE a.user_key NOT LIKE '~%' AND j.kind IN ('earn', 'spend', 'refund', 'wager', 'payout')
           GROUP BY a.channel, j.created_ms / 3600000, j.kind""",
        # the few journal rows that are not earnings (who spent, gambled or tipped in a window)
        "CREATE INDEX IF NOT EXISTS journal_not_earn ON journal(created_ms) WHERE kind <> 'earn'",
        # closed days of daily_earnings (kept 3 days by the boards), for the weekly top earners
        """CREATE TABLE IF NOT EXISTS earnings_days (
            channel TEXT NOT NULL,
            day TEXT NOT NULL,
            user_key TEXT NOT NULL,
            earned INTEGER NOT NULL,
            PRIMARY KEY (channel, day, user_key)
        ) WITHOUT ROWID""",
    ],
]
