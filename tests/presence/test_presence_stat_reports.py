"""Achievement stats from presence (stat_reporter.py): lifetime messages, hours, streak and the
lifetime emote set are reported to the ledger in one batch per pass; a user stays dirty until the
ledger answered, so nothing is lost to a ledger outage or a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from economy_ledger.service import LedgerService
from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.presence.test_chat_support import chat_config, join, say

ACHIEVEMENTS = [{"id": "chatty", "description": "First words", "condition": {"type": "lifetime_messages",
                                                                              "threshold": 3}, "reward": 5},
                {"id": "emoter", "description": "Two emotes", "condition": {"type": "unique_emotes_used_lifetime",
                                                                            "threshold": 2}, "reward": 0}]


async def ledger_stats(ledger: LedgerService, user: str) -> dict[str, float]:
    rows = await ledger.database.fetchall("SELECT stat, value FROM achievement_stats WHERE user_key=?", (user,))
    return {r["stat"]: r["value"] for r in rows}


async def dirty(presence: PresenceService) -> set[str]:
    return {r[0] for r in await presence.database.fetchall("SELECT user_key FROM stat_dirty")}


async def test_chat_is_reported_in_one_batch_and_unlocks_once(tmp_path: Path, bus: InMemoryBus,
                                                                clock: FakeClock) -> None:
    bus.kv[(f"kryten_{CHANNEL}_emotes", "list")] = [{"name": "Kappa"}, {"name": "LUL"}]
    PresenceService.autotick = False
    stack = Stack(bus, chat_config(tmp_path, achievements=ACHIEVEMENTS), clock)
    try:
        ledger: LedgerService = await stack.add(LedgerService)
        presence: PresenceService = await stack.add(PresenceService)
        presence.chat.flush_delay = 0.0
        await join(stack, "alice", "bob")
        clock.advance(120)
        for text in ("hello there Kappa", "Kappa again", "LUL"):
            await say(stack, "alice", text)
        await say(stack, "bob", "hi")
        await stack.settle()
        assert await dirty(presence) == {"alice", "bob"}
        seen: list[str] = []

        async def spy(req: dict[str, Any]) -> dict[str, Any]:  # runs beside the ledger; the ledger answers
            seen.append(req["command"])
            return {}

        bus.add_responder("kryten.economy.ledger.command", spy)
        assert await presence.stat_reporter.report_once() == 2
        assert seen == ["ledger.report_stats"]  # one batched request for both users
        assert await dirty(presence) == set()
        stats = await ledger_stats(ledger, "alice")
        assert stats["lifetime_messages"] == 3 and stats["unique_emotes_used_lifetime"] == 2
        await ledger.achievements.drain()
        got = set(await ledger.achievements._store.earned(CHANNEL, "alice"))
        assert got == {"chatty", "emoter"} and await ledger.achievements._store.earned(CHANNEL, "bob") == {}
        assert await presence.stat_reporter.report_once() == 0  # nothing changed: nothing sent
    finally:
        await stack.close()


async def test_an_unanswered_report_stays_dirty_and_survives_a_restart(tmp_path: Path, bus: InMemoryBus,
                                                                       clock: FakeClock) -> None:
    PresenceService.autotick = False
    cfg = chat_config(tmp_path, achievements=ACHIEVEMENTS)
    stack = Stack(bus, cfg, clock)
    try:
        presence: PresenceService = await stack.add(PresenceService)  # no ledger on the bus
        presence.chat.flush_delay = 0.0
        await join(stack, "carol")
        await say(stack, "carol", "hello")
        await stack.settle()
        presence.stat_reporter.timeout = 0.05
        assert await presence.stat_reporter.report_once() == 0
        assert await dirty(presence) == {"carol"}
    finally:
        await stack.close()
    stack = Stack(bus, cfg, clock)  # same database directory: a restart
    try:
        ledger: LedgerService = await stack.add(LedgerService)
        presence = await stack.add(PresenceService)
        await stack.request("kryten.economy.ledger.command", {
            "command": "ledger.post", "channel": CHANNEL, "idempotency_key": "open",
            "postings": [{"user": "carol", "amount": 1, "kind": "admin"}]})
        assert await dirty(presence) == {"carol"}
        assert await presence.stat_reporter.report_once() == 1
        assert (await ledger_stats(ledger, "carol"))["lifetime_messages"] == 1
    finally:
        await stack.close()


async def test_presence_hours_and_streak_values(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    PresenceService.autotick = False
    stack = Stack(bus, chat_config(tmp_path), clock)
    try:
        presence: PresenceService = await stack.add(PresenceService)
        db = presence.database
        for day, minutes in (("2026-01-04", 90), ("2026-01-05", 60)):
            await db.execute("INSERT INTO daily_presence (channel, user_key, day, minutes) VALUES (?, 'dan', ?, ?)",
                             (CHANNEL, day, minutes))
        await db.execute("INSERT INTO timed_streaks (channel, user_key, current, longest) VALUES (?, 'dan', 4, 6)",
                         (CHANNEL,))
        assert await dirty(presence) == {"dan"}  # the triggers marked the writes
        got = await presence.stat_reporter._values(CHANNEL, ["dan"])
        assert got == {"dan": {"lifetime_presence_hours": 2.5, "daily_streak": 4}}
    finally:
        await stack.close()
