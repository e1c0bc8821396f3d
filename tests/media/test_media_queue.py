"""In-process: the real ledger and media service on the in-memory bus, the MediaCMS stand-in over HTTP.

Search → queue charges the tier price once and reaches the robot; a refused or unanswered add refunds
(a ``refund`` posting that lowers ``lifetime_spent``) and frees the cooldown and the allowance; unknown
items, a catalog outage and unaffordable actions change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from media_kit import robot_refuses, running

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus, NoRespondersError


async def test_search_shows_titles_durations_ids_and_prices(tmp_path: Path, bus: InMemoryBus,
                                                            clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        reply = await s.say("alice", "search movie")
        assert '"The Long Movie" (2h 00m) · id movie01 · 1,000 Z' in reply
        assert "Nothing in the catalog" in await s.say("alice", "search zebra")
        assert "Usage: search" in await s.say("alice", "search")
        assert s.catalog.hits("/api/v1/search") == 2
        await s.say("alice", "search MOVIE")  # served from the cache
        assert s.catalog.hits("/api/v1/search") == 2
        found = await s.request("media.search", query="episode")
        assert found["success"] and found["data"]["results"][0]["cost"] == 500


async def test_queue_charges_the_tier_price_and_reaches_the_robot(tmp_path: Path, bus: InMemoryBus,
                                                                  clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 2000)
        reply = await s.say("alice", "queue ep30")
        assert reply.startswith('🎬 Queued "Space Show Episode" (30m 00s). Charged 500 Z.')
        assert "Balance: 1,500 Z" in reply
        assert await s.balance("alice") == 1500
        [add] = s.addvideos()
        assert add["args"]["type"] == "cm" and add["args"]["pos"] == "end" and add["args"]["temp"] is True
        assert add["args"]["id"] == f"{s.catalog.url}api/v1/media/cytube/ep30.json?format=json"
        assert add["meta"]["channel"] == "testchan" and add["meta"]["domain"] == "cytu.be"
        assert s.announced() == [("queue", {"user": "alice", "title": "Space Show Episode", "cost": 500,
                                             "amount": 500})]
        [spend] = [e for e in await s.journal("alice") if e["kind"] == "spend"]
        assert (spend["amount"], spend["trigger_id"]) == (-500, "media.queue")
        assert (await s.account("alice"))["lifetime_spent"] == 500
        assert (await s.audit())["ok"]


async def test_queue_fail_refunds_and_the_user_can_queue_again_at_once(tmp_path: Path, bus: InMemoryBus,
                                                                       clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 2000)
        robot_refuses(s, "broken1", message="This item is not playable")
        reply = await s.say("alice", "queue broken1")
        assert "couldn't be queued (This item is not playable)" in reply and "250 Z was refunded" in reply
        assert await s.balance("alice") == 2000
        kinds = [(e["kind"], e["amount"]) for e in await s.journal("alice")]
        assert kinds[-2:] == [("spend", -250), ("refund", 250)]
        assert (await s.account("alice"))["lifetime_spent"] == 0  # the refund reversed the spend
        assert s.announced() == []
        # the cooldown and the day's allowance came back: an immediate queue goes through
        assert (await s.say("alice", "queue short01")).startswith("🎬 Queued")
        assert await s.balance("alice") == 1750
        assert s.media.media_metrics.refunds.labels("testchan", "queue", "conflict")._value.get() == 1
        assert (await s.audit())["ok"]


async def test_robot_down_or_silent_refunds_too(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, spending={"queue_cooldown_minutes": 0}) as s:
        await s.fund("alice", 2000)
        s.robot.add_media_result = NoRespondersError("no responders on kryten.robot.command")
        assert "is not answering" in await s.say("alice", "queue short01")
        s.robot.add_media_result = TimeoutError()  # no answer, and the playlist does not show it
        assert "did not answer" in await s.say("alice", "queue short01")
        assert await s.balance("alice") == 2000
        assert [e["kind"] for e in await s.journal("alice")][-4:] == ["spend", "refund", "spend", "refund"]
        s.robot.add_media_result = None
        assert (await s.say("alice", "queue short01")).startswith("🎬 Queued")  # both slots came back
        assert (await s.audit())["ok"]


async def test_timeout_but_the_playlist_shows_it_counts_as_queued(tmp_path: Path, bus: InMemoryBus,
                                                                  clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 2000)
        url = f"{s.catalog.url}api/v1/media/cytube/short01.json?format=json"
        bus.kv[("kryten_testchan_playlist", "items")] = [{"uid": 9, "media": {"type": "cm", "id": url}}]
        s.robot.add_media_result = TimeoutError()
        assert (await s.say("alice", "queue short01")).startswith("🎬 Queued")
        assert await s.balance("alice") == 1750


async def test_nothing_is_charged_for_unknown_items_or_a_catalog_outage(tmp_path: Path, bus: InMemoryBus,
                                                                        clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 2000)
        assert "no catalog item 'zzz999'" in await s.say("alice", "queue zzz999")
        assert "no catalog item 'secret1'" in await s.say("alice", "queue secret1")  # private upstream
        assert "no catalog item" in await s.say("alice", "queue ../etc")  # not an id: never sent upstream
        await s.catalog.down()
        assert "catalog isn't answering" in await s.say("alice", "queue short01")
        assert "catalog isn't answering" in await s.say("alice", "search cat")
        await s.catalog.up()
        assert await s.balance("alice") == 2000
        assert s.addvideos() == []
        assert [e["kind"] for e in await s.journal("alice")] == ["admin"]
        health = await s.media.health_details()
        assert health["status"] == "healthy"


async def test_unaffordable_playnext_and_cooldown_change_nothing(tmp_path: Path, bus: InMemoryBus,
                                                                 clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 2000)
        assert "That costs 10,000 Z; you have 2,000 Z" in await s.say("alice", "playnext short01")
        assert (await s.say("alice", "queue short01")).startswith("🎬")
        clock.advance(minutes=10)
        assert "Queue cooldown: 20 min left" in await s.say("alice", "queue ep30")
        assert await s.balance("alice") == 1750
        assert len(s.addvideos()) == 1
        clock.advance(minutes=20)
        assert (await s.say("alice", "queue ep30")).startswith("🎬")
        clock.advance(minutes=30)
        await s.say("alice", "queue short01")
        clock.advance(minutes=30)
        assert "used your 3 paid queues for today" in await s.say("alice", "queue short01")
        assert "need an account first" in await s.say("nobody", "queue short01")
        assert (await s.audit())["ok"]


async def test_blackout_refuses_with_the_window_and_its_end(tmp_path: Path, bus: InMemoryBus,
                                                            clock: FakeClock) -> None:
    window = {"name": "Weird Wednesday", "cron": "0 20 * * 3", "duration_hours": 4}
    async with running(tmp_path, bus, clock, spending={"blackout_windows": [window]}) as s:
        await s.fund("alice", 2000)
        clock.set(datetime(2026, 3, 4, 20, 0, tzinfo=UTC))  # the exact start instant
        reply = await s.say("alice", "queue short01")
        assert reply == "🔒 Paid queueing is locked during Weird Wednesday — back at Thu 00:00 UTC."
        clock.set(datetime(2026, 3, 5, 0, 0, tzinfo=UTC))
        assert (await s.say("alice", "queue short01")).startswith("🎬")


async def test_playnext_goes_next_and_forcenow_jumps_when_not_gated(tmp_path: Path, bus: InMemoryBus,
                                                                    clock: FakeClock) -> None:
    spending = {"force_play_requires_admin": False, "queue_cooldown_minutes": 0}
    async with running(tmp_path, bus, clock, spending=spending) as s:
        await s.fund("alice", 200_000)
        assert (await s.say("alice", "playnext short01")).startswith('⏭️ "Cat Video" (2m 00s) plays next!')
        reply = await s.say("alice", "forcenow movie01")
        assert reply.startswith('⚡ "The Long Movie" (2h 00m) is playing now! Charged 100,000 Z.')
        adds = s.addvideos()
        assert [a["args"]["pos"] for a in adds] == ["next", "next"]
        [jump] = s.jumps()
        assert jump["args"]["uid"] == 1001  # the uid the robot gave the force-played item
        assert [t for t, _ in s.announced()] == ["playnext", "forcenow"]
        assert await s.balance("alice") == 200_000 - 10_000 - 100_000


async def test_perks_fall_back_to_no_discount_and_no_extra_queues(tmp_path: Path, bus: InMemoryBus,
                                                                  clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, spending={"max_queues_per_day": 1, "queue_cooldown_minutes": 0}) as s:
        await s.fund("alice", 5000)
        await earn(s, "alice", 40_000)  # Best Boy: 6% off and one extra queue, when the ledger can say so
        s.media.perks._subject = "kryten.economy.nobody.command"  # the ledger does not answer
        perks = await s.media.perks.of("testchan", "alice")
        assert (perks.discount_percent, perks.extra_queues_per_day) == (0, 0)
        assert "Charged 250 Z." in await s.say("alice", "queue short01")
        assert "used your 1 paid queue for today" in await s.say("alice", "queue ep30")


async def earn(s: Any, user: str, amount: int) -> None:
    """Real earnings (kind earn): what ranks count."""
    r = await s.stack.request("kryten.economy.ledger.command", {
        "command": "ledger.post", "channel": "testchan", "idempotency_key": f"earn:{user}:{amount}",
        "postings": [{"user": user, "amount": amount, "kind": "earn", "trigger_id": "test.earn"}]})
    assert r["success"], r


async def test_rank_perks_from_the_ledger_discount_and_extra_queues(tmp_path: Path, bus: InMemoryBus,
                                                                    clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, spending={"max_queues_per_day": 1, "queue_cooldown_minutes": 0}) as s:
        await earn(s, "alice", 40_000)  # Best Boy: 6% off (cumulative perks) and one extra queue a day
        assert "1. \"Cat Video\" (2m 00s) · id short01 · 235 Z (was 250)" in await s.say("alice", "search cat")
        assert "Charged 235 Z (6% Best Boy discount)." in await s.say("alice", "queue short01")
        assert "Charged 470 Z (6% Best Boy discount)." in await s.say("alice", "queue ep30")  # the extra queue
        assert "used your 2 paid queues" in await s.say("alice", "queue movie01")
        assert await s.balance("alice") == 40_000 - 235 - 470


async def test_a_reloaded_config_applies_at_once(tmp_path: Path, bus: InMemoryBus,
                                                                clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 2000)
        s.media.config = s.media.config.model_copy(update={"mediacms": s.media.config.mediacms.model_copy(
            update={"base_url": ""})})
        assert "isn't set up" in await s.say("alice", "queue short01")
        assert "isn't set up" in await s.say("alice", "search cat")
        assert await s.balance("alice") == 2000
