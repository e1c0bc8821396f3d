"""Ranks (DECISIONS 5, 17, 18): the tier from real earnings and the admin floor, rank-ups told once for
the highest tier crossed, the perks request, ``rank``, and the CyTube level a tier grants."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from economy_announcer.service import AnnouncerService
from economy_ledger.migrations import MIGRATIONS
from economy_ledger.rank_rules import bar, discounted, progress, rank_index, rank_up
from economy_ledger.service import LedgerService
from economy_ledger.store import LedgerStore
from economy_shared.clock import FakeClock, to_ms
from economy_shared.config.progression import RankSettings
from economy_shared.db import Database
from economy_shared.schemas.ledger import PostRequest
from economy_shared.subjects import PUBLIC_COMMAND, service_subject
from tests.helpers import CHANNEL, Stack, make_config

LEDGER = service_subject("ledger")
RANKS = RankSettings()  # the plan's ladder: Extra 0, Grip 1k, Key Grip 5k, Gaffer 15k, … Studio Mogul 5M


# ---- pure rules -------------------------------------------------------------------------------------
def test_tier_is_the_highest_reached_and_never_below_the_floor() -> None:
    assert [rank_index(RANKS, n) for n in (0, 999, 1_000, 14_999, 15_000, 10**9)] == [0, 0, 1, 2, 3, 9]
    assert rank_index(RANKS, 0, "Gaffer") == 3 and rank_index(RANKS, 50_000, "grip") == 4
    assert rank_index(RANKS, 0, "No Such Tier") == 0  # a floor naming a removed tier is no floor


def test_several_tiers_at_once_are_one_rank_up_with_every_crossed_tiers_promotion() -> None:
    up = rank_up(RANKS, 0, 9)
    assert up is not None and (up.from_index, up.to_index, up.rank_name, up.cytube_level) == (0, 9, "Studio Mogul", 2)
    assert rank_up(RANKS, 8, 9).cytube_level == 2  # type: ignore[union-attr]
    assert rank_up(RANKS, 3, 5).cytube_level is None  # type: ignore[union-attr]
    assert rank_up(RANKS, 4, 4) is None and rank_up(RANKS, 5, 2) is None  # never for staying or moving down


def test_progress_runs_from_the_current_tier_and_perks_accumulate() -> None:
    p = progress(RANKS, 100_000)  # just promoted to Associate Producer
    assert (p.name, p.next_name, p.remaining, p.percent) == ("Associate Producer", "Producer", 150_000, 0.0)
    half = progress(RANKS, 175_000)
    assert half.percent == 50.0 and bar(half.percent, 10) == "█████░░░░░"
    # Producer keeps Best Boy's extra queue and Gaffer's rain bonus; the discount is the best reached
    assert (half.perks.discount_percent, half.perks.extra_queues_per_day, half.perks.rain_bonus_percent) == (8, 1, 20)
    top = progress(RANKS, 9_000_000)
    assert (top.next_name, top.remaining, top.percent, top.perks.cytube_level) == (None, 0, 100.0, 2)
    floored = progress(RANKS, 0, "Gaffer")
    assert (floored.name, floored.percent, floored.remaining) == ("Gaffer", 0.0, 40_000)


@pytest.mark.parametrize(("price", "percent", "expected"), [(250, 4, 240), (10, 2, 9), (1, 50, 1), (999, 15, 849),
                                                            (0, 20, 0)])
def test_discount_rounds_in_the_users_favour_and_never_makes_a_price_free(price: int, percent: int,
                                                                          expected: int) -> None:
    assert discounted(price, percent) == expected


# ---- in the running service ------------------------------------------------------------------------
async def start(stack: Stack) -> LedgerService:
    ledger = await stack.add(LedgerService)
    await stack.add(AnnouncerService)
    return ledger


async def post(stack: Stack, key: str, user: str, amount: int, kind: str = "earn") -> dict[str, Any]:
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": key,
                                     "postings": [{"user": user, "amount": amount, "kind": kind}]})
    assert r["success"], r
    return r["data"]


async def told(stack: Stack, ledger: LedgerService) -> None:
    await ledger.rank_notifier.drain()
    await stack.settle()


def rank_pms(stack: Stack, user: str) -> list[str]:
    return [m for m in stack.bus.pms_to(user) if "Rank up!" in m]


async def test_crossing_a_tier_is_told_once_by_pm_and_in_public(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, "e1", "alice", 999)
    await told(stack, ledger)
    assert rank_pms(stack, "alice") == []
    await post(stack, "e2", "Alice", 1)  # exactly 1,000: Grip
    await post(stack, "e2", "Alice", 1)  # a replay moves nothing and tells nothing
    await told(stack, ledger)
    [pm] = rank_pms(stack, "alice")
    assert pm.startswith("⭐ Rank up! You're now a Grip.") and "a free daily fortune" in pm
    assert "Next: Key Grip at 5,000" in pm
    assert stack.bus.chats() == ["⭐ alice is now a Grip!"]
    await told(stack, ledger)
    assert len(rank_pms(stack, "alice")) == 1 and len(stack.bus.chats()) == 1


async def test_admin_grants_gambling_and_tips_never_raise_a_rank(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, "g1", "bob", 2_000_000, kind="admin")
    await post(stack, "g2", "bob", 500_000, kind="payout")
    await told(stack, ledger)
    assert rank_pms(stack, "bob") == []
    await stack.pm("bob", "rank")
    assert stack.bus.pms_to("bob")[-1].startswith("⭐ Rank: Extra · lifetime earned 0 Z")


async def test_many_tiers_at_once_tell_the_highest_and_grant_its_cytube_level(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, "big", "carol", 5_000_000)
    await told(stack, ledger)
    [pm] = rank_pms(stack, "carol")
    assert "You're now a Studio Mogul." in pm and "20% off everything you buy" in pm and "+2 queues per day" in pm
    [cmd] = stack.bus.robot_commands("setChannelRank")
    assert cmd["args"] == {"username": "carol", "rank": 2}
    assert any("CyTube level 2" in m for m in stack.bus.pms_to("carol"))
    assert stack.bus.chats() == ["⭐ carol is now a Studio Mogul! • ⭐ carol is now a CyTube Level 2!"]  # batched


async def test_a_promotion_never_lowers_a_user_already_at_that_level(stack: Stack) -> None:
    ledger = await start(stack)
    await stack.event("adduser", {"name": "dave", "rank": 3, "profile": {}, "meta": {}})
    await post(stack, "big", "dave", 6_000_000)
    await told(stack, ledger)
    assert len(rank_pms(stack, "dave")) == 1
    assert stack.bus.robot_commands("setChannelRank") == []


async def test_a_refused_promotion_is_retried_then_given_up(stack: Stack, clock: FakeClock) -> None:
    ledger = await start(stack)
    calls: list[int] = []

    async def refuse(channel: str, username: str, rank: int, **kwargs: Any) -> dict[str, Any]:
        calls.append(rank)
        assert kwargs.get("check_rank") is False  # kryten-py's own check does not match the robot
        return {"success": False, "error": "guests cannot be ranked"}

    ledger.client.safe_set_channel_rank = refuse  # type: ignore[method-assign]
    await post(stack, "big", "erin", 5_000_000)
    await told(stack, ledger)
    assert len(calls) == 1
    await told(stack, ledger)
    assert len(calls) == 1  # not before its retry time
    for minutes in (1, 5, 30):
        clock.advance(minutes * 60)
        await told(stack, ledger)
    assert len(calls) == 4
    clock.advance(3600)
    await told(stack, ledger)
    assert len(calls) == 4 and len(rank_pms(stack, "erin")) == 1  # given up; the rank-up was told once


async def test_concurrent_earnings_across_a_threshold_tell_one_rank_up(stack: Stack) -> None:
    ledger = await start(stack)
    await asyncio.gather(*(post(stack, f"c{i}", "frank", 100) for i in range(30)))  # 3,000: Grip once
    await told(stack, ledger)
    assert len(rank_pms(stack, "frank")) == 1


async def test_perks_request_and_public_rank_get(stack: Stack) -> None:
    await start(stack)
    await post(stack, "e", "gina", 40_000)  # Best Boy
    r = await stack.request(LEDGER, {"command": "ledger.rank_perks", "channel": CHANNEL, "user": "GINA"})
    assert r["success"] and r["data"] == {"user": "GINA", "rank_name": "Best Boy", "tier_index": 4,
                                          "discount_percent": 6, "extra_queues_per_day": 1,
                                          "rain_bonus_percent": 20, "free_daily_fortune": True, "cytube_level": None,
                                          "price_factor": 1.0}
    stranger = await stack.request(LEDGER, {"command": "ledger.rank_perks", "channel": CHANNEL, "user": "nobody"})
    assert stranger["data"]["rank_name"] == "Extra" and stranger["data"]["discount_percent"] == 0
    pub = await stack.request(PUBLIC_COMMAND, {"command": "rank.get", "channel": CHANNEL, "username": "gina"})
    assert pub["success"] and (pub["data"]["rank_name"], pub["data"]["next_rank"], pub["data"]["remaining"]) == (
        "Best Boy", "Associate Producer", 60_000)
    acct = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": "nobody"})
    assert acct["data"]["found"] is False  # asking never creates an account


async def test_rank_pm_shows_progress_and_perks(stack: Stack) -> None:
    await start(stack)
    await post(stack, "e", "hank", 10_000)  # Key Grip, halfway to Gaffer
    await stack.pm("hank", "rank")
    # the rank-up PM for Key Grip may land before or after the reply: pick the reply by its first line
    [text] = [m for m in stack.bus.pms_to("hank") if m.startswith("⭐ Rank:")]
    assert text.splitlines()[:3] == ["⭐ Rank: Key Grip · lifetime earned 10,000 Z", "Next: Gaffer (5,000 Z to go)",
                                     "██████████░░░░░░░░░░ 50.0%"]
    assert "Active perks: 2% off everything you buy, a free daily fortune" in text


async def test_accounts_from_before_ranks_are_not_announced_for_the_past(tmp_path: Path, bus: Any,
                                                                        clock: FakeClock) -> None:
    db = Database(tmp_path / "data" / "ledger.db", MIGRATIONS)
    await db.open()
    # a store that does not track ranks: rank_reached stays unknown, as for accounts from before migration 5
    await LedgerStore(db).post(PostRequest(channel=CHANNEL, idempotency_key="old", postings=[
        {"user": "ivy", "amount": 50_000, "kind": "earn"}]), to_ms(clock.now()))
    await db.close()
    stack = Stack(bus, make_config(tmp_path), clock)
    try:
        ledger = await start(stack)
        await post(stack, "small", "ivy", 10)  # still Best Boy: nothing to tell
        await told(stack, ledger)
        assert rank_pms(stack, "ivy") == []
        await post(stack, "more", "ivy", 50_000)  # 100,010: Associate Producer
        await told(stack, ledger)
        assert ["Associate Producer" in m for m in rank_pms(stack, "ivy")] == [True]
    finally:
        await stack.close()


async def test_a_rank_up_committed_before_a_stop_is_told_at_start(tmp_path: Path, bus: Any, clock: FakeClock) -> None:
    db = Database(tmp_path / "data" / "ledger.db", MIGRATIONS)
    await db.open()
    store = LedgerStore(db, ranks=lambda: RANKS)  # the posting committed; the process died before telling it
    await store.post(PostRequest(channel=CHANNEL, idempotency_key="k", postings=[
        {"user": "jay", "amount": 1_500, "kind": "earn"}]), to_ms(clock.now()))
    await db.close()
    stack = Stack(bus, make_config(tmp_path), clock)
    try:
        await stack.add(AnnouncerService)
        ledger = await stack.add(LedgerService)  # its start tells what was left untold
        await stack.settle()
        assert len(rank_pms(stack, "jay")) == 1
        await told(stack, ledger)
        assert len(rank_pms(stack, "jay")) == 1
    finally:
        await stack.close()


async def test_a_rank_up_waits_while_the_announcer_is_down(tmp_path: Path, bus: Any, clock: FakeClock) -> None:
    stack = Stack(bus, make_config(tmp_path), clock)
    try:
        ledger = await stack.add(LedgerService)  # no announcer yet: the PM cannot be queued
        await post(stack, "k", "kim", 1_000)
        await ledger.rank_notifier.drain()
        assert rank_pms(stack, "kim") == []
        await stack.add(AnnouncerService)
        await told(stack, ledger)
        assert len(rank_pms(stack, "kim")) == 1
    finally:
        await stack.close()
