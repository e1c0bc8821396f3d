"""Earning events in process (ledger + presence on the in-memory bus, a fake clock): the admin's ad-hoc
event doubles the tick and every trigger and says so in the journal, is listed, announced, refused to a
non-admin, one at a time, survives a restart and ends on time; a scheduled event starts on its cron,
pays its presence bonus exactly once across a restart, and ends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.presence.test_chat_support import say
from tests.presence.test_timed_helpers import (
    PRESENCE,
    FakeAnnouncer,
    audit_ok,
    earnings,
    join,
    make_stack,
    move_to,
    restart,
    start,
    tick,
)

ADMIN = {"usernames": ["Boss"]}
FLAT = {"base_rate_per_minute": 1, "active_bonus_per_minute": 0}


async def journal_meta(stack: Stack, user: str, trigger: str) -> list[dict | None]:
    ledger = stack.hosts[0].service
    rows = await ledger.database.fetchall(
        "SELECT j.metadata FROM journal j JOIN accounts a ON a.id = j.account_id WHERE a.user_key = ? "
        "AND j.trigger_id = ? ORDER BY j.id", (user.casefold(), trigger))
    return [json.loads(r["metadata"]) if r["metadata"] else None for r in rows]


async def test_an_adhoc_event_multiplies_every_presence_credit(tmp_path: Path, bus: InMemoryBus,
                                                                clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, admin=ADMIN, presence=FLAT)
    try:
        presence = await start(stack)
        await join(stack, "alice", "Boss")
        await tick(stack, presence)
        assert await earnings(stack, "alice", "presence.") == [("presence.base", 1)]

        await stack.pm("alice", 'event start 2 60 "Free Money"')
        assert announcer.pms("alice")[-1] == "🚫 That one's for channel admins."
        await stack.pm("Boss", 'event start 2 60 "Movie Night"')
        assert announcer.pms("boss")[-1] == "⚡ Movie Night started: 2× earning for 60 min."
        [start_line] = announcer.announcements("event_start")
        assert start_line["context"] | {} == {"name": "Movie Night", "multiplier": "2", "hours": "1",
                                              "duration": "1 hour", "by": "Boss"}
        await stack.pm("Boss", 'event start 3 10 "Another"')
        assert announcer.pms("boss")[-1].startswith("⚡ Movie Night is already running (2×, 1h left)")

        await tick(stack, presence)
        assert await earnings(stack, "alice", "presence.") == [("presence.base", 1), ("presence.base", 2)]
        meta = (await journal_meta(stack, "alice", "presence.base"))[-1]
        assert meta == {"multiplier": "2", "sources": ["adhoc:Movie Night"]}
        await say(stack, "alice", "hi")  # first message of the day: 5 Z, doubled
        assert await earnings(stack, "alice", "chat.first_message_of_day") == [("chat.first_message_of_day", 10)]
        assert (await journal_meta(stack, "alice", "chat.first_message_of_day"))[0] == {
            "multiplier": "2", "sources": ["adhoc:Movie Night"], "base": 5}

        await stack.pm("alice", "multipliers")
        assert announcer.pms("alice")[-1] == (
            "🎉 Earning bonuses right now:\n⚡ Movie Night: 2× (59 min left)\nCombined: 2×")
        reply = await stack.request(PRESENCE, {"command": "presence.events", "channel": CHANNEL})
        assert reply["data"]["combined"] == 2.0 and reply["data"]["sources"][0]["source"] == "adhoc:Movie Night"

        await stack.pm("Boss", "event stop")
        assert announcer.pms("boss")[-1] == "🛑 Movie Night stopped."
        assert [a["context"]["name"] for a in announcer.announcements("event_stop")] == ["Movie Night"]
        await stack.pm("Boss", "event stop")
        assert announcer.pms("boss")[-1] == "No ad-hoc event is running."
        await tick(stack, presence)
        assert (await earnings(stack, "alice", "presence."))[-1] == ("presence.base", 1)
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_bad_event_commands_change_nothing(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, admin=ADMIN, multipliers={"adhoc": {"max_multiplier": 3,
                                                                                  "max_minutes": 120}})
    try:
        presence = await start(stack)
        for text, answer in [
            ("event", 'Usage: event start <multiplier> <minutes> "<name>"  ·  event stop'),
            ("event start 2", 'Usage: event start <multiplier> <minutes> "<name>"  ·  event stop'),
            ('event start 1 60 "x"', "The multiplier must be above 1 and at most 3."),
            ('event start 4 60 "x"', "The multiplier must be above 1 and at most 3."),
            ('event start 2 121 "x"', "The duration must be between 1 and 120 minutes."),
            ('event start 2 0 "x"', "The duration must be between 1 and 120 minutes."),
            ('event start 2 60 "/kick everyone"', "⚡ kick everyone started: 2× earning for 60 min."),
        ]:
            await stack.pm("Boss", text)
            assert announcer.pms("boss")[-1] == answer, text
        assert [r.name for r in presence.events.running(CHANNEL)] == ["kick everyone"]  # sanitised (DECISIONS 20)
        bad = await stack.request(PRESENCE, {"command": "presence.event_start", "channel": CHANNEL, "admin": "Boss",
                                             "multiplier": 2, "minutes": 5, "name": "x"})
        assert (bad["success"], bad["error_code"]) == (False, "conflict")
        malformed = await stack.request(PRESENCE, {"command": "presence.event_start", "channel": CHANNEL})
        assert malformed["error_code"] == "bad_request"
    finally:
        await stack.close()


async def test_an_event_survives_a_restart_and_ends_on_time(tmp_path: Path, bus: InMemoryBus,
                                                            clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, admin=ADMIN, presence=FLAT)
    try:
        presence = await start(stack)
        await join(stack, "alice", "Boss")
        await stack.pm("Boss", 'event start 3 30 "Triple"')
        await tick(stack, presence, 10)
        stack, presence = await restart(stack, ["alice", "Boss"])
        await tick(stack, presence, 19)  # minute 29 of 30
        assert {a for _, a in await earnings(stack, "alice", "presence.")} == {3}
        assert announcer.announcements("event_stop") == []
        await tick(stack, presence, 2)
        assert [a for _, a in await earnings(stack, "alice", "presence.")][-1] == 1
        assert [a["context"]["name"] for a in announcer.announcements("event_stop")] == ["Triple"]
        assert presence.events.running(CHANNEL) == []
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_a_scheduled_event_starts_on_cron_and_pays_its_bonus_once(tmp_path: Path, bus: InMemoryBus,
                                                                       clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    weekly = {"name": "Monday Matinee", "cron": "0 13 * * 1", "duration_hours": 1, "multiplier": 1.5,
              "presence_bonus": 7}
    stack = make_stack(tmp_path, bus, clock, presence=FLAT, multipliers={"scheduled_events": [weekly]})
    try:
        move_to(stack, datetime(2026, 1, 5, 12, 58, tzinfo=UTC))  # a Monday
        presence = await start(stack)
        await join(stack, "alice", "bob", "Cy")
        await tick(stack, presence)  # 12:59
        assert announcer.announcements("event_start") == []
        await tick(stack, presence)  # 13:00: it starts
        [line] = announcer.announcements("event_start")
        assert line["context"]["name"] == "Monday Matinee" and line["context"]["duration"] == "1 hour"
        bonus = {u: await earnings(stack, u, "event.") for u in ("alice", "bob", "cy")}
        assert bonus == {"alice": [("event.presence_bonus", 3)], "bob": [("event.presence_bonus", 2)],
                         "cy": [("event.presence_bonus", 2)]}  # 7 Z split exactly
        assert "🎁 You were here when Monday Matinee started: +3 Z!" in announcer.pms("alice")
        await tick(stack, presence, 2)  # 1.5 Z a minute, exact: 1, 2, 1, 2 ...
        stack, presence = await restart(stack, ["alice", "bob", "Cy"])
        await tick(stack, presence, 2)
        pay = [a for _, a in await earnings(stack, "alice", "presence.")]
        assert pay[:2] == [1, 1] and sum(pay[2:]) == 6  # 12:59 unboosted, 13:00 ... 13:03 at 1.5×
        assert len(announcer.announcements("event_start")) == 1
        assert await earnings(stack, "alice", "event.") == [("event.presence_bonus", 3)]  # not paid again
        move_to(stack, datetime(2026, 1, 5, 13, 59, tzinfo=UTC))
        await tick(stack, presence)  # 14:00: over
        assert [a["context"]["name"] for a in announcer.announcements("event_stop")] == ["Monday Matinee"]
        assert (await earnings(stack, "alice", "presence."))[-1] == ("presence.base", 1)
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_bonuses_and_rain_are_multiplied_but_not_the_admin_rain(tmp_path: Path, bus: InMemoryBus,
                                                                       clock: FakeClock) -> None:
    from tests.presence.test_timed_rain import until_rain

    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, admin=ADMIN, presence={**FLAT, "hourly_milestones": {1: 10}},
                       rain={"enabled": True, "min_amount": 7, "max_amount": 7},
                       multipliers={"adhoc": {"max_minutes": 10_000}})
    try:
        presence = await start(stack)
        await join(stack, "alice", "Boss")
        await stack.pm("Boss", 'event start 2.5 5000 "Marathon"')
        await tick(stack, presence, 60)  # the 1-hour dwell milestone: 10 Z × 2.5
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 25)]
        assert "+25 Z" in " ".join(announcer.pms("alice"))  # the notice tells the boosted amount
        await until_rain(stack, presence)
        drops = [a for _, a in await earnings(stack, "alice", "rain.ambient")]
        assert len(drops) >= 2 and drops[:2] == [17, 18]  # 7 × 2.5 = 17.5: the half Z waits for the next drop
        assert sum(drops) == 35 * len(drops) // 2
        assert presence.boost_carries.carry(CHANNEL, "alice") == (500 if len(drops) % 2 else 0)
        assert (await journal_meta(stack, "alice", "rain.ambient"))[0] == {
            "multiplier": "2.5", "sources": ["adhoc:Marathon"], "base": 7}
        await stack.pm("Boss", "rain 10")
        assert await earnings(stack, "alice", "rain.admin") == [("rain.admin", 10)]  # the admin's gift is exact
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_the_public_subject_forwards_events_and_guards_the_admin_ones(tmp_path: Path, bus: InMemoryBus,
                                                                           clock: FakeClock) -> None:
    FakeAnnouncer(bus)
    public = "kryten.economy.command"
    for allowed in (False, True):
        stack = make_stack(tmp_path / str(allowed), bus, clock, api={"allow_admin_commands": allowed})
        try:
            await start(stack)
            listed = await stack.request(public, {"command": "events.list", "channel": CHANNEL})
            assert listed["success"] and listed["data"]["sources"] == [] and listed["data"]["combined"] == 1.0
            started = await stack.request(public, {"command": "event.start", "channel": CHANNEL, "multiplier": 2,
                                                   "minutes": 30, "name": "API Night"})
            if not allowed:
                assert (started["success"], started["error_code"]) == (False, "forbidden")
                continue
            assert started["success"] and started["data"]["name"] == "API Night", started
            listed = await stack.request(public, {"command": "events.list", "channel": CHANNEL})
            assert [s["source"] for s in listed["data"]["sources"]] == ["adhoc:API Night"]
            stopped = await stack.request(public, {"command": "event.stop", "channel": CHANNEL})
            assert stopped["success"]
        finally:
            await stack.close()
