"""Leaderboards at 100,000 accounts, through real NATS and the real ledger process.

The ledger's file is seeded before the process starts (bulk SQL through the store's ``Database``):
N accounts with balances, lifetime earnings spread over the whole rank ladder, a few rank floors,
banned accounts, one journal row per account (so ``balance == SUM(journal)``) and an earnings row
for today for every account (the worst case for today's board). Then ``ledger.leaderboard`` is
timed for each category, and ``ledger.rank_perks`` for random users, request → reply as a caller
sees it.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from economy_ledger.migrations import MIGRATIONS
from economy_shared.channels import channel_key
from economy_shared.db import Database
from tests.system.harness import CHANNEL, FakeRobot, SystemStack

CATEGORIES = ("earners", "rich", "lifetime", "ranks")
FLOORS = ("Grip", "Gaffer", "Director")


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms"


async def seed(path: Path, accounts: int, rng: random.Random) -> None:
    db = Database(path, MIGRATIONS, synchronous="OFF")
    await db.open()
    chan = channel_key(CHANNEL)
    now_ms = int(time.time() * 1000)
    today = datetime.now(UTC).date().isoformat()
    rows = []
    for i in range(accounts):
        lifetime = int(rng.paretovariate(1.1) * 200)  # a long tail: most low, a few past Studio Mogul
        balance = rng.randint(0, lifetime + 500)
        floor = rng.choice(FLOORS) if i % 997 == 0 else None
        rows.append((i + 1, chan, f"viewer{i:06d}", f"Viewer{i:06d}", balance, lifetime, int(i % 1009 == 0),
                     floor, now_ms, now_ms))
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO accounts (id, channel, user_key, display_name, balance, lifetime_earned, banned, rank_floor, "
            "created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        cur = await conn.execute("INSERT INTO requests (channel, idem_key, body_hash, result, created_ms) "
                                 "VALUES (?, 'bench:seed', '', '{}', ?)", (chan, now_ms))
        request_id = cur.lastrowid
        await conn.executemany(
            "INSERT INTO journal (account_id, request_id, amount, kind, created_ms) VALUES (?, ?, ?, 'admin', ?)",
            [(r[0], request_id, r[4], now_ms) for r in rows if r[4] > 0])
        await conn.executemany(
            "INSERT INTO daily_earnings (channel, day, user_key, earned) VALUES (?, ?, ?, ?)",
            [(chan, today, r[2], rng.randint(1, 5_000)) for r in rows])
    await db.conn.execute("ANALYZE")
    await db.close()


async def _timed(robot: FakeRobot, payload: dict[str, Any]) -> float:
    started = time.perf_counter()
    reply = await robot.request("ledger", payload, timeout=30)
    elapsed = time.perf_counter() - started
    assert reply.get("success"), reply
    return elapsed


async def bench_leaderboard(accounts: int = 100_000, rounds: int = 50) -> dict[str, float]:
    rng = random.Random(6)
    with tempfile.TemporaryDirectory(prefix="bench-boards-") as tmp:
        started = time.perf_counter()
        await seed(Path(tmp) / "data" / "ledger.db", accounts, rng)
        seeded = time.perf_counter() - started
        stack = await SystemStack(Path(tmp), ["ledger"], presence={"tick_interval_seconds": 3600}).start()
        robot = stack.robot
        assert robot is not None
        try:
            out: dict[str, float] = {}
            print(f"leaderboards through real NATS ({accounts:,} accounts seeded in {seeded:.1f} s; {rounds} rounds)")
            for category in CATEGORIES:
                await _timed(robot, {"command": "ledger.leaderboard", "category": category})  # warm-up
                samples = [await _timed(robot, {"command": "ledger.leaderboard", "category": category})
                           for _ in range(rounds)]
                out[f"{category}_p50"] = statistics.median(samples)
                print(f"  ledger.leaderboard {category:<8}: {_ms(samples)}")
            users = [f"viewer{rng.randrange(accounts):06d}" for _ in range(rounds)]
            perks = [await _timed(robot, {"command": "ledger.rank_perks", "user": u}) for u in users]
            out["rank_perks_p50"] = statistics.median(perks)
            print(f"  ledger.rank_perks          : {_ms(perks)}", flush=True)
            return out
        finally:
            await stack.stop()


if __name__ == "__main__":
    import asyncio
    import sys

    asyncio.run(bench_leaderboard(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
