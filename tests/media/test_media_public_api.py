"""The original's media names on the public ``kryten.economy.command`` reach the media service (DECISIONS 24)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from media_kit import robot_refuses, running

from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock
from economy_shared.pm.liveness import CLOSED
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack, make_config

PUBLIC = "kryten.economy.command"


async def public(s: Any, command: str, **fields: Any) -> dict[str, Any]:
    return await s.stack.request(PUBLIC, {"command": command, "channel": CHANNEL, **fields})


async def test_queue_preview_and_queue_with_a_request_id_charge_once(tmp_path: Path, bus: InMemoryBus,
                                                                     clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1_000)
        preview = await public(s, "spending.queue_preview", username="alice", media_id="short01")
        assert preview["success"] and preview["service"] == "economy"
        assert (preview["data"]["eligible"], preview["data"]["cost"], preview["data"]["balance"]) == (True, 250, 1_000)
        first = await public(s, "spending.queue", username="alice", media_id="short01", request_id="web-1")
        again = await public(s, "spending.queue", username="alice", media_id="short01", request_id="web-1")
        assert first["success"] and again["success"], (first, again)
        assert first["data"]["status"] == again["data"]["status"] == "queued"
        assert first["data"]["request_id"] == again["data"]["request_id"]
        assert await s.balance("alice") == 750 and len(s.addvideos()) == 1
        other = await public(s, "spending.queue", username="alice", media_id="ep30", request_id="web-1")
        assert (other["success"], other["error_code"]) == (False, "idempotency_conflict")
        assert (await s.audit())["ok"]


async def test_business_refusals_keep_their_code_and_change_nothing(tmp_path: Path, bus: InMemoryBus,
                                                                    clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("bob", 100)
        poor = await public(s, "spending.queue", username="bob", media_id="short01", request_id="b-1")
        assert (poor["success"], poor["error_code"]) == (False, "insufficient_funds")
        unknown = await public(s, "spending.queue", username="bob", media_id="nosuch1")
        assert (unknown["success"], unknown["error_code"]) == (False, "not_found")
        bad = await public(s, "spending.queue", media_id="short01")  # no username
        assert (bad["success"], bad["error_code"]) == (False, "bad_request")
        assert await s.balance("bob") == 100 and s.addvideos() == []


async def test_queue_refund_reports_an_automatic_refund_to_its_spender_only(tmp_path: Path, bus: InMemoryBus,
                                                                          clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        robot_refuses(s, "broken1")
        await s.fund("carol", 1_000)
        failed = await public(s, "spending.queue", username="carol", media_id="broken1", request_id="c-1")
        assert (failed["success"], failed["data"]["status"], failed["data"]["refunded"]) == (False, "refunded", 250)
        assert await s.balance("carol") == 1_000
        stolen = await public(s, "spending.queue_refund", request_id="c-1", username="mallory")
        assert (stolen["success"], stolen["error_code"]) == (False, "forbidden")
        mine = await public(s, "spending.queue_refund", request_id="c-1", username="carol")
        assert mine["success"] and mine["data"]["status"] == "refunded"
        ok = await public(s, "spending.queue", username="carol", media_id="short01", request_id="c-2")
        assert ok["success"]  # the refund gave the cooldown back
        kept = await public(s, "spending.queue_refund", request_id="c-2")
        assert (kept["success"], kept["error_code"]) == (False, "conflict")  # it reached the playlist
        assert await s.balance("carol") == 750 and (await s.audit())["ok"]


async def test_approval_commands_are_admin_commands(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        listing = await public(s, "approval.list")
        assert (listing["success"], listing["error_code"]) == (False, "forbidden")
        resolve = await public(s, "approval.resolve", approval_id=1, approved=True, resolved_by="boss")
        assert (resolve["success"], resolve["error_code"]) == (False, "forbidden")


async def test_approvals_listed_and_resolved_when_the_operator_allows_it(tmp_path: Path, bus: InMemoryBus,
                                                                         clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, api={"allow_admin_commands": True}) as s:
        await s.fund("alice", 150_000)
        await s.say("alice", "forcenow movie01")
        listing = await public(s, "approval.list", type="force_play")
        assert listing["success"]
        [row] = listing["data"]["approvals"]
        assert (row["type"], row["user"], row["media_id"], row["cost"]) == ("force_play", "alice", "movie01", 100_000)
        gifs = await public(s, "approval.list", type="channel_gif")
        assert gifs["success"] and gifs["data"]["approvals"] == []
        missing = await public(s, "approval.resolve", approval_id=row["approval_id"], resolved_by="boss")
        assert (missing["success"], missing["error_code"]) == (False, "bad_request")  # never a silent reject
        rejected = await public(s, "approval.resolve", approval_id=row["approval_id"], approved=False,
                                resolved_by="boss")
        assert rejected["success"], rejected
        assert (rejected["data"]["approved"], rejected["data"]["status"]) == (False, "refunded")
        twice = await public(s, "approval.resolve", approval_id=row["approval_id"], approved=True, resolved_by="boss")
        assert (twice["success"], twice["error_code"]) == (False, "not_found")
        assert await s.balance("alice") == 150_000 and s.addvideos() == []


async def test_media_down_gets_the_closed_line(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack = Stack(bus, make_config(tmp_path), clock)
    try:
        await stack.add(LedgerService)  # no media service on the bus
        reply = await stack.request(PUBLIC, {"command": "spending.queue", "channel": CHANNEL, "username": "alice",
                                             "media_id": "short01"})
        assert (reply["success"], reply["error_code"], reply["error"]) == (False, "unavailable", CLOSED["media"])
    finally:
        await stack.close()
