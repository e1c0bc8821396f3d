"""Purchases caught by a silent ledger, a failing store or a restart: each one ends applied, failed or
refunded exactly once, re-sent under the key and body it was first sent with; the ledger audits clean."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from shop_kit import Shop, lose_answers, running, shop_config, start_shop

from economy_announcer.purchases import PurchaseRecovery
from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack


async def states(s: Shop) -> list[str]:
    return [r["state"] for r in await s.rows("SELECT state FROM purchases ORDER BY id")]


async def test_silent_ledger_then_back_finishes_once(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        lost = lose_answers(s, "vanity:")
        assert await s.say("alice", "buy greeting hello") == (
            "⏳ The bank is slow right now. Your purchase is saved and will finish when the bank answers; "
            "I'll PM you how it went.")
        assert len(lost) == 1 and await states(s) == ["charging"]
        assert s.announcer.vanity_store.item(CHANNEL, "alice", "greeting") is None  # not before the bank answers
        assert await s.balance("alice") == 550  # the ledger did apply it
        assert await s.tick(5) == 0  # not stale yet
        assert await s.tick(30) == 1  # the same key and body again: a replay
        assert s.announcer.vanity_store.item(CHANNEL, "alice", "greeting") == "hello"
        assert (await s.inbox("alice"))[0].startswith("✅ Your purchase went through after all. ✅ Your "
                                                             "greeting is now: hello.")
        assert await s.tick(60) == 0
        assert await s.kinds("alice") == [("admin", 1000, ""), ("spend", -450, "vanity.greeting")]
        assert await states(s) == ["applied"]
        assert (await s.audit())["ok"]


async def test_charge_the_ledger_never_saw_fails_later_without_money(tmp_path: Path, bus: InMemoryBus,
                                                                     clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 500)
        lose_answers(s, "vanity:", apply=False)
        assert "bank is slow" in await s.say("alice", "buy greeting hello")
        assert await s.balance("alice") == 500
        await s.stack.request("kryten.economy.ledger.command", {
            "command": "ledger.post", "channel": CHANNEL, "idempotency_key": "elsewhere",
            "postings": [{"user": "alice", "amount": -200, "kind": "spend"}]})  # spent meanwhile
        assert await s.tick(31) == 1
        told = await s.inbox("alice")
        assert told[0] == "Your greeting purchase didn't go through: 💸 That costs 450 Z; you have 300 Z. Nothing " \
                          "was charged."
        assert s.announcer.vanity_store.item(CHANNEL, "alice", "greeting") is None
        assert (await states(s))[0] == "failed"
        assert (await s.audit())["ok"]


async def test_store_failure_is_refunded_once(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        store = s.announcer.vanity_store
        real = store.set_item

        async def broken(*args: Any, **kwargs: Any) -> None:
            await real(*args, **kwargs)  # written (and cached), then the transaction fails
            raise RuntimeError("disk full")

        store.set_item = broken  # type: ignore[method-assign]
        reply = await s.say("alice", "buy title Boss")
        assert reply == "😵 Your title didn't go through (it could not be stored). Your 900 Z was refunded."
        assert store.item(CHANNEL, "alice", "title") is None  # rolled back, and the memory follows the file
        assert await s.rows("SELECT * FROM vanity_items") == []
        assert await states(s) == ["refunded"]
        assert await s.tick(60) == 0
        assert await s.kinds("alice") == [("admin", 1000, ""), ("spend", -900, "vanity.title"),
                                          ("refund", 900, "vanity.title.refund")]
        assert s.metric("economy_vanity_purchases_total", item="title", outcome="refunded") == 1
        assert (await s.audit())["ok"]


async def test_lost_refund_answer_is_resent_and_refunds_once(tmp_path: Path, bus: InMemoryBus,
                                                              clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, announcements={"enabled": False}) as s:
        await s.fund("alice", 100)
        lose_answers(s, "vanity-refund:")
        assert "is being refunded" in await s.say("alice", "buy shoutout hi")
        assert await states(s) == ["refunding"] and await s.balance("alice") == 100
        assert await s.tick(31) == 1
        assert await states(s) == ["refunded"]
        assert "Your 45 Z was refunded." in (await s.inbox("alice"))[0]
        assert [k[0] for k in await s.kinds("alice")] == ["admin", "spend", "refund"]
        assert (await s.audit())["ok"]


async def test_shoutout_held_by_a_silent_ledger_keeps_its_cooldown_then_posts(tmp_path: Path, bus: InMemoryBus,
                                                                              clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        lose_answers(s, "vanity:")
        assert "bank is slow" in await s.say("alice", "buy shoutout hello all")
        assert s.chats() == []
        assert (await s.say("alice", "buy shoutout again")).startswith("⏱️ Shoutout cooldown")
        assert await s.tick(31) == 1
        assert s.chats() == ["📢 alice: hello all"]
        assert [k for k in await s.kinds("alice") if k[0] == "spend"] == [("spend", -45, "vanity.shoutout")]


async def test_two_recovery_passes_at_once_post_a_shoutout_once(tmp_path: Path, bus: InMemoryBus,
                                                                 clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        lose_answers(s, "vanity:", times=2)
        assert "bank is slow" in await s.say("alice", "buy shoutout hello all")
        clock.advance(31)
        first, second = await asyncio.gather(s.announcer.purchases.resolve_due(),
                                             s.announcer.purchases.resolve_due())
        assert first + second == 0  # the ledger was still silent: nothing final yet
        first, second = await asyncio.gather(s.announcer.purchases.resolve_due(),
                                             s.announcer.purchases.resolve_due())
        await s.stack.settle()
        assert first + second == 1 and s.chats() == ["📢 alice: hello all"]
        assert await s.tick(60) == 0 and s.chats() == ["📢 alice: hello all"]
        assert [k for k in await s.kinds("alice") if k[0] == "spend"] == [("spend", -45, "vanity.shoutout")]
        assert (await s.audit())["ok"]


async def test_fortune_retried_while_its_charge_is_unanswered_charges_once(tmp_path: Path, bus: InMemoryBus,
                                                                           clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 100)
        lose_answers(s, "vanity:")
        assert "bank is slow" in await s.say("alice", "fortune")
        again = await s.say("alice", "fortune")  # finishes the same purchase (same key), no second one
        assert again.startswith("🔮 ") and again.endswith("(Charged 9 Z · Balance 91 Z)")
        assert await s.rows("SELECT ref, state FROM purchases") == [
            {"ref": "fortune:alice:2026-01-05", "state": "applied"}]
        assert await s.tick(60) == 0
        assert await s.balance("alice") == 91 and (await s.audit())["ok"]


async def test_replayed_request_id_finishes_an_unanswered_purchase(tmp_path: Path, bus: InMemoryBus,
                                                                   clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        lose_answers(s, "vanity:")
        first = await s.request("announcer.buy", user="alice", item="color", value="mint", request_id="q1")
        assert first["data"]["status"] == "charging"
        second = await s.request("announcer.buy", user="alice", item="color", value="mint", request_id="q1")
        assert second["data"]["status"] == "stored" and second["data"]["replayed"] is True
        assert second["data"]["balance"] == 325
        assert [k for k in await s.kinds("alice") if k[0] == "spend"] == [("spend", -675, "vanity.color")]


async def test_restart_finishes_what_was_in_flight(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = Stack(bus, shop_config(tmp_path), clock)
    try:
        s = await start_shop(stack)
        await s.fund("alice", 2000)
        assert (await s.say("alice", "buy greeting hi all")).startswith("✅")
        lose_answers(s, "vanity:")
        assert "bank is slow" in await s.say("alice", "buy title Boss")
        host = next(h for h in stack.hosts if h.service is s.announcer)
        await host.stop()  # a stop with the purchase still open
        stack.hosts.remove(host)
        again = await start_shop_announcer(stack)
        job = PurchaseRecovery(again.purchases, clock)
        assert await job.run_due() == 1  # the first pass after start takes every open purchase at once
        assert again.vanity_store.item(CHANNEL, "alice", "title") == "Boss"
        assert again.vanity_store.item(CHANNEL, "Alice", "greeting") == "hi all"  # loaded from the file
        assert await job.run_due() == 0
        spends = [k for k in await s.kinds("alice") if k[0] == "spend"]
        assert spends == [("spend", -450, "vanity.greeting"), ("spend", -900, "vanity.title")]
        assert (await s.audit())["ok"]
    finally:
        await stack.close()


async def start_shop_announcer(stack: Stack) -> Any:
    from economy_announcer.service import AnnouncerService

    def make(cfg: Any, client: Any) -> AnnouncerService:
        return AnnouncerService(cfg, client, autosend=False)

    service = await stack.add(make)
    await service.purchase_recovery.stop()
    return service
