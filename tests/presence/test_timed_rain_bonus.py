"""The rank rain bonus (DECISIONS 17): each share gets the user's ``rain_bonus_percent`` on top, rounded down,
as a second posting in the user's bucket; perks come in one ``ledger.rank_perks_many``; a ledger that does
not answer it means a rain without bonus; an unanswered rain is re-sent with the same bodies (bonus kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from economy_presence.timed.rain import BONUS_TRIGGER, RainDrop, bucket_items, pending_shares, rank_bonus
from economy_shared.clock import FakeClock, to_ms
from economy_shared.schemas.ledger import PostingKind
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.presence.test_timed_helpers import (
    FakeAnnouncer,
    FastFailPresence,
    audit_ok,
    earnings,
    join,
    ledger_down,
    ledger_up,
    make_stack,
    start,
    tick,
)

LEDGER = "kryten.economy.ledger.command"
RAIN = {"enabled": True, "min_amount": 17, "max_amount": 17}


# ---- pure ---------------------------------------------------------------------------------------------
def test_bonus_is_rounded_down_and_zero_is_left_out() -> None:
    assert rank_bonus({"a": 17, "b": 17, "c": 3, "d": 17}, {"a": 20, "b": 0, "c": 20}) == {"a": 3}
    assert rank_bonus({"a": 100}, {"a": 250}) == {"a": 250}


def test_bonus_rides_in_the_users_bucket_as_its_own_posting() -> None:
    items = bucket_items("rain:c:1", {"amy": 10, "bob": 10}, "rain.ambient", "Rain drop", PostingKind.EARN,
                         {"amy": 2})
    postings = [(p.user, p.amount, p.trigger_id) for i in items for p in i.postings]
    assert sorted(postings) == [("amy", 2, BONUS_TRIGGER), ("amy", 10, "rain.ambient"), ("bob", 10, "rain.ambient")]
    assert [i.idempotency_key for i in items] == [i.idempotency_key for i in bucket_items(
        "rain:c:1", {"amy": 10, "bob": 10}, "rain.ambient", "Rain drop", PostingKind.EARN, {"amy": 2})]


def test_a_stored_rain_from_before_bonuses_still_reads() -> None:
    assert pending_shares({"amy": 5}) == RainDrop({"amy": 5}, {})
    assert pending_shares({"shares": {"amy": 5}, "bonus": {"amy": 1}}) == RainDrop({"amy": 5}, {"amy": 1})
    meta = {"multiplier": "2", "sources": ["adhoc:x"], "base": 5}
    assert pending_shares({"shares": {"amy": 10}, "bonus": {}, "meta": meta}) == RainDrop({"amy": 10}, {}, meta)


# ---- in-process --------------------------------------------------------------------------------------
async def earn(stack: Stack, user: str, amount: int) -> None:
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": f"e:{user}",
                                     "postings": [{"user": user, "amount": amount, "kind": "earn"}]})
    assert r["success"], r


async def until_rain(stack: Stack, presence: Any) -> None:
    due = await presence.timed.store.rain_next(CHANNEL)
    assert due is not None
    stack.clock.advance((due - to_ms(stack.clock.now())) / 1000 - 30)
    await tick(stack, presence)


async def test_a_ranked_user_gets_the_bonus_on_top(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, rain=RAIN)
    try:
        presence = await start(stack)
        await earn(stack, "gaffer", 15_000)  # Gaffer: +20 % on rain
        await join(stack, "gaffer", "extra")
        await until_rain(stack, presence)
        assert await earnings(stack, "gaffer", "rain.") == [("rain.ambient", 17), (BONUS_TRIGGER, 3)]  # 3.4 → 3
        assert await earnings(stack, "extra", "rain.") == [("rain.ambient", 17)]
        [shout] = announcer.announcements("rain")
        assert shout["context"]["total"] == 37
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_no_answer_to_the_perks_request_means_no_bonus(tmp_path: Path, bus: InMemoryBus,
                                                             clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock, rain=RAIN)
    try:
        presence = await start(stack)
        await earn(stack, "gaffer", 15_000)

        async def silent(channel: str, users: list[str]) -> None:
            return None

        presence.timed.rain._perks = silent
        await join(stack, "gaffer")
        await until_rain(stack, presence)
        assert await earnings(stack, "gaffer", "rain.") == [("rain.ambient", 17)]
    finally:
        await stack.close()


async def test_an_unanswered_rain_keeps_its_bonus_and_pays_once(tmp_path: Path, bus: InMemoryBus,
                                                               clock: FakeClock) -> None:
    stack = make_stack(tmp_path, bus, clock, rain=RAIN)
    try:
        presence = await start(stack, FastFailPresence)
        await earn(stack, "gaffer", 15_000)
        await join(stack, "gaffer")

        async def perks_then_down(channel: str, users: list[str]) -> Any:
            got = await presence.ledger.rank_perks_many(channel, users)
            ledger_down(stack)  # the perks came back; the rain itself gets no answer
            return got

        presence.timed.rain._perks = perks_then_down
        await until_rain(stack, presence)
        assert await earnings(stack, "gaffer", "rain.") == []
        await ledger_up(stack)
        await tick(stack, presence)
        await tick(stack, presence)
        assert await earnings(stack, "gaffer", "rain.") == [("rain.ambient", 17), (BONUS_TRIGGER, 3)]
        assert await audit_ok(stack)
    finally:
        await stack.close()
