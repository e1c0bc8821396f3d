"""presence.import_members (issue 14) in-process: streaks and welcome wallets taken over from the original
kryten-economy — once per user (same entry: already, another: conflict), dry run, bad requests, two
batches at once, no second welcome wallet, and an imported streak that carries on like a native one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from economy_presence.member_import_rules import merge_streak
from economy_presence.service import PresenceService
from economy_presence.timed.streaks import StreakState
from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.presence.test_timed_helpers import (
    PRESENCE,
    FakeAnnouncer,
    audit_ok,
    balance,
    earnings,
    join,
    leave,
    make_stack,
    restart,
    start,
    tick,
)

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday
TODAY, YESTERDAY = "2026-01-05", "2026-01-04"
ONE_MINUTE_DAYS: dict[str, Any] = {"daily": {"min_presence_minutes": 1}, "weekend_weekday_bridge": {"enabled": False}}


def member(user: str, current: int = 0, longest: int = 0, last: str | None = None, welcomed: bool = False,
           ) -> dict[str, Any]:
    return {"user": user, "current_streak": current, "longest_streak": longest, "last_streak_day": last,
            "welcome_claimed": welcomed}


async def send(stack: Stack, members: list[dict[str, Any]], dry_run: bool = False,
               channel: str = CHANNEL) -> dict[str, Any]:
    return await stack.request(PRESENCE, {"command": "presence.import_members", "channel": channel,
                                          "members": members, "dry_run": dry_run})


async def outcomes(stack: Stack, members: list[dict[str, Any]], dry_run: bool = False) -> list[tuple[str, str]]:
    r = await send(stack, members, dry_run)
    assert r["success"], r
    return [(o["ref"], o["status"]) for o in r["data"]["outcomes"]]


async def status(stack: Stack, user: str) -> tuple[int, int, str | None]:
    """(streak_days as shown, longest, last counted day) from presence.user_status."""
    r = await stack.request(PRESENCE, {"command": "presence.user_status", "channel": CHANNEL, "user": user})
    assert r["success"], r
    d = r["data"]
    return d["streak_days"], d["longest_streak_days"], d["last_streak_day"]


async def tables(presence: PresenceService) -> dict[str, list[tuple[Any, ...]]]:
    db = presence.database
    return {t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t} ORDER BY user_key")]  # noqa: S608
            for t in ("imported_members", "timed_streaks")}


async def test_import_then_replay_is_already_even_after_the_streak_moved_on(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(NOON)
    stack = make_stack(tmp_path, bus, clock, streaks=ONE_MINUTE_DAYS)
    try:
        presence = await start(stack)
        batch = [member("Alice", 5, 9, YESTERDAY, True), member("bob", 0, 3, "2025-12-01")]
        assert await outcomes(stack, batch) == [("Alice", "imported"), ("bob", "imported")]
        assert await status(stack, "alice") == (5, 9, YESTERDAY)
        assert await status(stack, "BOB") == (0, 3, "2025-12-01")  # lapsed: shown as 0, kept as history
        await join(stack, "alice")
        await tick(stack, presence)  # today counts: the imported streak carries on
        assert await status(stack, "alice") == (6, 9, TODAY)
        before = await tables(presence)
        assert await outcomes(stack, batch) == [("Alice", "already"), ("bob", "already")]
        assert await outcomes(stack, [member("ALICE", 5, 9, YESTERDAY, True)]) == [("ALICE", "already")]
        assert await tables(presence) == before
        assert await status(stack, "alice") == (6, 9, TODAY)
    finally:
        await stack.close()


async def test_a_changed_entry_is_a_conflict_and_changes_nothing(tmp_path: Path, bus: InMemoryBus,
                                                                 clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        await outcomes(stack, [member("alice", 2, 4, YESTERDAY)])
        before = await tables(presence)
        r = await send(stack, [member("alice", 3, 4, TODAY), member("carol", 1, 1, TODAY)])
        assert r["success"], r
        alice, carol = r["data"]["outcomes"]
        assert alice["status"] == "conflict" and "different entry" in alice["detail"] and "\n" not in alice["detail"]
        assert carol["status"] == "imported"  # the rest of the batch is not held back
        after = await tables(presence)
        assert [row for row in after["timed_streaks"] if row[1] == "alice"] == \
               [row for row in before["timed_streaks"] if row[1] == "alice"]
        assert await status(stack, "alice") == (2, 4, YESTERDAY)
    finally:
        await stack.close()


async def test_dry_run_answers_and_writes_nothing(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        batch = [member("alice", 2, 4, YESTERDAY, True), member("bob", 1, 1, TODAY)]
        assert await outcomes(stack, batch, dry_run=True) == [("alice", "would_import"), ("bob", "would_import")]
        assert await tables(presence) == {"imported_members": [], "timed_streaks": []}
        assert not presence.member_import.welcome_claimed(CHANNEL, "alice")
        await outcomes(stack, batch[:1])
        assert await outcomes(stack, [member("alice", 9, 9, TODAY), batch[0], batch[1]], dry_run=True) == [
            ("alice", "conflict"), ("alice", "already"), ("bob", "would_import")]
        assert len((await tables(presence))["imported_members"]) == 1
    finally:
        await stack.close()


async def test_bad_requests_change_nothing(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        good = member("alice", 2, 4, YESTERDAY)
        for bad in ([good, member("bob", 1, 1, "2026-1-5")],  # not YYYY-MM-DD
                    [good, member("bob", 1, 1, "2026-02-30")],  # the shape, but no such day
                    [good, member("bob", -1, 1, TODAY)],
                    [member(f"u{i}", 1, 1, TODAY) for i in range(501)],
                    []):
            r = await send(stack, bad)
            assert not r["success"] and r["error_code"] == "bad_request", r
            assert "\n" not in r["error"] and "Traceback" not in r["error"]
        r = await send(stack, [good, member("bob", 1, 1, "2026-02-30")])
        assert "bob" in r["error"] and "2026-02-30" in r["error"]
        assert await tables(presence) == {"imported_members": [], "timed_streaks": []}
        unknown = await send(stack, [good], channel="elsewhere")
        assert unknown["error_code"] == "not_found"
        # the limit itself is accepted
        assert await outcomes(stack, [member(f"u{i}", 1, 1, TODAY) for i in range(500)]) == [
            (f"u{i}", "imported") for i in range(500)]
    finally:
        await stack.close()


async def test_two_identical_batches_at_once_import_once(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)
        batch = [member(f"user{i}", i % 7, 7, YESTERDAY, i % 2 == 0) for i in range(50)]
        first, second = await asyncio.gather(send(stack, batch), send(stack, batch))
        statuses = sorted({o["status"] for o in first["data"]["outcomes"]} | {"|"} |
                          {o["status"] for o in second["data"]["outcomes"]})
        assert statuses == ["already", "imported", "|"]
        assert len((await tables(presence))["imported_members"]) == 50
    finally:
        await stack.close()


async def test_the_original_welcome_wallet_is_never_paid_again(tmp_path: Path, bus: InMemoryBus,
                                                              clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, onboarding={"welcome_wallet": 100})
    try:
        await start(stack)
        await outcomes(stack, [member("Alice", welcomed=True), member("bob", welcomed=False)])
        await join(stack, "alice", "bob", "carol")
        assert await balance(stack, "alice") == 0
        assert announcer.pms("alice") == []  # no welcome PM either
        assert await balance(stack, "bob") == 100 and await balance(stack, "carol") == 100
        assert len(announcer.pms("bob")) == 1
        await leave(stack, "alice", "bob")
        clock.advance(minutes=30)  # a genuine second arrival
        stack, _ = await restart(stack, [])  # the welcomed set is read back from the file
        await join(stack, "ALICE", "bob")
        assert await balance(stack, "alice") == 0 and await balance(stack, "bob") == 100
        assert len(announcer.pms("bob")) == 1 and announcer.pms("alice") == []
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_an_imported_streak_continues_or_resets_like_a_native_one(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(NOON)
    stack = make_stack(tmp_path, bus, clock, streaks=ONE_MINUTE_DAYS)
    try:
        presence = await start(stack)
        await outcomes(stack, [member("alice", 5, 9, YESTERDAY), member("bob", 5, 9, "2026-01-02")])
        await join(stack, "alice", "bob")
        await tick(stack, presence)
        assert await status(stack, "alice") == (6, 9, TODAY)
        assert await status(stack, "bob") == (1, 9, TODAY)  # a gap of two days: reset
        day6 = stack.config.streaks.daily.reward_for_day(6)
        assert day6 > 0 and await earnings(stack, "alice", "streak.") == [("streak.day6", day6)]
        assert [t for t, _ in await earnings(stack, "bob", "streak.")] == []  # day 1 pays no bonus
        clock.set(NOON + timedelta(days=1))
        await tick(stack, presence)
        assert await status(stack, "alice") == (7, 9, "2026-01-06")
        assert "streak.milestone.7" in [t for t, _ in await earnings(stack, "alice", "streak.")]
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_a_streak_already_here_is_merged(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(NOON - timedelta(days=1))
    stack = make_stack(tmp_path, bus, clock, streaks=ONE_MINUTE_DAYS)
    try:
        presence = await start(stack)
        await join(stack, "alice", "bob")
        await tick(stack, presence)  # yesterday counts here
        clock.set(NOON)
        await tick(stack, presence)  # and today: a 2-day run here
        r = await send(stack, [member("alice", 10, 12, "2026-01-03"),  # ended the day before the run here began
                               member("bob", 10, 12, "2025-12-20")])  # long before: its history only
        assert [o["status"] for o in r["data"]["outcomes"]] == ["imported", "imported"]
        assert await status(stack, "alice") == (12, 12, TODAY)
        assert await status(stack, "bob") == (2, 12, TODAY)
    finally:
        await stack.close()


def test_merge_rules() -> None:
    d = datetime(2026, 1, 10).date()
    here = StreakState(2, 2, d)
    assert merge_streak(None, StreakState(4, 6, d)) == StreakState(4, 6, d)
    assert merge_streak(here, StreakState(5, 5, d - timedelta(days=2))) == StreakState(7, 7, d)  # touching runs
    assert merge_streak(here, StreakState(5, 8, d - timedelta(days=3))) == StreakState(2, 8, d)  # a gap
    assert merge_streak(here, StreakState(1, 1, d + timedelta(days=1))) == StreakState(3, 3, d + timedelta(days=1))
    assert merge_streak(here, StreakState(5, 5, d + timedelta(days=1))) == StreakState(5, 5, d + timedelta(days=1))
    assert merge_streak(here, StreakState(9, 9, d)) == StreakState(9, 9, d)  # same last day: the larger
    assert merge_streak(here, StreakState(0, 3, None)) == StreakState(2, 3, d)


async def test_a_last_day_after_today_counts_as_today(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        await start(stack)
        r = await send(stack, [member("alice", 3, 3, "2026-01-06")])
        (o,) = r["data"]["outcomes"]
        assert o["status"] == "imported" and o["skipped"] and "after today" in o["skipped"][0]
        assert await status(stack, "alice") == (3, 3, TODAY)
    finally:
        await stack.close()


async def test_a_failure_half_way_leaves_nothing_behind(tmp_path: Path, bus: InMemoryBus, clock: FakeClock,
                                                        monkeypatch: Any) -> None:
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack)

        async def broken(self: Any, rows: Any, now_ms: int) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr("economy_presence.member_import_store.MemberImportTx.record", broken)
        r = await send(stack, [member("alice", 2, 4, YESTERDAY, True)])
        assert not r["success"] and r["error_code"] == "internal_error" and "disk full" not in r["error"]
        assert await tables(presence) == {"imported_members": [], "timed_streaks": []}  # the streak rolled back
        assert not presence.member_import.welcome_claimed(CHANNEL, "alice")
        monkeypatch.undo()
        assert await outcomes(stack, [member("alice", 2, 4, YESTERDAY, True)]) == [("alice", "imported")]
    finally:
        await stack.close()
