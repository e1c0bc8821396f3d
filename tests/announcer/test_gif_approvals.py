"""GIF approvals in the announcer with a real ledger on the in-memory bus: admin approve_gif/reject_gif/
pending_gifs and announcer.gif_approvals/resolve_gif, conditional resolve, one refund even through a
silent ledger (retry pass), and the approved GIF stored as the user's vanity item."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from economy_announcer.approval_store import create_pending
from economy_announcer.service import AnnouncerService
from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock, to_ms
from economy_shared.pm.router import NOT_ADMIN
from economy_shared.subjects import service_subject
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack, audit_ok, make_config

LEDGER = service_subject("ledger")
ANNOUNCER = service_subject("announcer")
_refs = itertools.count(1)


class Kit:
    def __init__(self, stack: Stack, ledger: LedgerService, announcer: AnnouncerService) -> None:
        self.stack = stack
        self.ledger = ledger
        self.announcer = announcer
        self.saved: list[Any] = []

    async def ledger_post(self, key: str, postings: list[dict[str, Any]]) -> dict[str, Any]:
        r = await self.stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": key,
                                              "postings": postings})
        assert r["success"], r
        return r

    async def bought(self, user: str, url: str = "https://media.example/cat.gif", cost: int = 5_000,
                     balance: int = 10_000) -> int:
        """What the shop's ``buy gif`` leaves: the money spent and a pending row."""
        n = next(_refs)
        await self.ledger_post(f"fund:{n}", [{"user": user, "amount": balance, "kind": "admin"}])
        await self.ledger_post(f"vanity:{CHANNEL}:gif-{n}", [{"user": user, "amount": -cost, "kind": "spend",
                                                               "trigger_id": "vanity.gif"}])
        async with self.announcer.database.transaction() as conn:
            return await create_pending(conn, CHANNEL, user.upper(), user, url, cost, None,
                                        to_ms(self.stack.clock.now()))

    async def balance(self, user: str) -> int:
        r = await self.stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
        return int(r["data"]["balance"])

    async def audit_ok(self) -> bool:
        return await audit_ok(self.stack)

    async def refunds(self) -> int:
        row = await self.ledger.database.fetchone(
            "SELECT COUNT(*) FROM journal WHERE trigger_id = 'vanity.gif.refund'")
        return int(row[0]) if row else 0

    async def row(self, approval_id: int) -> dict[str, Any]:
        r = await self.announcer.database.fetchone("SELECT * FROM gif_approvals WHERE id = ?", (approval_id,))
        assert r is not None
        return dict(r)

    async def gif_item(self, user: str) -> str | None:
        r = await self.announcer.database.fetchone(
            "SELECT value FROM vanity_items WHERE channel = ? AND user_key = ? AND item = 'gif'",
            (CHANNEL, user.lower()))
        return r["value"] if r else None

    async def say(self, user: str, text: str) -> str:
        before = len(self.stack.bus.pms_to(user))
        await self.stack.pm(user, text)
        got = self.stack.bus.pms_to(user)
        assert len(got) > before, f"no reply to {user}: {text!r}"
        return "\n".join(got[before:])

    async def resolve(self, **fields: Any) -> dict[str, Any]:
        return await self.stack.request(ANNOUNCER, {"command": "announcer.resolve_gif", "channel": CHANNEL, **fields})

    def metric(self, outcome: str) -> float:
        value = self.announcer.metrics.registry.get_sample_value("economy_gif_approvals_total", {"outcome": outcome})
        return value or 0.0

    def ledger_down(self) -> None:
        self.saved = list(self.stack.bus._responders.get(LEDGER, []))
        self.stack.bus.remove_responders(self.saved)

    def ledger_up(self) -> None:
        for h in self.saved:
            self.stack.bus.add_responder(LEDGER, h)


@pytest.fixture
async def kit(tmp_path: Path) -> AsyncIterator[Kit]:
    clock = FakeClock()
    config = make_config(tmp_path, admin={"usernames": ["Boss", "Mod"]}, commands={"rate_limit_per_minute": 600})
    stack = Stack(InMemoryBus(), config, clock)
    ledger = await stack.add(LedgerService)
    announcer = await stack.add(AnnouncerService)
    yield Kit(stack, ledger, announcer)
    await stack.close()


async def test_approve_stores_the_gif_and_tells_the_user(kit: Kit) -> None:
    approval = await kit.bought("alice", url="https://media.example/dance.gif")
    reply = await kit.say("Boss", "approve_gif @Alice")
    assert reply == f"✅ Approved GIF #{approval} for alice."
    assert kit.stack.bus.pms_to("alice")[-1] == "🖼️ Your GIF was approved by Boss! It's yours now."
    row = await kit.row(approval)
    assert (row["status"], row["resolved_by"], row["refund_state"]) == ("approved", "Boss", "")
    assert await kit.gif_item("alice") == "https://media.example/dance.gif"
    assert await kit.balance("alice") == 5_000 and await kit.refunds() == 0
    assert kit.metric("approved") == 1
    assert await kit.say("Mod", "reject_gif alice") == f"GIF #{approval} for alice was already approved by Boss."
    kit.stack.clock.advance(61)  # a moment later it is simply gone
    assert await kit.say("Mod", "reject_gif alice") == "No pending GIF for alice."
    assert await kit.balance("alice") == 5_000 and await kit.refunds() == 0


