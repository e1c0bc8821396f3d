"""Bounties through PM, ``ledger.bounty_*`` and the public ``bounty.*``, in process (bounties.py).

Create escrows in one transaction (row + postings); claim / cancel / expiry are mutually exclusive
transitions that each move the money in the same transaction; every refusal moves nothing; the
ledger audit (balance == SUM(journal) per account) stays clean after every scenario.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from economy_ledger.bounty_rules import ESCROW, BountyRefusal
from economy_ledger.service import LedgerService
from economy_shared.config import EconomyConfig
from economy_shared.pm.router import NOT_ADMIN
from economy_shared.subjects import PUBLIC_COMMAND
from tests.helpers import CHANNEL, Stack, make_config
from tests.ledger.tip_kit import LEDGER, account, audit_ok, balances, fund, journal_rows, pm_reply, start

HOURS = 168  # bounties.default_expiry_hours


@pytest.fixture
def config(tmp_path: Path) -> EconomyConfig:
    return make_config(tmp_path, admin={"usernames": ["Boss"]})


def metric(ledger: LedgerService, name: str) -> float | None:
    return ledger.metrics.registry.get_sample_value(name, {"channel": CHANNEL})


async def bounty_rows(ledger: LedgerService) -> list[dict[str, Any]]:
    return [dict(r) for r in await ledger.database.fetchall("SELECT * FROM bounties ORDER BY id")]


async def escrow_balance(stack: Stack) -> int:
    return int((await account(stack, ESCROW))["balance"])


async def ready(stack: Stack, **funds: int) -> LedgerService:
    ledger = await start(stack)
    await fund(stack, **funds)
    return ledger


async def create(stack: Stack, creator: str, amount: int, desc: str, request_id: str) -> dict[str, Any]:
    return await stack.request(LEDGER, {"command": "ledger.bounty_create", "channel": CHANNEL, "creator": creator,
                                        "amount": amount, "description": desc, "request_id": request_id})


async def claim_req(stack: Stack, bounty_id: int, winner: str) -> dict[str, Any]:
    return await stack.request(LEDGER, {"command": "ledger.bounty_claim", "channel": CHANNEL, "bounty_id": bounty_id,
                                        "winner": winner, "admin": "Boss"})


# ---- create -------------------------------------------------------------------------------------
async def test_create_escrows_row_and_postings_together_and_announces(stack: Stack) -> None:
    ledger = await ready(stack, Alice=5_000)
    reply = await pm_reply(stack, "alice", 'bounty 1,500 "find the  director\'s cut"')
    assert reply == f"📌 Bounty #1 created: 1,500 Z for \"find the director's cut\". Expires in {HOURS} hours."
    assert stack.bus.chats() == ["📌 New bounty by Alice: \"find the director's cut\" — 1,500 Z"]
    assert await balances(stack, "alice") == [3_500] and await escrow_balance(stack) == 1_500
    [row] = await bounty_rows(ledger)
    assert (row["status"], row["amount"], row["creator"], row["creator_key"]) == ("open", 1500, "Alice", "alice")
    assert row["expires_ms"] - row["created_ms"] == HOURS * 3_600_000
    journal = await ledger.database.fetchall(
        "SELECT a.user_key, j.amount, j.kind, j.trigger_id, j.reason, j.request_id FROM journal j "
        "JOIN accounts a ON a.id = j.account_id WHERE j.trigger_id = 'bounty.create' ORDER BY j.id")
    assert [(r["user_key"], r["amount"], r["kind"]) for r in journal] == [("alice", -1500, "spend"),
                                                                         (ESCROW, 1500, "escrow")]
    assert "#1" in journal[0]["reason"] and journal[0]["request_id"] == journal[1]["request_id"]
    key = await ledger.database.fetchone("SELECT idem_key FROM requests WHERE id=?", (journal[0]["request_id"],))
    assert key is not None and key[0].startswith("bounty:create:testchan:")
    assert metric(ledger, "economy_bounties_created_total") == 1
    assert await audit_ok(stack)


@pytest.mark.parametrize(("text", "needle"), [
    ("bounty 500", "Usage: bounty"),
    ("bounty abc find it", "isn't a whole number"),
    ("bounty -5 find it", "more than zero"),
    ("bounty 99 find it", "smallest bounty is 100 Z"),
    ("bounty 50,001 find it", "largest bounty is 50,000 Z"),
    ('bounty 500 ""', "description is required"),
    ("bounty 500 " + "x" * 201, "too long (201 characters; the limit is 200)"),
    ("bounty 4,000 find it", "needs 4,000 Z; you have 3,000 Z"),
])
async def test_bad_creates_say_why_and_change_nothing(stack: Stack, text: str, needle: str) -> None:
    ledger = await ready(stack, Alice=3_000)
    before = await journal_rows(ledger)
    reply = await pm_reply(stack, "alice", text)
    assert needle in reply
    assert await bounty_rows(ledger) == [] and await journal_rows(ledger) == before
    assert await balances(stack, "alice") == [3_000] and stack.bus.chats() == []
    assert await audit_ok(stack)


async def test_description_length_counts_after_sanitising(stack: Stack) -> None:
    ledger = await ready(stack, Alice=3_000)
    reply = await pm_reply(stack, "alice", "bounty 500 " + "/ok" + " " * 250 + "go")
    assert reply.startswith("📌 Bounty #1 created: 500 Z for \"ok go\"")
    assert (await bounty_rows(ledger))[0]["description"] == "ok go"


async def test_disabled_refuses_create_but_listing_and_cancel_work(tmp_path: Path, stack: Stack) -> None:
    ledger = await ready(stack, Alice=3_000)
    assert (await pm_reply(stack, "alice", "bounty 500 one")).startswith("📌")
    stack.config.bounties.__dict__["enabled"] = False  # as a reload would (the config is read at use)
    assert await pm_reply(stack, "alice", "bounty 500 two") == "💤 Bounties are switched off in this channel."
    assert "#1 — 500 Z — one" in await pm_reply(stack, "alice", "bounties")
    assert "cancelled" in await pm_reply(stack, "alice", "bounty cancel 1")
    assert len(await bounty_rows(ledger)) == 1 and await audit_ok(stack)


async def test_open_limit_is_counted_per_creator_beyond_twenty_open(stack: Stack) -> None:
    others = {f"U{n}": 1_000 for n in range(8)}
    ledger = await ready(stack, Alice=10_000, **others)
    for i in range(24):  # 24 open before Alice's: more than the original's list limit of 20
        assert (await create(stack, f"U{i // 3}", 100, f"b{i}", f"r{i}"))["success"]
    for i in range(3):
        assert (await create(stack, "Alice", 100, f"a{i}", f"a{i}"))["success"]
    over = await create(stack, "Alice", 100, "fourth", "a3")
    assert over["error_code"] == "limit_reached" and "3 open bounties" in over["error"]
    assert len(await bounty_rows(ledger)) == 27 and await balances(stack, "alice") == [9_700]
    assert await audit_ok(stack)


async def test_banned_creator_is_refused_and_nothing_moves(stack: Stack) -> None:
    ledger = await ready(stack, Alice=3_000)
    await ledger.store.set_banned(CHANNEL, "alice", True, "spam", 0)
    assert await pm_reply(stack, "alice", "bounty 500 x") == "⛔ Your account is frozen by the channel admins."
    assert await bounty_rows(ledger) == [] and await balances(stack, "alice") == [3_000]
    assert await audit_ok(stack)


async def test_replaying_a_request_id_gives_one_bounty(stack: Stack) -> None:
    ledger = await ready(stack, Alice=3_000)
    first, second, third = await asyncio.gather(*(create(stack, "Alice", 500, "once", "same") for _ in range(3)))
    assert first["success"] and second["success"] and third["success"]
    assert {r["data"]["id"] for r in (first, second, third)} == {1}
    assert sorted(r["data"]["replayed"] for r in (first, second, third)) == [False, True, True]
    assert len(await bounty_rows(ledger)) == 1 and await balances(stack, "alice") == [2_500]
    assert len(stack.bus.chats()) == 1 and await audit_ok(stack)


# ---- list ---------------------------------------------------------------------------------------
async def test_list_newest_first_with_ages_and_limit(stack: Stack) -> None:
    await ready(stack, Alice=100_000, **{f"U{n}": 1_000 for n in range(6)})
    assert await pm_reply(stack, "alice", "bounties") == "No open bounties."
    for i in range(17):
        assert (await create(stack, f"U{i // 3}", 100, f"job {i}", f"r{i}"))["success"]
        stack.clock.advance(hours=1)
    stack.clock.advance(minutes=5)
    lines = (await pm_reply(stack, "alice", "bounties")).splitlines()
    assert lines[1] == "#17 — 100 Z — job 16 (by U5, 1h ago)"
    assert lines[2] == "#16 — 100 Z — job 15 (by U5, 2h ago)"
    assert lines[15] == "#3 — 100 Z — job 2 (by U0, 15h ago)"  # 15 shown
    stack.clock.advance(days=2)
    assert "(by U5, 2d ago)" in (await pm_reply(stack, "alice", "bounties")).splitlines()[1]
    assert len(lines) == 17 and lines[-1].startswith("15 open")
    listed = await stack.request(LEDGER, {"command": "ledger.bounties", "channel": CHANNEL, "limit": 2})
    assert [b["id"] for b in listed["data"]["bounties"]] == [17, 16]


# ---- claim --------------------------------------------------------------------------------------
async def test_admin_claim_pays_the_winner_as_an_earning_and_tells_everyone(stack: Stack) -> None:
    ledger = await ready(stack, Alice=3_000, Bob=10)
    await pm_reply(stack, "alice", "bounty 1,000 fix the playlist")
    reply = await pm_reply(stack, "Boss", "claim_bounty 1 @bob")
    assert reply == "✅ Bounty #1 claimed by Bob: 1,000 Z awarded."
    assert stack.bus.pms_to("alice")[-1] == "🏆 Your bounty #1 was claimed by Bob: 1,000 Z awarded."
    assert '🏆 You earned bounty #1 "fix the playlist" (+1,000 Z)!' in stack.bus.pms_to("bob")  # (and a rank-up)
    assert '🏆 Bob claimed bounty #1 "fix the playlist" (+1,000 Z)' in stack.bus.chats()
    assert await balances(stack, "alice", "bob") == [2_000, 1_010] and await escrow_balance(stack) == 0
    bob = await account(stack, "bob")
    assert bob["lifetime_earned"] == 1_000  # a bounty reward is an earning (DECISIONS 5)
    [row] = await bounty_rows(ledger)
    assert (row["status"], row["winner"], row["resolved_by"]) == ("claimed", "Bob", "Boss")
    assert metric(ledger, "economy_bounties_claimed_total") == 1
    assert await pm_reply(stack, "Boss", "claim_bounty 1 carol") == "🤷 I don't know anyone called carol here."
    await fund(stack, Carol=1)
    assert await pm_reply(stack, "Boss", "claim_bounty 1 carol") == "Bounty #1 is already claimed."
    assert await audit_ok(stack)


@pytest.mark.parametrize(("text", "answer"), [
    ("claim_bounty", "Usage: claim_bounty <id> @winner"),
    ("claim_bounty 1", "Usage: claim_bounty <id> @winner"),
    ("claim_bounty one bob", "Bounty ID must be a number."),
    ("claim_bounty 9 bob", "Bounty #9 not found."),
    ("claim_bounty 1 nobody", "🤷 I don't know anyone called nobody here."),
    ("claim_bounty 1 @Alice", "🙃 The creator can't claim their own bounty."),
    ("claim_bounty 1 mallory", "⛔ Mallory is frozen by the admins."),
])
async def test_bad_claims_change_nothing(stack: Stack, text: str, answer: str) -> None:
    ledger = await ready(stack, Alice=3_000, Bob=10, Mallory=10)
    await ledger.store.set_banned(CHANNEL, "mallory", True, None, 0)
    await pm_reply(stack, "alice", "bounty 500 x")
    before = await journal_rows(ledger)
    assert await pm_reply(stack, "Boss", text) == answer
    assert await journal_rows(ledger) == before and (await bounty_rows(ledger))[0]["status"] == "open"
    assert await ledger.store.account(CHANNEL, "nobody") is None  # never an account for a typed name
    assert await audit_ok(stack)


async def test_non_admin_cannot_claim(stack: Stack) -> None:
    ledger = await ready(stack, Alice=3_000, Bob=10)
    await pm_reply(stack, "alice", "bounty 500 x")
    assert await pm_reply(stack, "bob", "claim_bounty 1 bob") == NOT_ADMIN
    assert (await bounty_rows(ledger))[0]["status"] == "open" and await balances(stack, "bob") == [10]


async def test_an_expired_bounty_cannot_be_claimed_before_the_job_runs(stack: Stack) -> None:
    ledger = await ready(stack, Alice=3_000, Bob=10)
    await pm_reply(stack, "alice", "bounty 500 x")
    stack.clock.advance(hours=HOURS)
    assert await pm_reply(stack, "Boss", "claim_bounty 1 bob") == "Bounty #1 has expired."
    assert await balances(stack, "bob") == [10] and (await bounty_rows(ledger))[0]["status"] == "open"


# ---- cancel and expiry --------------------------------------------------------------------------
async def test_creator_cancel_refunds_the_expiry_share_and_burns_the_rest(stack: Stack) -> None:
    ledger = await ready(stack, Alice=3_000, Bob=10)
    await pm_reply(stack, "alice", "bounty 1,001 x")
    assert await pm_reply(stack, "bob", "bounty cancel 1") == "Only the creator can cancel bounty #1."
    assert await pm_reply(stack, "alice", "bounty cancel one") == "Bounty ID must be a number."
    assert await pm_reply(stack, "alice", "bounty cancel") == "Usage: bounty cancel <id>"
    reply = await pm_reply(stack, "alice", "bounty cancel 1")
    assert reply == "🗑️ Bounty #1 cancelled. 500 Z back to you (501 Z burned). Your balance: 2,499 Z."
    assert await pm_reply(stack, "alice", "bounty cancel 1") == "Bounty #1 is already cancelled."
    assert await escrow_balance(stack) == 0 and (await bounty_rows(ledger))[0]["status"] == "cancelled"
    assert (await account(stack, "alice"))["lifetime_spent"] == 501  # the refund reversed half the spend
    assert metric(ledger, "economy_bounties_cancelled_total") == 1 and await audit_ok(stack)


async def test_expiry_refunds_the_share_and_pms_the_creator(stack: Stack) -> None:
    ledger = await ready(stack, Alice=3_000)
    await pm_reply(stack, "alice", "bounty 1,000 x")
    stack.clock.advance(hours=HOURS - 1)
    assert await ledger.bounty_expiry.run_due() == []
    stack.clock.advance(hours=1)
    [done] = await ledger.bounty_expiry.run_due()
    await stack.settle()
    assert (done.id, done.refund) == (1, 500)
    assert stack.bus.pms_to("alice")[-1] == ("⌛ Your bounty #1 expired unclaimed. 500 Z (50% of 1,000 Z) went "
                                             "back to your wallet.")
    assert await balances(stack, "alice") == [2_500] and await escrow_balance(stack) == 0
    assert (await bounty_rows(ledger))[0]["status"] == "expired"
    assert await ledger.bounty_expiry.run_due() == []  # once only
    assert metric(ledger, "economy_bounties_expired_total") == 1
    assert metric(ledger, "economy_bounties_open") == 0 and metric(ledger, "economy_bounties_escrowed_z") == 0
    assert await audit_ok(stack)


async def test_zero_percent_refund_burns_everything_and_sends_no_pm(tmp_path: Path, bus: Any, clock: Any) -> None:
    stack = Stack(bus, make_config(tmp_path, bounties={"expiry_refund_percent": 0}), clock)
    try:
        ledger = await ready(stack, Alice=3_000)
        await pm_reply(stack, "alice", "bounty 1,000 x")
        pms = len(stack.bus.pms_to("alice"))
        stack.clock.advance(hours=HOURS)
        [done] = await ledger.bounty_expiry.run_due()
        await stack.settle()
        assert done.refund == 0 and len(stack.bus.pms_to("alice")) == pms
        assert await balances(stack, "alice") == [2_000] and await escrow_balance(stack) == 0
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_expiry_catches_up_at_start(tmp_path: Path, bus: Any, clock: Any) -> None:
    stack = Stack(bus, make_config(tmp_path), clock)
    try:
        await ready(stack, Alice=3_000)
        await create(stack, "Alice", 1_000, "x", "r1")
    finally:
        await stack.close()
    clock.advance(hours=HOURS + 5)  # down past the expiry
    again = Stack(bus, make_config(tmp_path), clock)
    try:
        ledger = await start(again)
        assert (await bounty_rows(ledger))[0]["status"] == "expired"
        refund = await ledger.database.fetchone("SELECT amount FROM journal WHERE kind='refund'")
        assert refund is not None and refund[0] == 500  # the balance also got a day's interest at start
        assert await escrow_balance(again) == 0 and await audit_ok(again)
    finally:
        await again.close()


# ---- races: exactly one transition wins ---------------------------------------------------------
async def test_concurrent_claims_pay_once(stack: Stack) -> None:
    ledger = await ready(stack, Alice=3_000, Bob=10, Carol=10)
    await create(stack, "Alice", 1_000, "x", "r1")
    outcomes = await asyncio.gather(ledger.bounties.claim(CHANNEL, 1, "bob", "Boss"),
                                    ledger.bounties.claim(CHANNEL, 1, "carol", "Boss"),
                                    claim_req(stack, 1, "bob"))
    wins = [o for o in outcomes[:2] if not isinstance(o, BountyRefusal)] + [o for o in outcomes[2:] if o["success"]]
    assert len(wins) == 1
    assert sum(await balances(stack, "bob", "carol")) == 1_020 and await escrow_balance(stack) == 0
    assert await audit_ok(stack)


@pytest.mark.parametrize("other", ["cancel", "expire"])
async def test_claim_races_cancel_and_expiry(stack: Stack, other: str) -> None:
    ledger = await ready(stack, Alice=3_000, Bob=10)
    await create(stack, "Alice", 1_000, "x", "r1")
    if other == "expire":
        stack.clock.advance(hours=HOURS)  # both see an expired bounty; only the job may take it
        second = ledger.bounties.expire_due(CHANNEL)
    else:
        second = ledger.bounties.cancel(CHANNEL, 1, "alice")
    claim, resolved = await asyncio.gather(ledger.bounties.claim(CHANNEL, 1, "bob", "Boss"), second)
    claimed = not isinstance(claim, BountyRefusal)
    other_won = bool(resolved) if other == "expire" else not isinstance(resolved, BountyRefusal)
    assert claimed + other_won == 1
    alice, bob = await balances(stack, "alice", "bob")
    assert (alice, bob) in {(2_000, 1_010), (2_500, 10)} and await escrow_balance(stack) == 0
    assert await audit_ok(stack)


# ---- the public subject -------------------------------------------------------------------------
async def test_public_names(tmp_path: Path, bus: Any, clock: Any) -> None:
    for allowed in (False, True):
        stack = Stack(bus, make_config(tmp_path / str(allowed), api={"allow_admin_commands": allowed}), clock)
        try:
            await ready(stack, Alice=3_000, Bob=10)
            made = await stack.request(PUBLIC_COMMAND, {"command": "bounty.create", "channel": CHANNEL,
                                                        "username": "Alice", "amount": 500, "description": "x",
                                                        "request_id": "p1"})
            assert made["success"] and made["data"]["id"] == 1 and made["data"]["balance"] == 2_500
            listed = await stack.request(PUBLIC_COMMAND, {"command": "bounty.list", "channel": CHANNEL})
            assert [b["id"] for b in listed["data"]["bounties"]] == [1]
            not_mine = await stack.request(PUBLIC_COMMAND, {"command": "bounty.cancel", "channel": CHANNEL,
                                                            "bounty_id": 1, "username": "Bob"})
            assert not_mine["error_code"] == "forbidden"
            claim = await stack.request(PUBLIC_COMMAND, {"command": "bounty.claim", "channel": CHANNEL,
                                                         "bounty_id": 1, "winner": "Bob"})
            assert claim["success"] is allowed
            if not allowed:
                assert claim["error_code"] == "forbidden"
            bad = await stack.request(PUBLIC_COMMAND, {"command": "bounty.claim", "channel": CHANNEL,
                                                       "bounty_id": "x", "winner": "Bob"})
            assert bad["error_code"] == "bad_request"
            assert await balances(stack, "bob") == [510 if allowed else 10] and await audit_ok(stack)
        finally:
            await stack.close()
