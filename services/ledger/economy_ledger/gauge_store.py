"""Store reads behind the ledger's scrape-time gauges (sprint8 §1.8): cheap, index-backed, read-only."""

from __future__ import annotations

from economy_shared.channels import channel_key
from economy_shared.db import Database


async def median_balance(db: Database, channel: str) -> float:
    """Median balance of the channel's user accounts (system ``~`` accounts left out); 0 with none.

    Walks the ``accounts_by_balance`` index to the middle (two rows for an even count).
    """
    key = channel_key(channel)
    row = await db.fetchone("SELECT COUNT(*) FROM accounts WHERE channel=? AND user_key NOT LIKE '~%'", (key,))
    n = int(row[0]) if row else 0
    if n == 0:
        return 0.0
    rows = await db.fetchall(
        "SELECT balance FROM accounts WHERE channel=? AND user_key NOT LIKE '~%' ORDER BY balance DESC "
        "LIMIT ? OFFSET ?",
        (key, 2 - n % 2, (n - 1) // 2),
    )
    values = [int(r[0]) for r in rows]
    return sum(values) / len(values)
