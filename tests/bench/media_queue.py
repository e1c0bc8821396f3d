"""Media through real NATS: catalog search latency (cache miss vs hit) and the paid queue round trip.

The ledger, announcer and media run as processes; the MediaCMS stand-in serves the catalog over HTTP on
loopback and the harness robot answers ``addvideo``. Times are request → reply as the caller sees them:

- search miss: a query the service has not seen (one HTTP request to the catalog, then the user's
  perks from the ledger);
- search hit: the same query again (the catalog answer from the cache; the perks still asked);
- queue: ``media.queue`` end to end — catalog lookup (cached), perks and balance checks, the claim,
  the ledger spend, ``add_media`` through the robot, the stored result.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.media.mediacms_standin import Media, MediaCmsStandIn
from tests.system.harness import FakeRobot, SystemStack


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


async def _timed(robot: FakeRobot, payload: dict[str, Any]) -> float:
    started = time.perf_counter()
    reply = await robot.request("media", payload, timeout=30)
    elapsed = time.perf_counter() - started
    assert reply.get("success"), reply
    return elapsed


async def bench_media_queue(rounds: int = 50) -> dict[str, float]:
    items = {f"item{i:04d}": Media(f"Title number {i} of the bench", 60 + i) for i in range(rounds)}
    catalog = await MediaCmsStandIn(items).start()
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        stack = await SystemStack(
            Path(tmp), ["ledger", "announcer", "media"],
            mediacms={"base_url": catalog.url},
            spending={"queue_cooldown_minutes": 0, "max_queues_per_day": 100},
            announcements={"enabled": False},
        ).start()
        robot = stack.robot
        assert robot is not None
        try:
            # as a PM search does: with the user, so each answer is priced with their rank perks
            search = {"command": "media.search", "user": "viewer000"}
            misses = [await _timed(robot, {**search, "query": f"number {i} of"}) for i in range(rounds)]
            hits = [await _timed(robot, {**search, "query": "number 1 of"}) for _ in range(rounds)]
            users = [f"viewer{i:03d}" for i in range(rounds)]
            for u in users:
                reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": f"bench:{u}",
                                                       "postings": [{"user": u, "amount": 10_000, "kind": "admin"}]})
                assert reply["success"], reply
            queues = [await _timed(robot, {"command": "media.queue", "user": u, "media_id": f"item{i:04d}"})
                      for i, u in enumerate(users)]
            audit = await robot.audit()
            print(f"media through real NATS ({rounds} rounds; catalog on loopback HTTP)")
            print(f"  search, cache miss: {_ms(misses)}")
            print(f"  search, cache hit:  {_ms(hits)}")
            print(f"  queue round trip (charge + add_media): {_ms(queues)}   audit ok={audit['ok']}", flush=True)
            return {"search_miss_p50": statistics.median(misses), "search_hit_p50": statistics.median(hits),
                    "queue_p50": statistics.median(queues), "audit_ok": float(audit["ok"])}
        finally:
            await stack.stop()
            await catalog.stop()
