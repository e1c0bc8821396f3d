"""Daily competitions in process (ledger + presence on the in-memory bus, a FakeClock): evaluated after
midnight for the day that ended, paid once across replays and restarts, z_earned waits for the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.presence.test_timed_helpers import (
    LEDGER,
    PRESENCE,
    FakeAnnouncer,
    FastFailPresence,
    audit_ok,
    earnings,
    join,
    ledger_down,
    ledger_up,
    make_stack,
    restart,
    start,
    tick,
)

DAY = "2026-01-05"
COMPETITIONS: list[dict[str, Any]] = [
    {"id": "chatty", "description": "Sent 3+ messages", "reward": 15,
     "condition": {"type": "daily_threshold", "field": "messages_sent", "threshold": 3}},
    {"id": "talker", "description": "Most messages", "reward": 35,
     "condition": {"type": "daily_top", "field": "messages_sent"}},
    {"id": "top_earner", "description": "Top earner", "reward_percent_of_earnings": 50,
     "condition": {"type": "daily_top", "field": "z_earned"}},
    {"id": "sitter", "description": "Longest stay", "reward": 5, "announce_public": False,
     "condition": {"type": "daily_top", "field": "minutes_present"}},
]


def competition_stack(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> Stack:
    return make_stack(tmp_path, bus, clock, daily_competitions=COMPETITIONS,
                      streaks={"daily": {"enabled": False}, "weekend_weekday_bridge": {"enabled": False}})


async def say(stack: Stack, user: str, text: str) -> None:
    await stack.event("chatMsg", {"username": user, "msg": text, "meta": {}, "time": 0})


async def a_day(stack: Stack, presence: PresenceService) -> None:
    """22:00-22:10 on DAY: alice and bob present; bob sends 4 messages, alice 3 (a tie on nothing)."""
    presence.chat.flush_delay = 0.0
    await join(stack, "alice", "bob", "OtherBot")
    for i in range(3):
        await say(stack, "alice", f"hello number {i}")
    for i in range(4):
        await say(stack, "bob", f"hi there {i}")
    for i in range(9):
        await say(stack, "OtherBot", f"spam {i}")
    await tick(stack, presence, 10)


async def day_earned(stack: Stack, day: str) -> dict[str, int]:
    r = await stack.request(LEDGER, {"command": "ledger.daily_earnings", "channel": CHANNEL, "day": day})
    assert r["success"], r
    return {u["user"]: u["earned"] for u in r["data"]["users"]}


def comp_rows(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(rows)


async def test_runs_after_midnight_for_the_ended_day_and_pays_once(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 22, 0, tzinfo=UTC))
    announcer = FakeAnnouncer(bus)
    stack = competition_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await a_day(stack, presence)
        earned = await day_earned(stack, DAY)
        assert earned["alice"] > earned["bob"] > 0 and "otherbot" not in earned  # alice spoke first today
        # 23:59 is still the day: nothing is evaluated before midnight
        clock.set(datetime(2026, 1, 5, 23, 59, 30, tzinfo=UTC))
        await presence.competitions.run_due()
        assert await earnings(stack, "bob", "competition.") == []
        clock.set(datetime(2026, 1, 6, 0, 0, 30, tzinfo=UTC))
        assert await presence.competitions.run_due() is False
        await stack.settle()
        half = earned["alice"] // 2  # 50 % of the top earner's real earnings of the day
        assert comp_rows(await earnings(stack, "bob", "competition.")) == [
            ("competition.chatty", 15), ("competition.talker", 35)]
        # alice and bob tie on minutes: alice reached each minute first (she joined first)
        assert comp_rows(await earnings(stack, "alice", "competition.")) == [
            ("competition.chatty", 15), ("competition.sitter", 5), ("competition.top_earner", half)]
        assert await earnings(stack, "otherbot", "competition.") == []
        assert "🥇 Most messages: +35 Z" in announcer.pms("bob")
        posts = [r["text"] for r in announcer.requests if r["command"] == "announcer.say"]
        assert len(posts) == 1
        assert "Sent 3+ messages: bob, alice (+15 Z each)" in posts[0] and "Most messages: bob (+35 Z)" in posts[0]
        assert "Longest stay" not in posts[0]  # announce_public: false
        # replays pay nothing more
        await presence.competitions.run_due()
        await presence.competitions.evaluate_day(CHANNEL, DAY)
        await stack.settle()
        assert len(await earnings(stack, "bob", "competition.")) == 2
        assert len([r for r in announcer.requests if r["command"] == "announcer.say"]) == 1
        # the awards are earnings but not the day's earnings (the next day's board)
        assert await day_earned(stack, "2026-01-06") == {}
        r = await stack.request(PRESENCE, {"command": "presence.competitions", "channel": CHANNEL, "day": DAY})
        assert r["success"] and r["data"]["evaluated"]
        talker = next(c for c in r["data"]["competitions"] if c["id"] == "talker")
        assert talker["winners"] == [{"user": "bob", "value": 4, "reward": 35}]
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_a_restart_across_midnight_catches_up_once(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 22, 0, tzinfo=UTC))
    FakeAnnouncer(bus)
    stack = competition_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await a_day(stack, presence)
        await presence.competitions.run_due()  # nothing due yet: the day has not ended
        clock.set(datetime(2026, 1, 6, 0, 20, tzinfo=UTC))  # down over midnight
        stack, presence = await restart(stack, ["alice", "bob"])
        assert await presence.competitions.run_due() is False  # what start() runs first in production
        await stack.settle()
        stack, presence = await restart(stack, ["alice", "bob"])
        await presence.competitions.run_due()
        clock.set(datetime(2026, 1, 7, 0, 0, 30, tzinfo=UTC))  # the next midnight: an empty day, no award
        await presence.competitions.run_due()
        await stack.settle()
        assert comp_rows(await earnings(stack, "bob", "competition.")) == [
            ("competition.chatty", 15), ("competition.talker", 35)]
        assert len(await earnings(stack, "alice", "competition.")) == 3
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_ledger_down_z_earned_waits_and_the_others_are_paid_later(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 22, 0, tzinfo=UTC))
    announcer = FakeAnnouncer(bus)
    stack = competition_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack, FastFailPresence)
        await a_day(stack, presence)
        earned = await day_earned(stack, DAY)
        clock.set(datetime(2026, 1, 6, 0, 0, 30, tzinfo=UTC))
        ledger_down(stack)
        assert await presence.competitions.run_due() is True  # top_earner waits
        await stack.settle()
        assert await presence.competitions.store.evaluated(CHANNEL, DAY) == {"chatty", "talker", "sitter"}
        assert await presence.timed.store.owed_count() == 4  # chatty x2, talker, sitter: owed, not lost
        posts = lambda: [r["text"] for r in announcer.requests if r["command"] == "announcer.say"]  # noqa: E731
        assert posts() == []  # the day's one post waits for its last competition
        await ledger_up(stack)
        clock.advance(300)
        assert await presence.competitions.run_due() is False
        assert len(posts()) == 1 and "Top earner: alice" in posts()[0] and "Most messages: bob" in posts()[0]
        presence.timed.payer.kick()
        await stack.settle()
        # an owed row that failed waits for its back-off; move past it
        clock.advance(3600)
        presence.timed.payer.kick()
        await stack.settle()
        assert await presence.timed.store.owed_count() == 0
        assert comp_rows(await earnings(stack, "alice", "competition.")) == [
            ("competition.chatty", 15), ("competition.sitter", 5), ("competition.top_earner", earned["alice"] // 2)]
        assert comp_rows(await earnings(stack, "bob", "competition.")) == [
            ("competition.chatty", 15), ("competition.talker", 35)]
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_the_store_records_who_reached_a_value_first(tmp_path: Path) -> None:
    """A daily_top tie goes to whoever got there first: bob reaches 5 GIFs before alice does."""
    import asyncio

    from economy_presence.competitions.rules import evaluate
    from economy_presence.competitions.store import CompetitionStore
    from economy_presence.migrations import MIGRATIONS
    from economy_shared.config.events import DailyCompetition
    from economy_shared.db import Database

    db = Database(str(tmp_path / "p.db"), MIGRATIONS)
    await db.open()
    try:
        upsert = ("INSERT INTO daily_activity (channel, user_key, day, gifs_posted, messages_sent) VALUES (?,?,?,?,0) "
                  "ON CONFLICT(channel, user_key, day) DO UPDATE SET gifs_posted = gifs_posted + excluded.gifs_posted")
        await db.execute(upsert, (CHANNEL, "alice", DAY, 4))
        await db.execute(upsert, (CHANNEL, "bob", DAY, 5))
        await asyncio.sleep(0.01)  # a later write (SQLite's clock has millisecond steps)
        await db.execute(upsert, (CHANNEL, "alice", DAY, 1))
        await db.execute("UPDATE daily_activity SET messages_sent = 9 WHERE user_key = 'bob'")  # another counter
        store = CompetitionStore(db)
        figures = {f.user_key: f for f in await store.figures(CHANNEL, DAY, "gifs_posted")}
        assert figures["alice"].value == figures["bob"].value == 5
        assert figures["bob"].reached is not None and figures["alice"].reached is not None
        assert figures["bob"].reached < figures["alice"].reached  # bob's later message did not move it
        comp = DailyCompetition.model_validate({"id": "gif", "reward": 5,
                                                "condition": {"type": "daily_top", "field": "gifs_posted"}})
        assert [a.user_key for a in evaluate(comp, list(figures.values()), None, lambda _: False)] == ["bob"]
    finally:
        await db.close()
