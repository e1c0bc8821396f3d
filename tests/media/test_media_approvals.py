"""Force-play approvals and the request subject (the same use cases as the PM commands)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from media_kit import robot_refuses, running

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus


async def test_gated_forcenow_charges_then_an_admin_approves_it(tmp_path: Path, bus: InMemoryBus,
                                                                clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 150_000)
        reply = await s.say("alice", "forcenow movie01")
        assert reply.startswith('📨 Force-play of "The Long Movie" (2h 00m) is waiting for an admin (request #1).')
        assert "Charged 100,000 Z — refunded if it's rejected." in reply
        assert await s.balance("alice") == 50_000 and s.addvideos() == []
        assert "That one's for channel admins" in await s.say("alice", "approve_play 1")
        listing = await s.say("boss", "approve_play")
        assert '#1 alice: "The Long Movie" (2h 00m), 100,000 Z, 0 min ago' in listing
        assert (await s.say("boss", "approve_play #1")) == '✅ Approved #1 (alice, "The Long Movie"): playing now.'
        assert [a["args"]["pos"] for a in s.addvideos()] == ["next"] and len(s.jumps()) == 1
        assert any("boss approved your force-play" in m for m in s.announcer.to("alice", unsolicited=True))
        assert [t for t, _ in s.announced()] == ["forcenow"]
        assert "No force-play #1 is waiting" in await s.say("boss", "reject_play 1")  # exactly one decision
        assert await s.balance("alice") == 50_000
        assert "No force-plays are waiting" in await s.say("boss", "reject_play")


async def test_rejected_forcenow_is_refunded_and_frees_the_slot(tmp_path: Path, bus: InMemoryBus,
                                                                clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 100_250)
        await s.say("alice", "forcenow short01")
        assert "Queue cooldown" in await s.say("alice", "queue short01")
        assert (await s.say("boss", "reject_play 1")).startswith("❌ Rejected #1 (alice, \"Cat Video\"); 100,000 Z")
        assert any("boss rejected your force-play" in m and "is refunded" in m
                   for m in s.announcer.to("alice", unsolicited=True))
        assert await s.balance("alice") == 100_250
        refund = (await s.journal("alice"))[-1]
        assert (refund["kind"], refund["amount"], refund["trigger_id"]) == ("refund", 100_000, "media.forcenow.refund")
        assert "rejected by boss" in refund["reason"]
        assert (await s.say("alice", "queue short01")).startswith("🎬 Queued")  # the cooldown was given back
        assert s.addvideos()[-1]["args"]["id"].endswith("/short01.json?format=json")
        assert (await s.audit())["ok"]


async def test_approved_but_refused_by_cytube_is_refunded(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 100_000)
        await s.say("alice", "forcenow broken1")
        robot_refuses(s, "broken1")
        reply = await s.say("boss", "approve_play 1")
        assert "CyTube didn't take it" in reply and "alice is refunded" in reply
        assert await s.balance("alice") == 100_000 and s.jumps() == []


async def test_two_admins_resolving_at_once_act_once(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 100_000)
        await s.say("alice", "forcenow short01")
        replies = await asyncio.gather(
            s.request("media.resolve_approval", approval_id=1, approved=False, resolved_by="boss"),
            s.request("media.resolve_approval", approval_id=1, approved=True, resolved_by="other"),
        )
        assert sorted(r["success"] for r in replies) == [False, True]
        assert [r["error_code"] for r in replies if not r["success"]] == ["not_found"]
        await s.stack.settle()
        won = next(r for r in replies if r["success"])["data"]["status"]
        assert (won, await s.balance("alice")) in {("refunded", 100_000), ("queued", 0)}
        assert (await s.audit())["ok"]


async def test_request_subject_preview_queue_and_idempotent_client_ref(tmp_path: Path, bus: InMemoryBus,
                                                                       clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        preview = await s.request("media.queue_preview", user="alice", media_id="movie01")
        assert preview["success"], preview
        p = preview["data"]
        assert (p["eligible"], p["cost"], p["tier"], p["balance"], p["queues_allowed"]) == (
            True, 1000, "Movie", 1000, 3)
        too_much = (await s.request("media.queue_preview", user="alice", media_id="ep30", action="playnext"))["data"]
        assert (too_much["eligible"], too_much["reason_code"], too_much["cost"]) == (
            False, "insufficient_funds", 10_000)

        first = await s.request("media.queue", user="alice", media_id="short01", client_ref="web-42")
        assert first["success"] and first["data"]["status"] == "queued" and first["data"]["cost"] == 250
        again = await s.request("media.queue", user="alice", media_id="short01", client_ref="web-42")
        assert again["data"] == first["data"]  # a retry of the caller: the same answer, charged once
        assert await s.balance("alice") == 750 and len(s.addvideos()) == 1
        other = await s.request("media.queue", user="mallory", media_id="short01", client_ref="web-42")
        assert other["error_code"] == "forbidden"
        reused = await s.request("media.queue", user="alice", media_id="ep30", client_ref="web-42")
        assert reused["error_code"] == "idempotency_conflict"
        cooling = await s.request("media.queue_preview", user="alice", media_id="short01")
        assert (cooling["data"]["eligible"], cooling["data"]["reason_code"]) == (False, "cooldown")
        assert cooling["data"]["cooldown_seconds_left"] == 1800 and cooling["data"]["queues_today"] == 1
        refund = await s.request("media.queue_refund", client_ref="web-42", user="alice")
        assert refund["error_code"] == "conflict"  # it reached the playlist: not refundable
        missing = await s.request("media.queue", user="bob", media_id="nope")
        assert (missing["success"], missing["error_code"]) == (False, "not_found")
        bad = await s.request("media.queue", user="alice", media_id="../x")
        assert bad["error_code"] == "bad_request"
        elsewhere = await s.request("media.search", query="cat", channel="otherchan")
        assert elsewhere["error_code"] == "not_found"


async def test_request_subject_failed_add_carries_the_refund(tmp_path: Path, bus: InMemoryBus,
                                                             clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        robot_refuses(s, "broken1")
        failed = await s.request("media.queue", user="alice", media_id="broken1", client_ref="r1")
        assert (failed["success"], failed["error_code"]) == (False, "conflict")
        assert failed["data"]["status"] == "refunded" and failed["data"]["refunded"] == 250
        state = await s.request("media.queue_refund", client_ref="r1", user="alice")
        assert state["success"] and state["data"]["status"] == "refunded"
        assert (await s.request("media.queue_refund", client_ref="r1", user="mallory"))["error_code"] == "forbidden"
        assert (await s.request("media.queue_refund", client_ref="nope"))["error_code"] == "not_found"
        assert await s.balance("alice") == 1000


async def test_approvals_over_the_request_subject(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 100_000)
        await s.request("media.queue", user="alice", media_id="ep30", action="forcenow")
        listed = await s.request("media.approvals")
        [pending] = listed["data"]["approvals"]
        assert (pending["approval_id"], pending["user"], pending["cost"]) == (1, "alice", 100_000)
        missing_flag = await s.request("media.resolve_approval", approval_id=1, resolved_by="boss")
        assert missing_flag["error_code"] == "bad_request"  # ``approved`` is required: no silent reject
        done = await s.request("media.resolve_approval", approval_id=1, approved=True, resolved_by="boss")
        assert done["success"] and done["data"]["status"] == "queued" and done["data"]["played_now"]
        assert (await s.request("media.approvals"))["data"]["approvals"] == []