async def test_non_admin_is_refused_and_nothing_changes(kit: Kit) -> None:
    approval = await kit.bought("alice")
    assert await kit.say("mallory", "reject_gif alice") == NOT_ADMIN
    assert await kit.say("alice", "approve_gif alice") == NOT_ADMIN
    assert await kit.say("mallory", "pending_gifs") == NOT_ADMIN
    assert (await kit.row(approval))["status"] == "pending" and await kit.refunds() == 0


async def test_reject_refunds_once_and_tells_the_user(kit: Kit) -> None:
    approval = await kit.bought("alice")
    reply = await kit.say("Boss", "reject_gif alice")
    assert reply == f"❌ Rejected GIF #{approval} for alice; 5,000 Z refunded."
    assert kit.stack.bus.pms_to("alice")[-1] == "🖼️ Your GIF was rejected by Boss; 5,000 Z refunded."
    assert await kit.balance("alice") == 10_000 and await kit.refunds() == 1
    row = await kit.row(approval)
    assert (row["status"], row["refund_state"]) == ("rejected", "done")
    assert await kit.announcer.gif_approvals.retry_refunds() == 0  # nothing owed: nothing re-sent
    again = await kit.say("Mod", f"reject_gif #{approval}")
    assert again == f"GIF #{approval} for alice was already rejected by Boss."
    assert await kit.refunds() == 1 and await kit.gif_item("alice") is None
    assert kit.metric("rejected") == 1 and kit.metric("refunded") == 1 and kit.metric("conflict") == 1
    assert await kit.audit_ok()


async def test_approve_and_reject_at_once_exactly_one_wins(kit: Kit) -> None:
    for round_ in range(5):
        user = f"racer{round_}"
        approval = await kit.bought(user)
        a, r = await asyncio.gather(
            kit.resolve(user=user, approved=True, resolved_by="Boss"),
            kit.resolve(user=user, approved=False, resolved_by="Mod"),
        )
        winners = [x for x in (a, r) if x["success"]]
        losers = [x for x in (a, r) if not x["success"]]
        assert len(winners) == 1 and len(losers) == 1, (a, r)
        row = await kit.row(approval)
        assert losers[0]["error_code"] == "conflict"
        assert losers[0]["error"] == f"GIF #{approval} for {user} was already {row['status']} by {row['resolved_by']}."
        approved = winners[0]["data"]["approved"]
        assert row["status"] == ("approved" if approved else "rejected")
        assert await kit.balance(user) == (5_000 if approved else 10_000)
        assert (await kit.gif_item(user) is not None) == approved
    assert await kit.refunds() == kit.metric("rejected") <= 5
    assert kit.metric("approved") + kit.metric("rejected") == 5 and kit.metric("conflict") == 5
    assert await kit.audit_ok()


async def test_reject_with_the_ledger_silent_is_refunded_once_by_the_retry_pass(kit: Kit) -> None:
    approval = await kit.bought("alice")
    kit.ledger_down()
    reply = await kit.resolve(user="alice", approved=False, resolved_by="Boss")
    assert reply["success"] and reply["data"]["refunded"] == 0
    assert "owed" in reply["data"]["message"]
    assert (await kit.row(approval))["refund_state"] == "owed"
    kit.stack.clock.advance(30)
    assert await kit.announcer.gif_approvals.retry_refunds() == 0  # still silent: still owed, nothing lost
    assert (await kit.row(approval))["refund_state"] == "owed"
    await kit.stack.settle()
    assert not any("refunded" in t for t in kit.stack.bus.pms_to("alice"))
    kit.ledger_up()
    kit.stack.clock.advance(30)
    assert await kit.announcer.gif_approvals.retry_refunds() == 1
    assert await kit.announcer.gif_approvals.retry_refunds() == 0
    await kit.stack.settle()
    assert (await kit.row(approval))["refund_state"] == "done"
    assert await kit.balance("alice") == 10_000 and await kit.refunds() == 1
    told = [t for t in kit.stack.bus.pms_to("alice") if "refunded" in t]
    assert told == ["🖼️ Your GIF was rejected by Boss; 5,000 Z refunded."]
    assert await kit.audit_ok()


async def test_an_owed_refund_is_paid_by_the_pass_at_start(kit: Kit) -> None:
    approval = await kit.bought("alice")
    kit.ledger_down()
    await kit.resolve(user="alice", approved=False, resolved_by="Boss")
    await kit.stack.hosts[-1].stop()  # the announcer stops with the refund owed
    kit.stack.hosts.pop()
    kit.stack.clients.pop()
    kit.ledger_up()
    kit.announcer = await kit.stack.add(AnnouncerService)
    for _ in range(200):  # the start pass runs in the background (a slow ledger never holds the start-up)
        if (await kit.row(approval))["refund_state"] == "done":
            break
        await asyncio.sleep(0.01)
    assert (await kit.row(approval))["refund_state"] == "done"
    assert await kit.balance("alice") == 10_000 and await kit.refunds() == 1 and await kit.audit_ok()


