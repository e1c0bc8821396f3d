"""Exact fractions of boosted earnings (DECISIONS 3): a 5 Z trigger under a 1.25× event is 6.25 Z, so
6 Z are paid and 250 milli-Z are carried for that user, and paid when they make a whole Z.

Carries live in memory and are written behind (presence's ``carries`` table, source ``boost``) after
every tick and at shutdown; a crash can lose at most the sub-Z fractions since the last tick, never a
whole Z and never money already paid. The presence tick keeps its own carries (tick.py).
"""

from __future__ import annotations

from economy_shared.db import Database

from .multipliers import MILLI, Boost

SOURCE = "boost"


class BoostCarries:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._milli: dict[tuple[str, str], int] = {}
        self._dirty: set[tuple[str, str]] = set()

    async def load(self) -> None:
        rows = await self._db.fetchall("SELECT channel, user_key, milli FROM carries WHERE source=?", (SOURCE,))
        self._milli = {(r["channel"], r["user_key"]): int(r["milli"]) for r in rows}

    def apply(self, channel: str, key: str, amount: int, boost: Boost) -> int:
        """Whole Z to pay for ``amount`` under ``boost``; the fraction is carried for the user."""
        if amount <= 0 or not boost.active:
            return amount
        total = amount * boost.milli
        if total % MILLI == 0:
            return total // MILLI
        slot = (channel, key)
        whole, rest = divmod(total + self._milli.get(slot, 0), MILLI)
        self._milli[slot] = rest
        self._dirty.add(slot)
        return whole

    def carry(self, channel: str, key: str) -> int:
        return self._milli.get((channel, key), 0)

    async def flush(self) -> None:
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        rows = [(c, k, SOURCE, self._milli.get((c, k), 0)) for c, k in dirty]
        try:
            async with self._db.transaction() as conn:
                await conn.executemany(
                    "INSERT INTO carries (channel, user_key, source, milli) VALUES (?,?,?,?) "
                    "ON CONFLICT(channel, user_key, source) DO UPDATE SET milli=excluded.milli",
                    rows,
                )
        except Exception:
            self._dirty |= dirty  # written next time
            raise
