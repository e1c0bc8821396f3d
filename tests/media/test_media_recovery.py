"""Requests caught between their charge and the robot's answer: lost ledger answers, a crash, a restart.

Whatever happens, each request ends charged-and-queued or refunded exactly once, re-sent under the key
and body it was first sent with; the ledger audits clean (DECISIONS 19, the money contract).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from media_kit import CATALOG, Shop, media_config, running, start_shop

from economy_shared.clock import FakeClock
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.testing import InMemoryBus
from tests.helpers import Stack
from tests.media.mediacms_standin import MediaCmsStandIn


def lose_answers(s: Shop, suffix: str, *, apply: bool = True) -> list[str]:
    """The ledger applies (or, with ``apply=False``, never sees) matching requests; the first answer is lost."""
    real = s.media.ledger.post
    lost: list[str] = []

    async def lossy(channel: str, key: str, postings: Any, **kwargs: Any) -> LedgerOutcome:
        if key.endswith(suffix) and key not in lost:
            lost.append(key)
            if apply:
                await real(channel, key, postings, **kwargs)
            return LedgerOutcome.unavailable("timeout")
        return await real(channel, key, postings, **kwargs)

    s.media.ledger.post = lossy  # type: ignore[method-assign]
    return lost


async def kinds(s: Shop, user: str) -> list[tuple[str, int]]:
    return [(e["kind"], e["amount"]) for e in await s.journal(user)]


async def test_lost_charge_answer_is_replayed_then_queued_once(tmp_path: Path, bus: InMemoryBus,
                                                               clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        lose_answers(s, ":charge")
        assert "The bank is slow right now" in await s.say("alice", "queue short01")
        assert await s.balance("alice") == 750 and s.addvideos() == []  # charged; not on the playlist yet
        assert "Queue cooldown" in await s.say("alice", "queue ep30")  # the pending request holds its slot
        assert await s.tick(5) == 0  # not stale yet
        assert await s.tick(30) == 1  # the same key and body again: a replay, then the robot
        assert len(s.addvideos()) == 1 and await s.balance("alice") == 750
        assert any("went through after all" in m for m in s.announcer.to("alice", unsolicited=True))
        assert await kinds(s, "alice") == [("admin", 1000), ("spend", -250)]
        assert await s.tick(60) == 0
        assert (await s.audit())["ok"]


async def test_charge_that_never_reached_the_ledger_is_refused_later_without_money(
        tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 300)
        lose_answers(s, ":charge", apply=False)  # the ledger never saw it
        assert "bank is slow" in await s.say("alice", "queue short01")
        assert await s.balance("alice") == 300
        r = await s.stack.request("kryten.economy.ledger.command", {
            "command": "ledger.post", "channel": "testchan", "idempotency_key": "elsewhere",
            "postings": [{"user": "alice", "amount": -200, "kind": "spend"}]})  # spent meanwhile
        assert r["success"]
        assert await s.tick(30) == 1
        assert any("didn't go through" in m for m in s.announcer.to("alice", unsolicited=True))
        assert await s.balance("alice") == 100 and s.addvideos() == []
        assert (await s.say("alice", "queue short01")).startswith("💸")  # the void request gave the slot back


async def test_lost_refund_answer_is_resent_and_refunds_once(tmp_path: Path, bus: InMemoryBus,
                                                              clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        s.robot.add_media_result = {"service": "robot", "command": "addvideo", "success": True,
                                    "data": {"success": False, "error": "Video not found"}}
        lose_answers(s, ":refund")
        assert "is being refunded" in await s.say("alice", "queue short01")
        assert await s.balance("alice") == 1000  # the ledger did apply it
        assert await s.tick(31) == 1
        assert await kinds(s, "alice") == [("admin", 1000), ("spend", -250), ("refund", 250)]
        assert any("was refunded" in m for m in s.announcer.to("alice", unsolicited=True))
        assert (await s.audit())["ok"]


class HeldRobot:
    """``add_media`` that never answers (the robot holds it) and signals when it was called."""

    def __init__(self) -> None:
        self.called = asyncio.Event()

    async def add_media(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.called.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def crash(s: Shop) -> None:
    """Stop the media service the way SIGKILL would: nothing finishes, nothing is cleaned up properly."""
    host = next(h for h in s.stack.hosts if h.service is s.media)
    s.stack.hosts.remove(host)
    await s.media.cancel_tasks()
    await s.media.catalog.close()
    await s.media.database.close()
    await s.media.client.disconnect()


async def queue_and_crash(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, catalog: MediaCmsStandIn) -> Shop:
    stack = Stack(bus, media_config(tmp_path, catalog.url), clock)
    s = await start_shop(stack, catalog)
    await s.fund("alice", 1000)
    held = HeldRobot()
    s.robot.add_media = held.add_media  # type: ignore[method-assign]
    await s.robot.simulate_event("pm", {"username": "alice", "msg": "queue short01", "meta": {}, "time": 0})
    await asyncio.wait_for(held.called.wait(), 5)
    assert await s.balance("alice") == 750  # charged; the robot's answer is still out
    await crash(s)
    return s


async def test_crash_between_charge_and_robot_answer_refunds_once_at_start(tmp_path: Path, bus: InMemoryBus,
                                                                           clock: FakeClock) -> None:
    catalog = await MediaCmsStandIn(CATALOG).start()
    first = await queue_and_crash(tmp_path, bus, clock, catalog)
    try:
        clock.advance(5)
        second = await start_shop(first.stack, catalog, first.announcer)  # start-up resolves the request
        await second.stack.settle()
        assert await second.balance("alice") == 1000
        assert await kinds(second, "alice") == [("admin", 1000), ("spend", -250), ("refund", 250)]
        assert any("couldn't be queued" in m for m in second.announcer.to("alice", unsolicited=True))
        assert (await second.say("alice", "queue ep30")).startswith("🎬 Queued")  # slot back at once
        assert await second.tick(60) == 0
        assert (await second.audit())["ok"]
    finally:
        await first.stack.close()
        await first.announcer.client.disconnect()
        await catalog.stop()


async def test_crash_after_the_robot_added_it_keeps_the_charge(tmp_path: Path, bus: InMemoryBus,
                                                               clock: FakeClock) -> None:
    catalog = await MediaCmsStandIn(CATALOG).start()
    first = await queue_and_crash(tmp_path, bus, clock, catalog)
    try:
        url = f"{catalog.url}api/v1/media/cytube/short01.json?format=json"
        bus.kv[("kryten_testchan_playlist", "items")] = [{"uid": 7, "media": {"type": "cm", "id": url}}]
        second = await start_shop(first.stack, catalog, first.announcer)
        await second.stack.settle()
        assert await second.balance("alice") == 750
        assert await kinds(second, "alice") == [("admin", 1000), ("spend", -250)]
        assert any("went through after all" in m for m in second.announcer.to("alice", unsolicited=True))
        assert [t for t, _ in second.announced()] == ["queue"]
        assert "Queue cooldown" in await second.say("alice", "queue ep30")  # it counts: it was queued
    finally:
        await first.stack.close()
        await first.announcer.client.disconnect()
        await catalog.stop()


async def test_crash_while_the_charge_answer_was_out_finishes_it_at_start(tmp_path: Path, bus: InMemoryBus,
                                                                          clock: FakeClock) -> None:
    catalog = await MediaCmsStandIn(CATALOG).start()
    stack = Stack(bus, media_config(tmp_path, catalog.url), clock)
    s = await start_shop(stack, catalog)
    try:
        await s.fund("alice", 1000)
        lose_answers(s, ":charge")
        assert "bank is slow" in await s.say("alice", "queue short01")
        await crash(s)
        second = await start_shop(stack, catalog, s.announcer)
        await stack.settle()
        assert len(second.addvideos()) == 1 and await second.balance("alice") == 750
        assert await kinds(second, "alice") == [("admin", 1000), ("spend", -250)]
        assert (await second.audit())["ok"]
    finally:
        await stack.close()
        await s.announcer.client.disconnect()
        await catalog.stop()
