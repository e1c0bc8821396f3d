"""The achievement statistics presence owns, for ``ledger.report_stats`` (economy_shared/stat_reports.py).

lifetime_messages (SUM daily_activity.messages_sent), lifetime_presence_hours (SUM
daily_presence.minutes / 60), daily_streak (timed_streaks.current) and unique_emotes_used_lifetime
(lifetime_emotes, kept by a trigger because daily_emotes holds only today). Triggers mark a user dirty
when one of them changes (migrations.py), so chat never sends a request per message.
"""

from __future__ import annotations

from typing import Any

from economy_shared.db import Database
from economy_shared.stat_reports import StatReporter


def presence_reporter(db: Database, client: Any, timeout: float) -> StatReporter:
    async def values(channel: str, keys: list[str]) -> dict[str, dict[str, float]]:
        marks = ",".join("?" * len(keys))
        out: dict[str, dict[str, float]] = {k: {} for k in keys}
        queries = (
            ("lifetime_messages", f"SELECT user_key, SUM(messages_sent) FROM daily_activity WHERE channel=? "
                                  f"AND user_key IN ({marks}) GROUP BY user_key", 1.0),
            ("lifetime_presence_hours", f"SELECT user_key, SUM(minutes) FROM daily_presence WHERE channel=? "
                                        f"AND user_key IN ({marks}) GROUP BY user_key", 1 / 60),
            ("daily_streak", f"SELECT user_key, current FROM timed_streaks WHERE channel=? AND user_key IN ({marks})",
             1.0),
            ("unique_emotes_used_lifetime", f"SELECT user_key, COUNT(*) FROM lifetime_emotes WHERE channel=? "
                                            f"AND user_key IN ({marks}) GROUP BY user_key", 1.0),
        )
        for stat, sql, scale in queries:
            for row in await db.fetchall(sql, (channel, *keys)):
                out[row[0]][stat] = round(float(row[1] or 0) * scale, 3)
        return out

    async def names(channel: str, keys: list[str]) -> dict[str, str]:
        rows = await db.fetchall(f"SELECT user_key, display FROM users WHERE channel=? AND user_key IN "
                                 f"({','.join('?' * len(keys))})", (channel, *keys))
        return {r[0]: r[1] for r in rows}

    return StatReporter(db, client, values, names, timeout=timeout)
