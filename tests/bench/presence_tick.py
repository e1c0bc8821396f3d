"""Presence tick at N present users, through real NATS and real service processes.

Reports the server-side tick time (presence → ledger batch → commit) and what the ledger writes:
journal rows and bytes per user-day (one row per user per presence minute, 1,440 minutes a day).
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from tests.system.harness import SystemStack

TICKS = 5


def db_bytes(path: Path) -> int:
    """Size of the database after folding the WAL back in."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


async def bench_one(users: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-tick-") as tmp:
        stack = await SystemStack(
            Path(tmp), ["ledger", "presence"],
            presence={"tick_interval_seconds": 3600},  # no scheduled tick: the bench drives it
            onboarding={"welcome_wallet": 0},
        ).start()
        robot = stack.robot
        assert robot is not None
        try:
            for i in range(users):
                await robot.join(f"viewer{i:05d}")
            deadline = time.monotonic() + 120
            while True:
                reply = await robot.request("presence", {"command": "presence.present_users"})
                if len(reply["data"]["users"]) >= users:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {len(reply['data']['users'])} of {users} users arrived")
                await asyncio.sleep(0.2)
            ledger_db = Path(tmp) / "data" / "ledger.db"
            await robot.request("presence", {"command": "presence.tick"}, timeout=60)  # warm-up, creates accounts
            before = db_bytes(ledger_db)
            server_ms, round_trip_ms = [], []
            for _ in range(TICKS):
                started = time.perf_counter()
                reply = await robot.request("presence", {"command": "presence.tick"}, timeout=60)
                round_trip_ms.append((time.perf_counter() - started) * 1000)
                assert reply["success"] and reply["data"]["credited"] == users, reply
                server_ms.append(reply["data"]["tick_ms"])
            grown = db_bytes(ledger_db) - before
            audit = await robot.audit()
            assert audit["ok"], audit
            bytes_per_row = grown / (TICKS * users)
            return {
                "users": users,
                "tick_ms_median": statistics.median(server_ms),
                "tick_ms_max": max(server_ms),
                "round_trip_ms_median": statistics.median(round_trip_ms),
                "rows_per_user_day": 1440,
                "bytes_per_row": bytes_per_row,
                "kib_per_user_day": bytes_per_row * 1440 / 1024,
            }
        finally:
            await stack.stop()


async def bench_presence_tick(sizes: list[int]) -> list[dict[str, float]]:
    print("presence tick through real NATS (ledger + presence processes)")
    print(f"{'users':>7} {'tick ms (median)':>17} {'tick ms (max)':>14} {'round trip ms':>14} "
          f"{'rows/user-day':>14} {'bytes/row':>10} {'KiB/user-day':>13}")
    results = []
    for n in sizes:
        r = await bench_one(n)
        results.append(r)
        print(f"{r['users']:>7} {r['tick_ms_median']:>17.1f} {r['tick_ms_max']:>14.1f} "
              f"{r['round_trip_ms_median']:>14.1f} {r['rows_per_user_day']:>14} {r['bytes_per_row']:>10.1f} "
              f"{r['kib_per_user_day']:>13.1f}", flush=True)
    return results
