"""The achievement statistics gambling owns, for ``ledger.report_stats`` (economy_shared/stat_reports.py):
lifetime_gambled (total wagered on settled plays) and gambling_biggest_win (largest single net win,
payout - wager, of one settled play). A trigger marks the player dirty when a play settles (store.py)."""

from __future__ import annotations

from typing import Any

from economy_shared.db import Database
from economy_shared.stat_reports import StatReporter


def gambling_reporter(db: Database, client: Any, timeout: float) -> StatReporter:
    async def values(channel: str, keys: list[str]) -> dict[str, dict[str, float]]:
        rows = await db.fetchall(
            f"SELECT user_key, SUM(wager), MAX(payout - wager) FROM plays WHERE channel=? AND status='settled' "
            f"AND user_key IN ({','.join('?' * len(keys))}) GROUP BY user_key", (channel, *keys))
        out: dict[str, dict[str, float]] = {k: {} for k in keys}
        for r in rows:
            out[r[0]] = {"lifetime_gambled": float(r[1] or 0), "gambling_biggest_win": float(max(0, r[2] or 0))}
        return out

    async def names(channel: str, keys: list[str]) -> dict[str, str]:
        rows = await db.fetchall(
            f"SELECT user_key, MAX(display) FROM plays WHERE channel=? AND user_key IN "
            f"({','.join('?' * len(keys))}) GROUP BY user_key", (channel, *keys))
        return {r[0]: r[1] for r in rows}

    return StatReporter(db, client, values, names, timeout=timeout)
