"""The paid CyTube promotion (``ledger.buy_promotion``; DECISIONS 5, 17, 18) and the promote step it shares
with the rank perk (promoter.py): refused before any charge when off, for a low rank or for a user already
at the level; charged once per request id; refunded by one ``refund`` posting when the robot fails; a
purchase a crash left charged is finished at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from economy_announcer.service import AnnouncerService
from economy_ledger.migrations import MIGRATIONS
from economy_ledger.promoter import CytubePromoter
from economy_ledger.promotion_store import PromotionStore
from economy_ledger.promotions import charge_key
from economy_ledger.service import LedgerService
from economy_ledger.store import LedgerStore
from economy_shared.clock import FakeClock, to_ms
from economy_shared.db import Database
from economy_shared.schemas.ledger import Posting, PostingKind, PostRequest
from economy_shared.subjects import service_subject
from tests.helpers import CHANNEL, Stack, audit_ok, make_config

LEDGER = service_subject("ledger")
PRICE = 46_000  # 50,000 less Associate Producer's 8 %


# ---- the promote step, with a fake robot ------------------------------------------------------------
class FakeRobot:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple[str, int, Any]] = []

    async def safe_set_channel_rank(self, channel: str, user: str, level: int, **kw: Any) -> Any:
        self.calls.append((user, level, kw.get("check_rank")))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def rank_of(ranks: dict[str, int]) -> Any:
    async def of(channel: str, user: str) -> int:
        return ranks.get(user, 0)
    return of


@pytest.mark.parametrize(("answer", "outcome", "error"), [
    ({"success": True}, "done", ""), ({"success": False, "error": "nope"}, "failed", "nope"),
    (RuntimeError("boom"), "failed", "RuntimeError"), (None, "failed", "no answer"),
])
async def test_promoter_asks_the_robot_without_kryten_pys_rank_check(answer: Any, outcome: str, error: str) -> None:
    robot = FakeRobot(answer)
    got = await CytubePromoter(robot, rank_of({"amy": 1})).promote(CHANNEL, "amy", 2)
    assert (got.outcome, got.current, got.error) == (outcome, 1, error)
    assert robot.calls == [("amy", 2, False)]


async def test_promoter_never_lowers_anyone() -> None:
    robot = FakeRobot({"success": True})
    for rank in (2, 3):
        got = await CytubePromoter(robot, rank_of({"amy": rank})).promote(CHANNEL, "amy", 2)
        assert got.outcome == "skipped"
    assert robot.calls == []


# ---- in the running ledger ------------------------------------------------------------------------
async def start(stack: Stack) -> LedgerService:
    ledger = await stack.add(LedgerService)
    await stack.add(AnnouncerService)
    return ledger


async def earn(stack: Stack, user: str, amount: int) -> None:
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": f"e:{user}",
                                     "postings": [{"user": user, "amount": amount, "kind": "earn"}]})
    assert r["success"], r


async def buy(stack: Stack, user: str, request_id: str = "r1") -> dict[str, Any]:
    return await stack.request(LEDGER, {"command": "ledger.buy_promotion", "channel": CHANNEL, "user": user,
                                        "request_id": request_id})


async def balance(stack: Stack, user: str) -> int:
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
    return int(r["data"]["balance"])


async def kinds(stack: Stack, user: str) -> list[tuple[str, int]]:
    r = await stack.request(LEDGER, {"command": "ledger.journal", "channel": CHANNEL, "user": user})
    return sorted((e["kind"], e["amount"]) for e in r["data"]["entries"])


async def test_a_purchase_charges_once_promotes_and_is_told(stack: Stack) -> None:
    await start(stack)
    await earn(stack, "amy", 100_000)  # Associate Producer: the minimum rank, 8 % off
    r = await buy(stack, "Amy")
    assert r["success"] and r["data"] | {"balance": None} == {
        "user": "Amy", "level": 2, "price": PRICE, "promoted": True, "refunded": 0, "reason": "", "balance": None,
        "replayed": False}
    assert r["data"]["balance"] == 100_000 - PRICE
    [cmd] = stack.bus.robot_commands("setChannelRank")
    assert cmd["args"] == {"username": "Amy", "rank": 2}
    again = await buy(stack, "amy")  # the same request id: the first answer, nothing moves
    assert again["success"] and again["data"]["replayed"] and again["data"]["price"] == PRICE
    assert len(stack.bus.robot_commands("setChannelRank")) == 1 and await balance(stack, "amy") == 100_000 - PRICE
    await stack.settle()
    assert any("CyTube level 2" in m for m in stack.bus.pms_to("Amy"))
    assert any("CyTube Level 2" in c for c in stack.bus.chats())
    other = await buy(stack, "bob")  # someone else reusing the id
    assert not other["success"] and other["error_code"] == "idempotency_conflict"
    assert await audit_ok(stack)


async def test_refusals_before_any_charge(stack: Stack) -> None:
    await start(stack)
    await earn(stack, "low", 40_000)  # Best Boy
    r = await buy(stack, "low")
    assert not r["success"] and r["error_code"] == "forbidden"
    assert "Associate Producer" in r["error"] and "Best Boy" in r["error"]
    await earn(stack, "cam", 100_000)
    await stack.event("adduser", {"name": "cam", "rank": 2, "profile": {}, "meta": {}})
    r = await buy(stack, "cam")
    assert not r["success"] and r["error_code"] == "conflict" and "nothing was charged" in r["error"]
    assert stack.bus.robot_commands("setChannelRank") == []
    assert await balance(stack, "low") == 40_000 and await balance(stack, "cam") == 100_000


async def test_not_for_sale_and_not_enough_funds(tmp_path: Path, bus: Any, clock: FakeClock) -> None:
    stack = Stack(bus, make_config(tmp_path, cytube_promotion={"purchasable": False}), clock)
    try:
        await start(stack)
        await earn(stack, "amy", 100_000)
        r = await buy(stack, "amy")
        assert not r["success"] and r["error_code"] == "disabled"
    finally:
        await stack.close()
    stack = Stack(bus, make_config(tmp_path, cytube_promotion={"cost": 500_000}), clock)
    try:
        await start(stack)
        r = await buy(stack, "amy", "r2")
        assert not r["success"] and r["error_code"] == "insufficient_funds"
        assert stack.bus.robot_commands("setChannelRank") == [] and await balance(stack, "amy") == 100_000
    finally:
        await stack.close()


@pytest.mark.parametrize("answer", [{"success": False, "error": "guests cannot be ranked"}, RuntimeError("boom")])
async def test_a_failed_promotion_is_refunded_by_one_refund_posting(stack: Stack, answer: Any) -> None:
    ledger = await start(stack)
    robot = FakeRobot(answer)
    ledger.client.safe_set_channel_rank = robot.safe_set_channel_rank  # type: ignore[method-assign]
    await earn(stack, "amy", 100_000)
    r = await buy(stack, "amy")
    assert r["success"] and (r["data"]["promoted"], r["data"]["refunded"]) == (False, PRICE)
    assert "could not promote" in r["data"]["reason"] and r["data"]["balance"] == 100_000
    assert await kinds(stack, "amy") == [("earn", 100_000), ("refund", PRICE), ("spend", -PRICE)]
    again = await buy(stack, "amy")
    assert again["data"]["refunded"] == PRICE and again["data"]["replayed"] and len(robot.calls) == 1
    assert await audit_ok(stack)


@pytest.mark.parametrize(("answer", "promoted"), [({"success": True}, True), ({"success": False}, False)])
async def test_a_purchase_charged_before_a_crash_is_finished_at_start(tmp_path: Path, bus: Any, clock: FakeClock,
                                                                      answer: Any, promoted: bool) -> None:
    db = Database(tmp_path / "data" / "ledger.db", MIGRATIONS)
    await db.open()
    store = LedgerStore(db)
    await store.post(PostRequest(channel=CHANNEL, idempotency_key="e", postings=[
        Posting(user="amy", amount=100_000, kind=PostingKind.EARN)]), to_ms(clock.now()))
    req = PostRequest(channel=CHANNEL, idempotency_key=charge_key(CHANNEL, "r1"), postings=[
        Posting(user="amy", amount=-PRICE, kind=PostingKind.SPEND)])
    await PromotionStore(db, store).charge(req, "r1", "amy", 2, PRICE, to_ms(clock.now()))  # then the crash
    await db.close()
    stack = Stack(bus, make_config(tmp_path), clock)
    try:
        await stack.add(AnnouncerService)
        robot = FakeRobot(answer)
        original = Stack.add

        async def add_with_robot(self: Stack, factory: Any) -> Any:  # the fake robot before start() runs
            def make(cfg: Any, client: Any) -> Any:
                client.safe_set_channel_rank = robot.safe_set_channel_rank
                return factory(cfg, client)
            return await original(self, make)

        await add_with_robot(stack, LedgerService)
        assert robot.calls == [("amy", 2, False)]
        moved = [k for k in await kinds(stack, "amy") if k[0] in ("spend", "refund")]  # (a day's interest too)
        assert moved == ([("spend", -PRICE)] if promoted else [("refund", PRICE), ("spend", -PRICE)])
        r = await buy(stack, "amy")
        assert r["data"]["replayed"] and r["data"]["promoted"] is promoted and len(robot.calls) == 1
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_rank_perks_many_answers_every_user_in_one_request(stack: Stack) -> None:
    await start(stack)
    await earn(stack, "amy", 100_000)
    r = await stack.request(LEDGER, {"command": "ledger.rank_perks_many", "channel": CHANNEL,
                                     "users": ["Amy", "nobody"]})
    assert r["success"]
    perks = r["data"]["perks"]
    assert (perks["Amy"]["rank_name"], perks["nobody"]["rank_name"]) == ("Associate Producer", "Extra")
    assert perks["Amy"]["rain_bonus_percent"] == 20 and perks["nobody"]["rain_bonus_percent"] == 0
