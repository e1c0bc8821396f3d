"""Owed payments: a ledger outage delays a bonus but never loses or doubles it; crowds cross in one batch."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from economy_presence.timed.owed import Owed
from economy_shared.clock import FakeClock, to_ms
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL
from tests.presence.test_timed_helpers import (
    FakeAnnouncer,
    FastFailPresence,
    earnings,
    join,
    ledger_down,
    ledger_up,
    make_stack,
    start,
    tick,
)

NO_STREAKS = {"daily": {"enabled": False}, "weekend_weekday_bridge": {"enabled": False}}


async def test_outage_delays_a_milestone_without_losing_or_doubling_it(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, streaks=NO_STREAKS)
    try:
        presence = await start(stack, FastFailPresence)
        await join(stack, "alice")
        await tick(stack, presence, 59)
        ledger_down(stack)
        await tick(stack, presence)  # the 60th minute: the milestone is owed, the ledger is gone
        assert await presence.timed.store.owed_count() == 1
        await ledger_up(stack)
        await tick(stack, presence)
        assert await presence.timed.store.owed_count() == 0
        await tick(stack, presence, 2)
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10)]
        assert len([m for m in announcer.pms("alice") if "milestone" in m]) == 1
    finally:
        await stack.close()


async def test_an_owed_row_already_paid_is_dropped_silently(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        owed = Owed(key="dwell:testchan:alice:2026-01-05:1", user="alice", amount=10, trigger_id="dwell.1h",
                    reason="1-hour dwell milestone", notice="paid!")
        await presence.timed.store.add_owed(CHANNEL, [owed], to_ms(clock.now()))
        presence.timed.payer.kick()
        await stack.settle()
        # a crash after paying but before deleting the row: the same row again
        await presence.timed.store.add_owed(CHANNEL, [owed], to_ms(clock.now()))
        presence.timed.payer.kick()
        await stack.settle()
        assert await presence.timed.store.owed_count() == 0
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10)]
        assert announcer.pms("alice") == ["paid!"]
    finally:
        await stack.close()


async def test_ten_thousand_users_cross_in_one_batch(tmp_path: Path, bus: InMemoryBus) -> None:
    """00:15 UTC: everyone who stayed up crosses the streak threshold in the same tick."""
    clock = FakeClock(datetime(2026, 1, 6, 0, 14, tzinfo=UTC))  # a Tuesday
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        presence.timed.payer.kick = lambda: None  # measure the tick side only; payment is background work
        book = presence.books[CHANNEL]
        names = [f"user{i}" for i in range(10_000)]
        for n in names:
            book.join(n, clock.now())
        day = "2026-01-06"
        async with presence.database.transaction() as conn:
            await conn.executemany(
                "INSERT INTO daily_presence (channel, user_key, day, minutes) VALUES (?,?,?,14)",
                [(CHANNEL, n, day) for n in names],
            )
            await conn.executemany(
                "INSERT INTO timed_streaks (channel, user_key, current, longest, last_day) VALUES (?,?,1,1,?)",
                [(CHANNEL, n, "2026-01-05") for n in names],
            )
        presence.timed.daily.progress[CHANNEL].reset(day, dict.fromkeys(names, 14))
        clock.advance(60)
        await presence.timed.on_minutes(CHANNEL, book.present(), clock.now())
        assert await presence.timed.store.owed_count() == 10_000
        row = await presence.database.fetchone(
            "SELECT COUNT(*) FROM timed_streaks WHERE current=2 AND last_day=?", (day,)
        )
        assert row is not None and row[0] == 10_000
        clock.advance(60)
        await presence.timed.on_minutes(CHANNEL, book.present(), clock.now())  # nobody crosses anything
        assert await presence.timed.store.owed_count() == 10_000
    finally:
        await stack.close()


async def test_a_failing_rule_never_breaks_the_tick(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock, streaks=NO_STREAKS)
    try:
        presence = await start(stack)
        daily = presence.timed.daily
        real = daily.evaluate
        calls = 0

        async def flaky(*args: object, **kwargs: object) -> None:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise RuntimeError("disk hiccup")
            await real(*args, **kwargs)  # type: ignore[arg-type]

        daily.evaluate = flaky  # type: ignore[method-assign]
        await join(stack, "alice")
        await tick(stack, presence, 60)  # the 60th minute's evaluation fails
        assert await earnings(stack, "alice", "dwell.") == []
        await tick(stack, presence)  # retried on the next minute
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10)]
        assert len(await earnings(stack, "alice", "presence.")) == 61
    finally:
        await stack.close()
