"""Run every benchmark: ``python -m tests.bench [--quick]``."""

from __future__ import annotations

import argparse
import asyncio

from tests.bench.presence_tick import bench_presence_tick


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    args = parser.parse_args()
    sizes = [100, 500] if args.quick else [100, 500, 10_000]
    asyncio.run(bench_presence_tick(sizes))
    try:
        from tests.bench.chat_throughput import bench_chat_throughput
    except ImportError:
        pass
    else:
        asyncio.run(bench_chat_throughput(500, 2000 if args.quick else 5000))
        asyncio.run(bench_chat_throughput(500, 2000 if args.quick else 5000, boost=1.5))
    try:
        from tests.bench.media_queue import bench_media_queue
    except ImportError:
        pass
    else:
        asyncio.run(bench_media_queue(20 if args.quick else 100))
    try:
        from tests.bench.leaderboard import bench_leaderboard
    except ImportError:
        pass
    else:
        asyncio.run(bench_leaderboard(10_000 if args.quick else 100_000))
    try:
        from tests.bench.import_original import bench_import_original
    except ImportError:
        pass
    else:
        asyncio.run(bench_import_original(1_000 if args.quick else 10_000))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
