"""SQL of journal retention: find the first unfolded day, and fold one day in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.db import Database


@dataclass(frozen=True)
class FoldCounts:
    rows_folded: int
    rows_written: int


class RollupStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def first_unfolded(self, channel: str, triggers: list[str]) -> date | None:
        """The day after the last folded one, else the day of the oldest foldable row (None: nothing)."""
        chan = channel_key(channel)
        row = await self.db.fetchone("SELECT MAX(day) AS day FROM journal_rollups WHERE channel=?", (chan,))
        if row and row["day"]:
            return date.fromisoformat(row["day"]) + timedelta(days=1)
        marks = ",".join("?" * len(triggers))
        row = await self.db.fetchone(
            f"SELECT MIN(j.created_ms) AS first FROM journal j JOIN accounts a ON a.id = j.account_id "
            f"WHERE a.channel=? AND j.trigger_id IN ({marks})",
            (chan, *triggers),
        )
        if not row or row["first"] is None:
            return None
        return datetime.fromtimestamp(row["first"] / 1000, tz=UTC).date()

    async def fold_day(
        self, channel: str, day: date, bounds_ms: tuple[int, int], triggers: list[str], now_ms: int
    ) -> FoldCounts:
        """Replace ``day``'s rows of ``triggers`` by one row per account/trigger/kind (idempotent per day).

        The fold is recorded under the request key ``rollup:<channel>:<day>`` in the same transaction,
        so a crash or a second run changes nothing; sums (and so balances) are unchanged.
        """
        chan = channel_key(channel)
        marks = ",".join("?" * len(triggers))
        start, end = bounds_ms
        key = f"rollup:{chan}:{day.isoformat()}"
        where = (
            f"j.created_ms >= ? AND j.created_ms < ? AND j.trigger_id IN ({marks}) "
            f"AND j.account_id IN (SELECT id FROM accounts WHERE channel=?)"
        )
        params = (start, end, *triggers, chan)
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT 1 FROM requests WHERE channel=? AND idem_key=?", (chan, key)) as cur:
                if await cur.fetchone() is not None:
                    return FoldCounts(0, 0)
            async with conn.execute("SELECT COALESCE(MAX(id), 0) FROM journal") as cur:
                max_id = int((await cur.fetchone())[0])
            async with conn.execute(
                f"SELECT j.account_id, j.trigger_id, j.kind, SUM(j.amount) AS total, COUNT(*) AS n "
                f"FROM journal j WHERE {where} GROUP BY j.account_id, j.trigger_id, j.kind",
                params,
            ) as cur:
                groups = list(await cur.fetchall())
            folded = sum(int(g["n"]) for g in groups)
            kept = [g for g in groups if int(g["total"]) != 0]
            if folded:
                await _replace(conn, chan, key, folded, kept, start, now_ms, where, (max_id, *params))
            await conn.execute(
                "INSERT INTO journal_rollups (channel, day, rows_folded, rows_written, ran_ms) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(channel, day) DO NOTHING",
                (chan, day.isoformat(), folded, len(kept), now_ms),
            )
        return FoldCounts(folded, len(kept))


async def _replace(
    conn: Any, chan: str, key: str, folded: int, kept: list[Any], start: int, now_ms: int, where: str,
    params: tuple[Any, ...],
) -> None:
    """Write the day's sums and delete the rows they replace (inside the caller's transaction)."""
    cur = await conn.execute(
        "INSERT INTO requests (channel, idem_key, body_hash, result, created_ms) VALUES (?, ?, ?, ?, ?)",
        (chan, key, "rollup", f'{{"rows_folded": {folded}}}', now_ms),
    )
    request_id = cur.lastrowid
    await conn.executemany(
        "INSERT INTO journal (account_id, request_id, amount, kind, trigger_id, reason, created_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (g["account_id"], request_id, int(g["total"]), g["kind"], g["trigger_id"],
             f"rollup of {g['n']} rows", start)
            for g in kept
        ],
    )
    await conn.execute(f"DELETE FROM journal AS j WHERE j.id <= ? AND {where}", params)
