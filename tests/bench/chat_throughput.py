"""Chat throughput through real NATS: ledger + presence processes, N present users, every trigger on.

Two figures: messages/s the presence service *evaluates* (a PM sent after the burst is answered
only once every earlier chat event was handled — one channel's events are processed in order),
and messages/s *credited* (until the ledger's journal stops growing).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

from tests.system.harness import SystemStack

TEXTS = [
    "this is a long enough message to pay a little something, {u}",
    "lol",
    "{u}++ nice one",
    "hahaha",
    "what a scene that was, truly something else entirely",
    "zcoinbot hi there",
    "hey {u}",
    "ok",
]


async def bench_chat_throughput(users: int, messages: int, boost: float | None = None) -> dict[str, float]:
    """``boost``: run the burst under an ad-hoc earning event of that multiplier (fractions carried per user)."""
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp:
        stack = await SystemStack(
            Path(tmp), ["ledger", "presence"],
            onboarding={"welcome_wallet": 0}, presence={"tick_interval_seconds": 3600}, rain={"enabled": False},
        ).start()
        robot = stack.robot
        assert robot is not None
        try:
            names = [f"viewer{i:04d}" for i in range(users)]
            for n in names:
                await robot.join(n)
            present = {"command": "presence.present_users"}
            while len((await robot.request("presence", present))["data"]["users"]) < users:
                await asyncio.sleep(0.2)
            await robot.event("changeMedia", {"id": "bench", "type": "yt", "title": "Bench", "seconds": 7200,
                                              "duration": "120:00", "meta": {}, "currentTime": 0, "paused": False})
            if boost is not None:
                started_event = await robot.request("presence", {
                    "command": "presence.event_start", "admin": "bench", "multiplier": boost, "minutes": 600,
                    "name": "Bench Boost"})
                assert started_event["success"], started_event
            rows_before = (await robot.audit())["journal_rows"]
            rnd = random.Random(7)
            started = time.perf_counter()
            for i in range(messages):
                await robot.chat(names[i % users], rnd.choice(TEXTS).format(u=rnd.choice(names)))
            await robot.pm(names[1], "rewards")
            await robot.wait_for(lambda: robot.pms_to(names[1]), 300, "the PM behind the burst")
            evaluated = time.perf_counter() - started
            last, changed_at = -1, time.perf_counter()
            while time.perf_counter() - changed_at < 2.0:
                rows = (await robot.audit())["journal_rows"]
                if rows != last:
                    last, changed_at = rows, time.perf_counter()
                await asyncio.sleep(0.1)
            credited = changed_at - started
            audit = await robot.audit()
            result = {
                "users": users,
                "messages": messages,
                "evaluated_per_s": messages / evaluated,
                "credited_per_s": messages / credited,
                "credits": last - rows_before,
                "audit_ok": audit["ok"],
            }
            under = f", under a {boost}× event" if boost is not None else ""
            print(f"chat throughput through real NATS, {users} present users, {messages} messages (all triggers on"
                  f"{under})")
            print(f"  evaluated: {result['evaluated_per_s']:.0f} msg/s   credited: {result['credited_per_s']:.0f} msg/s"
                  f"   ({result['credits']} ledger credits, audit ok={audit['ok']})", flush=True)
            return result
        finally:
            await stack.stop()
