"""Achievements (DECISIONS 5, 6, 17): every condition type, pays once, hidden ones, bans, reward 0,
a reward that crosses a rank, the ``achievements`` reply and the request subjects."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from economy_announcer.service import AnnouncerService
from economy_ledger.achievement_rules import bar, listing, newly_met, unlocked_pm
from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.config.progression import Achievement
from economy_shared.subjects import PUBLIC_COMMAND, service_subject
from tests.helpers import CHANNEL, Stack, make_config

LEDGER = service_subject("ledger")
TYPES = ["lifetime_messages", "lifetime_presence_hours", "daily_streak", "unique_tip_recipients",
         "unique_tip_senders", "lifetime_earned", "lifetime_spent", "lifetime_gambled", "gambling_biggest_win",
         "rank_reached", "unique_emotes_used_lifetime"]


def ach(aid: str, ctype: str, threshold: float, reward: int = 0, hidden: bool = False,
        public: bool = False, desc: str = "") -> dict[str, Any]:
    return {"id": aid, "description": desc or aid, "condition": {"type": ctype, "threshold": threshold},
            "reward": reward, "hidden": hidden, "announce_public": public}


# ---- pure rules -------------------------------------------------------------------------------------
@pytest.mark.parametrize("ctype", TYPES)
def test_every_condition_type_is_met_at_its_threshold_and_not_below(ctype: str) -> None:
    a = [Achievement.model_validate(ach("x", ctype, 3))]
    assert newly_met(a, {ctype: 2.9}, []) == []
    assert [m.id for m in newly_met(a, {ctype: 3}, [])] == ["x"]
    assert newly_met(a, {ctype: 99}, ["x"]) == []  # already earned
    assert newly_met(a, {}, []) == []  # unknown value counts as 0


def test_bars_listing_and_pm_wording() -> None:
    assert bar(5, 10) == "█████░░░░░" and bar(50, 10) == "█" * 10 and bar(1, 0) == "░" * 10
    cfg = [Achievement.model_validate(a) for a in (
        ach("m", "lifetime_messages", 100, desc="Sent 100 messages"),
        ach("h1", "daily_streak", 7, hidden=True), ach("h2", "daily_streak", 30, hidden=True),
        ach("e", "lifetime_earned", 10, desc="Earned 10"))]
    text = listing(cfg, {"e": to_ms_day(), "h1": to_ms_day()}, {"lifetime_messages": 25, "lifetime_earned": 12})
    assert "✅ Earned 10 (2026-01-05)" in text and "✅ h1 (2026-01-05)" in text
    assert "██░░░░░░░░ Sent 100 messages (25/100)" in text
    assert text.endswith("🔒 1 hidden achievement(s) remaining") and "h2" not in text
    assert unlocked_pm(cfg[0], "Z") == "🏆 Achievement unlocked: Sent 100 messages"
    assert unlocked_pm(Achievement.model_validate(ach("r", "lifetime_earned", 1, reward=25)), "Z").endswith("(+25 Z)")


def to_ms_day() -> int:
    from datetime import UTC, datetime
    return to_ms(datetime(2026, 1, 5, 12, tzinfo=UTC))


# ---- in the running service ------------------------------------------------------------------------
@pytest.fixture
def config(tmp_path: Path) -> EconomyConfig:
    return make_config(tmp_path, achievements=[
        ach("chatty", "lifetime_messages", 1, reward=25, public=True, desc="First words"),
        ach("earner", "lifetime_earned", 100, reward=0, desc="Earned 100"),
        ach("grip", "rank_reached", 1, reward=7, desc="Made Grip"),
        ach("spender", "lifetime_spent", 5, hidden=True),
        ach("generous", "unique_tip_recipients", 2, reward=3),
        ach("liked", "unique_tip_senders", 1, reward=0),
        ach("big_win", "gambling_biggest_win", 500, reward=10, hidden=True),
    ])


async def start(stack: Stack) -> LedgerService:
    ledger = await stack.add(LedgerService)
    await stack.add(AnnouncerService)
    return ledger


async def post(stack: Stack, key: str, postings: list[dict[str, Any]]) -> dict[str, Any]:
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": key,
                                     "postings": postings})
    assert r["success"], r
    return r["data"]


async def report(stack: Stack, reports: list[dict[str, Any]]) -> dict[str, Any]:
    return await stack.request(LEDGER, {"command": "ledger.report_stats", "channel": CHANNEL, "reports": reports})


async def checked(stack: Stack, ledger: LedgerService) -> None:
    await ledger.achievements.drain()
    await ledger.rank_notifier.drain()
    await stack.settle()


async def earned(ledger: LedgerService, user: str) -> set[str]:
    return set(await ledger.achievements._store.earned(CHANNEL, user))


async def balance(stack: Stack, user: str) -> int:
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
    return int(r["data"]["balance"])


def unlocks(stack: Stack, user: str) -> list[str]:
    return [m for m in stack.bus.pms_to(user) if "Achievement unlocked" in m]


async def test_a_reported_stat_unlocks_once_pays_once_and_announces(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, "open", [{"user": "alice", "amount": 1, "kind": "admin"}])
    for _ in range(3):  # replayed reports, and a lower one, change nothing more
        r = await report(stack, [{"user": "Alice", "stats": {"lifetime_messages": 1}}])
        assert r["success"] and r["data"]["recorded"] == 1
    await report(stack, [{"user": "alice", "stats": {"lifetime_messages": 0}}])
    await checked(stack, ledger)
    assert await balance(stack, "alice") == 26
    assert unlocks(stack, "alice") == ["🏆 Achievement unlocked: First words (+25 Z)"]
    assert stack.bus.chats() == ["🏆 alice unlocked First words!"]
    audit = await stack.request(LEDGER, {"command": "ledger.audit", "channel": CHANNEL})
    assert audit["data"]["ok"]


async def test_concurrent_reports_for_one_user_pay_once(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, "open", [{"user": "bob", "amount": 1, "kind": "admin"}])
    rs = await asyncio.gather(*[report(stack, [{"user": "bob", "stats": {"lifetime_messages": n}}])
                                for n in range(1, 8)])
    assert all(r["success"] for r in rs)
    await checked(stack, ledger)
    assert await balance(stack, "bob") == 26 and len(unlocks(stack, "bob")) == 1


async def test_reports_never_create_accounts_and_bad_input_is_refused(stack: Stack) -> None:
    ledger = await start(stack)
    r = await report(stack, [{"user": "ghost", "stats": {"lifetime_messages": 5}}])
    assert r["success"] and r["data"]["recorded"] == 0
    assert await ledger.store.account(CHANNEL, "ghost") is None
    bad = await report(stack, [{"user": "x", "stats": {"lifetime_messages": -1}}])
    assert not bad["success"] and bad["error_code"] == "bad_request"


async def test_earning_a_reward_of_0_records_the_award_and_posts_nothing(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, "e1", [{"user": "carol", "amount": 100, "kind": "earn"}])
    await checked(stack, ledger)
    assert "earner" in await earned(ledger, "carol") and await balance(stack, "carol") == 100
    assert unlocks(stack, "carol") == ["🏆 Achievement unlocked: Earned 100"]


async def test_a_reward_that_crosses_a_rank_converges(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, "open", [{"user": "dave", "amount": 1, "kind": "admin"}])
    await post(stack, "e1", [{"user": "dave", "amount": 975, "kind": "earn"}])
    await report(stack, [{"user": "dave", "stats": {"lifetime_messages": 3}}])  # +25: 1,000 earned -> Grip
    await checked(stack, ledger)
    assert await earned(ledger, "dave") == {"chatty", "earner", "grip"}
    assert await balance(stack, "dave") == 1 + 975 + 25 + 7
    assert any("You're now a Grip" in m for m in stack.bus.pms_to("dave"))
    await checked(stack, ledger)
    assert len(unlocks(stack, "dave")) == 3


async def test_a_banned_user_is_not_awarded_until_unbanned(stack: Stack, clock: FakeClock) -> None:
    ledger = await start(stack)
    await post(stack, "open", [{"user": "erin", "amount": 1, "kind": "admin"}])
    await ledger.store.set_banned(CHANNEL, "erin", True, "test", to_ms(clock.now()))
    await report(stack, [{"user": "erin", "stats": {"lifetime_messages": 1}}])
    await checked(stack, ledger)
    assert await earned(ledger, "erin") == set() and await balance(stack, "erin") == 1
    await ledger.store.set_banned(CHANNEL, "erin", False, None, to_ms(clock.now()))
    await report(stack, [{"user": "erin", "stats": {"lifetime_messages": 1}}])  # nothing new to report...
    await checked(stack, ledger)  # ...the unban itself hands erin to the worker
    assert "chatty" in await earned(ledger, "erin") and await balance(stack, "erin") == 26


async def test_ledger_stats_tips_spending_and_gambling(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, "f", [{"user": u, "amount": 50, "kind": "admin"} for u in ("fay", "gus", "hal")])
    for i, target in enumerate(("gus", "hal", "Gus")):
        await post(stack, f"t{i}", [{"user": "fay", "amount": -1, "kind": "transfer", "related_user": target},
                                    {"user": target, "amount": 1, "kind": "transfer", "related_user": "fay"}])
    await post(stack, "s", [{"user": "gus", "amount": -5, "kind": "spend"}])
    await report(stack, [{"user": "hal", "stats": {"gambling_biggest_win": 500}}])
    await checked(stack, ledger)
    assert await earned(ledger, "fay") == {"generous"}
    assert await earned(ledger, "gus") == {"liked", "spender"}
    assert await earned(ledger, "hal") == {"liked", "big_win"}


async def test_the_achievements_reply_and_the_list_requests(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, "open", [{"user": "ivy", "amount": 1, "kind": "admin"}])
    await report(stack, [{"user": "ivy", "stats": {"lifetime_messages": 1}}])
    await checked(stack, ledger)
    await stack.pm("ivy", "achievements")
    text = stack.bus.pms_to("ivy")[-1]
    assert "✅ First words (2026-01-05)" in text and "██░░░░░░░░ Earned 100 (25/100)" in text
    assert "🔒 2 hidden achievement(s) remaining" in text and "spender" not in text
    r = await stack.request(PUBLIC_COMMAND, {"command": "achievement.list", "channel": CHANNEL, "username": "ivy"})
    assert r["success"] and [a["achievement_id"] for a in r["data"]["achievements"]] == ["chatty"]
    r = await stack.request(LEDGER, {"command": "ledger.achievements", "channel": CHANNEL, "user": "ivy"})
    assert r["success"] and r["data"]["text"] == text
    assert await ledger.achievements.count(CHANNEL, "ivy") == 1


async def test_the_announcer_gate_can_silence_the_public_line(tmp_path: Path, bus: Any, clock: FakeClock) -> None:
    cfg = make_config(tmp_path, achievements=[ach("chatty", "lifetime_messages", 1, reward=25, public=True)],
                      announcements={"gates": [{"template": "achievement", "enabled": False}]})
    stack = Stack(bus, cfg, clock)
    try:
        ledger = await start(stack)
        await post(stack, "open", [{"user": "jo", "amount": 1, "kind": "admin"}])
        await report(stack, [{"user": "jo", "stats": {"lifetime_messages": 1}}])
        await checked(stack, ledger)
        assert len(unlocks(stack, "jo")) == 1 and stack.bus.chats() == []
    finally:
        await stack.close()


async def test_an_admin_rank_floor_counts_for_rank_reached(stack: Stack, clock: FakeClock) -> None:
    ledger = await start(stack)
    await post(stack, "open", [{"user": "kim", "amount": 1, "kind": "admin"}])
    await checked(stack, ledger)
    assert "grip" not in await earned(ledger, "kim")
    await ledger.database.execute("UPDATE accounts SET rank_floor='Grip' WHERE user_key='kim'")
    assert (await ledger.achievements.values(CHANNEL, "kim"))["rank_reached"] == 1
    await ledger.achievements.check(CHANNEL, "kim")
    assert "grip" in await earned(ledger, "kim") and await balance(stack, "kim") == 1 + 7


async def test_an_unlock_is_told_once_the_announcer_is_back(stack: Stack) -> None:
    ledger = await stack.add(LedgerService)  # no announcer yet: the PM cannot go out
    await post(stack, "open", [{"user": "lou", "amount": 1, "kind": "admin"}])
    await report(stack, [{"user": "lou", "stats": {"lifetime_messages": 1}}])
    await ledger.achievements.drain()
    assert "chatty" in await earned(ledger, "lou") and await balance(stack, "lou") == 26
    assert len(await ledger.achievements._store.untold()) == 1
    await stack.add(AnnouncerService)
    assert await ledger.achievements.tell_due() == 1
    await stack.settle()
    assert unlocks(stack, "lou") == ["🏆 Achievement unlocked: First words (+25 Z)"]
    assert await ledger.achievements.tell_due() == 0 and await balance(stack, "lou") == 26


# ---- the watch: which postings reach the worker -----------------------------------------------------
def test_the_watch_passes_only_postings_that_may_meet_a_ledger_held_condition() -> None:
    from economy_ledger.achievement_rules import Watch
    watch = Watch.of([Achievement.model_validate(a) for a in (
        ach("e", "lifetime_earned", 100), ach("s", "lifetime_spent", 5), ach("g", "lifetime_gambled", 50),
        ach("r", "rank_reached", 2), ach("m", "lifetime_messages", 1))])
    earned = {"lifetime_earned": 90}
    assert not watch.may_meet(earned, {"lifetime_earned": 9}, 0, 0, False)  # 99: below
    assert watch.may_meet(earned, {"lifetime_earned": 10}, 0, 0, False)  # 100: crossed
    assert not watch.may_meet({"lifetime_earned": 100}, {"lifetime_earned": 10}, 0, 0, False)  # already past
    assert watch.may_meet({}, {"lifetime_spent": 5}, None, None, False)
    assert watch.may_meet({"lifetime_gambled_in": 49}, {"lifetime_gambled_in": 1}, None, None, False)
    assert not watch.may_meet({"lifetime_spent": 9}, {"lifetime_spent": -4}, None, None, False)  # a refund
    assert not watch.may_meet({}, {}, 0, 1, False) and watch.may_meet({}, {}, 1, 3, False)  # rank 2 crossed
    assert not watch.may_meet({}, {}, None, 3, False)  # rank unknown before: set silently, swept at start
    assert not watch.may_meet({}, {}, 0, 0, True)  # a tip, but no tip condition configured
    tips = Watch.of([Achievement.model_validate(ach("t", "unique_tip_senders", 1))])
    assert tips.may_meet({}, {}, 0, 0, True) and not tips.may_meet({}, {"lifetime_earned": 5}, 0, 0, False)


async def test_postings_below_every_threshold_queue_no_check(stack: Stack) -> None:
    ledger = await start(stack)
    seen: list[set[tuple[str, str]]] = []
    ledger.store.on_change = seen.append  # observe what the posting path hands the worker
    await post(stack, "tick1", [{"user": f"u{i}", "amount": 1, "kind": "earn"} for i in range(50)])
    assert seen == []  # 1 Z each: no threshold crossed, nothing to check
    await post(stack, "big", [{"user": "u1", "amount": 99, "kind": "earn"}])  # 100: "Earned 100", and Grip
    assert seen == [{(CHANNEL, "u1")}]


async def test_start_awards_thresholds_passed_before_the_achievement_existed(tmp_path: Path, bus: Any,
                                                                          clock: FakeClock) -> None:
    before = Stack(bus, make_config(tmp_path), clock)  # no achievements configured yet
    try:
        await start(before)
        await post(before, "old", [{"user": "vet", "amount": 150, "kind": "earn"}])
    finally:
        await before.close()
    after = Stack(bus, make_config(tmp_path, achievements=[ach("earner", "lifetime_earned", 100, reward=4)]), clock)
    try:
        ledger = await start(after)
        await checked(after, ledger)
        assert await earned(ledger, "vet") == {"earner"} and await balance(after, "vet") == 154
    finally:
        await after.close()


def test_only_reports_that_cross_a_threshold_are_evaluated() -> None:
    from economy_ledger.achievement_rules import reported_crossing
    cfg = [Achievement.model_validate(ach("h", "lifetime_presence_hours", 24))]
    assert not reported_crossing(cfg, {"lifetime_presence_hours": 5.0}, {"lifetime_presence_hours": 6.0})
    assert reported_crossing(cfg, {"lifetime_presence_hours": 23.9}, {"lifetime_presence_hours": 24.0})
    assert reported_crossing(cfg, {}, {"lifetime_presence_hours": 30.0})  # first report, already past
    assert not reported_crossing(cfg, {"lifetime_presence_hours": 30.0}, {"lifetime_presence_hours": 10.0})
    assert not reported_crossing(cfg, {}, {"lifetime_messages": 500})  # no achievement reads it