async def test_oldest_first_and_the_rest_counted(kit: Kit) -> None:
    first = await kit.bought("alice", url="https://media.example/1.gif")
    kit.stack.clock.advance(60)
    second = await kit.bought("alice", url="https://media.example/2.gif")
    kit.stack.clock.advance(60)
    third = await kit.bought("alice", url="https://media.example/3.gif")
    assert await kit.say("Boss", "approve_gif alice") == f"✅ Approved GIF #{first} for alice. (2 more pending)"
    assert await kit.gif_item("alice") == "https://media.example/1.gif"
    reply = await kit.say("Boss", f"reject_gif #{third}")
    assert reply == f"❌ Rejected GIF #{third} for alice; 5,000 Z refunded. (1 more pending)"
    assert (await kit.row(second))["status"] == "pending"
    assert await kit.audit_ok()


async def test_pending_gifs_lists_and_says_none(kit: Kit) -> None:
    assert await kit.say("Boss", "pending_gifs") == "🖼️ No GIFs waiting for approval (none)."
    approval = await kit.bought("alice", url="https://media.example/cat.gif")
    kit.stack.clock.advance(3 * 3600 + 5 * 60)
    listing = await kit.say("Boss", "pending_gifs")
    assert f"#{approval} alice — https://media.example/cat.gif — 5,000 Z — 3h 05m ago" in listing
    assert await kit.say("Boss", "approve_gif") == "Usage: approve_gif <user> — pending_gifs lists them"


async def test_requests_list_and_refuse_clearly(kit: Kit) -> None:
    approval = await kit.bought("alice")
    listing = await kit.stack.request(ANNOUNCER, {"command": "announcer.gif_approvals", "channel": CHANNEL})
    assert listing["success"]
    [row] = listing["data"]["approvals"]
    assert (row["id"], row["user"], row["cost"], row["status"]) == (approval, "alice", 5_000, "pending")
    missing_flag = await kit.resolve(approval_id=approval, resolved_by="Boss")  # approved is required
    assert (missing_flag["success"], missing_flag["error_code"]) == (False, "bad_request")
    nothing = await kit.resolve(approved=True, resolved_by="Boss")
    assert (nothing["success"], nothing["error_code"]) == (False, "bad_request")
    unknown = await kit.resolve(approval_id=999, approved=True, resolved_by="Boss")
    assert (unknown["success"], unknown["error_code"]) == (False, "not_found")
    nobody = await kit.resolve(user="bob", approved=False, resolved_by="Boss")
    assert (nobody["success"], nobody["error_code"], nobody["error"]) == (False, "not_found", "No pending GIF for bob.")
    wrong_chan = await kit.stack.request(ANNOUNCER, {"command": "announcer.resolve_gif", "channel": "elsewhere",
                                                     "approval_id": approval, "approved": True, "resolved_by": "B"})
    assert (wrong_chan["success"], wrong_chan["error_code"]) == (False, "bad_request")
    assert (await kit.row(approval))["status"] == "pending" and await kit.refunds() == 0
    done = await kit.resolve(approval_id=approval, approved=True, resolved_by="Boss")
    assert done["success"] and done["data"]["approved"] and done["data"]["user"] == "alice"
    twice = await kit.resolve(approval_id=approval, approved=False, resolved_by="Mod")
    assert (twice["success"], twice["error_code"]) == (False, "conflict")
    assert twice["data"]["resolved_by"] == "Boss"
    assert await kit.balance("alice") == 5_000 and await kit.audit_ok()


async def test_the_shops_memory_follows_each_resolution(kit: Kit) -> None:
    """Bought through the real shop: the in-memory view (used by shop/profile) never shows a resolved GIF as
    pending, and approving one of two keeps the other pending."""
    await kit.ledger_post("fund:memory", [{"user": "alice", "amount": 20_000, "kind": "admin"}])
    assert "waits for an admin" in await kit.say("alice", "buy gif https://media.example/one.gif")
    assert "waits for an admin" in await kit.say("alice", "buy gif https://media.example/two.gif")
    store = kit.announcer.vanity_store
    assert store.state(CHANNEL, "alice").gif_pending == "https://media.example/two.gif"
    await kit.say("Boss", "approve_gif alice")  # the oldest: one.gif
    state = store.state(CHANNEL, "alice")
    assert (state.gif_url, state.gif_pending) == ("https://media.example/one.gif", "https://media.example/two.gif")
    await kit.say("Boss", "reject_gif alice")
    state = store.state(CHANNEL, "alice")
    assert (state.gif_url, state.gif_pending) == ("https://media.example/one.gif", "")
    assert await kit.balance("alice") == 20_000 - 5_000 and await kit.audit_ok()
    health = await kit.announcer.health_details()
    assert health["gif_approvals"] == {"pending": 0, "owed": 0} and health["open_purchases"] == {}
