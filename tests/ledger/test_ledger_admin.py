"""Admin words through PM, ``ledger.admin_*`` and the public ``admin.*`` (and the original's names), in process.

Every word: rules and replies, bad arguments (usage line, nothing changed), unknown targets (no account
opened), non-admins refused with one line, grants never count as earnings, set_balance is one posting,
deduct never goes below zero, bans keep the balance and stop earning/tipping, set_rank is a floor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from economy_ledger.service import LedgerService
from economy_shared.config import EconomyConfig
from economy_shared.pm.router import NOT_ADMIN
from economy_shared.subjects import PUBLIC_COMMAND
from tests.helpers import CHANNEL, Stack, make_config
from tests.ledger.tip_kit import LEDGER, account, audit_ok, balances, fund, journal_rows, pm_reply, presence, start

ADMIN_WORDS = ["grant @bob 10", "deduct @bob 10", "set_balance @bob 5", "set_rank @bob Grip", "ban @bob",
               "unban @bob", "econ:user bob"]


@pytest.fixture
def config(tmp_path: Path) -> EconomyConfig:
    return make_config(tmp_path, admin={"usernames": ["Boss"]})


def metric(ledger: LedgerService, action: str) -> float | None:
    return ledger.metrics.registry.get_sample_value("economy_admin_actions_total",
                                                    {"channel": CHANNEL, "action": action})


async def ready(stack: Stack, here: set[str] | None = None, **funds: int) -> LedgerService:
    ledger = await start(stack)
    presence(stack.bus, here or set())
    if funds:
        await fund(stack, **funds)
    return ledger


async def accounts(ledger: LedgerService) -> int:
    row = await ledger.database.fetchone("SELECT COUNT(*) FROM accounts")
    return int(row[0]) if row else 0


async def earn(stack: Stack, user: str, amount: int, key: str) -> dict[str, Any]:
    return await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": key,
                                        "postings": [{"user": user, "amount": amount, "kind": "earn",
                                                      "trigger_id": "presence.base"}]})


async def public(stack: Stack, command: str, **fields: Any) -> dict[str, Any]:
    return await stack.request(PUBLIC_COMMAND, {"command": command, "channel": CHANNEL, **fields})


async def test_grant_credits_exactly_tells_the_user_and_never_counts_as_earnings(stack: Stack) -> None:
    ledger = await ready(stack, Bob=10)
    reply = await pm_reply(stack, "Boss", "grant @bob 5000 contest winner")
    assert reply == "✅ Granted 5,000 Z to Bob. Balance now 5,010 Z. Reason: contest winner"
    assert stack.bus.pms_to("bob")[-1] == "🎁 An admin gave you 5,000 Z. Reason: contest winner Your balance: 5,010 Z."
    bob = await account(stack, "bob")
    assert (bob["balance"], bob["lifetime_earned"], bob["rank_name"]) == (5010, 0, "Extra")  # DECISIONS 5
    row = await ledger.database.fetchone("SELECT kind, trigger_id, related_user FROM journal ORDER BY id DESC")
    assert (row["kind"], row["trigger_id"], row["related_user"]) == ("admin", "admin.grant", "Boss")
    assert metric(ledger, "grant") == 1
    assert await audit_ok(stack)


async def test_deduct_never_goes_below_zero(stack: Stack) -> None:
    ledger = await ready(stack, Bob=100)
    rows = await journal_rows(ledger)
    assert await pm_reply(stack, "Boss", "deduct bob 101") == "❌ Bob has only 100 Z; cannot deduct 101 Z."
    assert await balances(stack, "bob") == [100] and await journal_rows(ledger) == rows
    assert await pm_reply(stack, "Boss", "deduct @Bob 100 spam") == (
        "✅ Deducted 100 Z from Bob. Balance now 0 Z. Reason: spam")
    assert await balances(stack, "bob") == [0]
    assert await audit_ok(stack)


async def test_set_balance_is_one_posting_of_the_difference_and_a_no_op_when_equal(stack: Stack) -> None:
    ledger = await ready(stack, Bob=700)
    rows = await journal_rows(ledger)
    assert await pm_reply(stack, "Boss", "set_balance @bob 250") == "✅ Bob's balance set to 250 Z (was 700 Z)."
    assert await journal_rows(ledger) == rows + 1
    row = await ledger.database.fetchone("SELECT amount, kind FROM journal ORDER BY id DESC")
    assert (row["amount"], row["kind"]) == (-450, "admin")
    assert await pm_reply(stack, "Boss", "set_balance @bob 250") == "ℹ️ Bob already has 250 Z — nothing changed."
    assert await journal_rows(ledger) == rows + 1
    assert await pm_reply(stack, "Boss", "set_balance @bob 0") == "✅ Bob's balance set to 0 Z (was 250 Z)."
    bob = await account(stack, "bob")
    assert (bob["balance"], bob["lifetime_earned"]) == (0, 0)
    assert await audit_ok(stack)


@pytest.mark.parametrize("text", ["grant", "grant @bob", "grant @bob ten", "grant @bob -5", "grant @bob 0",
                                  "deduct bob", "deduct @bob 1.5", "set_balance @bob", "set_balance @bob -1",
                                  "set_balance @bob 5 extra", "set_rank @bob", "set_rank", "ban", "unban",
                                  "unban a b", "econ:user"])
async def test_bad_arguments_get_the_usage_line_and_change_nothing(stack: Stack, text: str) -> None:
    ledger = await ready(stack, Bob=100)
    rows = await journal_rows(ledger)
    reply = await pm_reply(stack, "Boss", text)
    assert reply.startswith("Usage: " + text.split()[0])
    assert await journal_rows(ledger) == rows and await balances(stack, "bob") == [100]
    assert not (await account(stack, "bob"))["banned"]


@pytest.mark.parametrize("word", ["grant ghost 5", "deduct ghost 5", "set_balance ghost 5", "set_rank ghost Grip",
                                  "ban ghost", "unban ghost"])
async def test_an_unknown_target_is_refused_and_no_account_is_opened(stack: Stack, word: str) -> None:
    ledger = await ready(stack, Bob=100)
    before = await accounts(ledger)
    reply = await pm_reply(stack, "Boss", word)
    assert "ghost" in reply and "nothing changed" in reply
    assert await accounts(ledger) == before
    assert await pm_reply(stack, "Boss", "econ:user ghost") == "❓ No account for 'ghost'."


async def test_a_system_account_is_never_a_target(stack: Stack) -> None:
    ledger = await ready(stack, Bob=100)
    rows = await journal_rows(ledger)
    assert "nothing changed" in await pm_reply(stack, "Boss", "grant ~escrow:bounties 5")
    assert await pm_reply(stack, "Boss", "econ:user ~escrow:bounties") == "❓ No account for '~escrow:bounties'."
    assert await journal_rows(ledger) == rows


async def test_a_present_user_without_an_account_can_be_granted(stack: Stack) -> None:
    await ready(stack, here={"newbie"})
    assert await pm_reply(stack, "Boss", "grant newbie 50") == "✅ Granted 50 Z to newbie. Balance now 50 Z."
    assert await balances(stack, "newbie") == [50]


@pytest.mark.parametrize("word", ADMIN_WORDS)
async def test_a_non_admin_gets_one_line_and_nothing_changes(stack: Stack, word: str) -> None:
    ledger = await ready(stack, Bob=100, Mallory=100)
    rows = await journal_rows(ledger)
    assert await pm_reply(stack, "mallory", word) == NOT_ADMIN
    bob = await account(stack, "bob")
    assert (bob["balance"], bob["banned"], bob["rank_name"]) == (100, False, "Extra")
    assert await journal_rows(ledger) == rows


async def test_ban_keeps_the_balance_stops_earning_and_tipping_and_unban_restores(stack: Stack) -> None:
    ledger = await ready(stack, Bob=500, Carol=5)
    stack.clock.advance(minutes=31)  # old enough to tip
    assert await pm_reply(stack, "Boss", "ban @bob farming") == (
        "⛔ Bob is banned from the economy (balance kept). Reason: farming")
    assert stack.bus.pms_to("bob")[-1] == "⛔ Your account is frozen by the channel admins. Reason: farming " \
                                          "Your balance is kept."
    assert await pm_reply(stack, "Boss", "ban bob") == "ℹ️ Bob is already banned — nothing changed."
    assert await balances(stack, "bob") == [500]
    r = await earn(stack, "bob", 10, "earn:1")
    assert not r["success"] and r["error_code"] == "banned"
    assert await pm_reply(stack, "bob", "tip @carol 10") == "⛔ Your account is frozen by the channel admins."
    info = await pm_reply(stack, "Boss", "econ:user bob")
    assert info.startswith("👤 Bob: 500 Z · rank Extra") and "⛔ Banned: farming" in info
    assert await pm_reply(stack, "Boss", "unban @bob") == "✅ Bob is unbanned."
    assert stack.bus.pms_to("bob")[-1] == "✅ Your economy access is restored."
    assert await pm_reply(stack, "Boss", "unban bob") == "ℹ️ Bob is not banned — nothing changed."
    assert (await earn(stack, "bob", 10, "earn:2"))["success"]
    assert "💸 You tipped Carol 10 Z." in await pm_reply(stack, "bob", "tip @carol 10")
    assert await balances(stack, "bob", "carol") == [500, 15]
    assert metric(ledger, "ban") == 1 and metric(ledger, "unban") == 1
    assert await audit_ok(stack)


async def test_set_rank_is_a_floor_names_match_case_insensitively_and_the_lowest_clears_it(stack: Stack) -> None:
    await ready(stack, Bob=10)
    reply = await pm_reply(stack, "Boss", "set_rank @bob grip master")
    assert reply.startswith("❓ Unknown rank 'grip master'. Valid: Extra, Grip, Key Grip,")
    assert (await account(stack, "bob"))["rank_name"] == "Extra"
    assert await pm_reply(stack, "Boss", "set_rank @bob key GRIP") == "✅ Bob's rank floor set to Key Grip."
    assert stack.bus.pms_to("bob")[-1] == "⭐ An admin set your rank to Key Grip."
    bob = await account(stack, "bob")
    assert (bob["rank_name"], bob["lifetime_earned"]) == ("Key Grip", 0)
    assert (await earn(stack, "bob", 10, "earn:small"))["success"]
    ledger = stack.hosts[0].service
    notices = "SELECT rank_name FROM rank_notices ORDER BY id"
    assert await ledger.database.fetchall(notices) == []  # the floor itself is never announced as a rank-up
    assert (await earn(stack, "bob", 20_000, "earn:big"))["success"]  # earnings still rise above the floor
    assert (await account(stack, "bob"))["rank_name"] == "Gaffer"
    assert [r["rank_name"] for r in await ledger.database.fetchall(notices)] == ["Gaffer"]
    await pm_reply(stack, "Boss", "set_rank bob Extra")
    assert (await account(stack, "bob"))["rank_name"] == "Gaffer"  # floor cleared: lifetime decides
    assert await audit_ok(stack)


async def test_help_lists_the_admin_words_only_to_admins(stack: Stack) -> None:
    await ready(stack)
    admin_help = await pm_reply(stack, "Boss", "help")
    user_help = await pm_reply(stack, "alice", "help")
    for usage in ("grant <user> <amount> [reason]", "set_rank <user> <rank>", "ban <user> [reason]",
                  "econ:user <user>"):
        assert usage in admin_help and usage not in user_help


async def test_public_admin_commands_are_forbidden_by_default(stack: Stack) -> None:
    ledger = await ready(stack, Bob=100)
    calls = [("admin.grant", {"amount": 5, "request_id": "r1"}), ("admin.deduct", {"amount": 5, "request_id": "r2"}),
             ("admin.set_balance", {"amount": 5, "request_id": "r3"}), ("admin.set_rank", {"rank_name": "Grip"}),
             ("admin.ban", {}), ("admin.unban", {}), ("balance.adjust", {"amount": 5, "request_id": "r4"}),
             ("balance.set", {"amount": 5, "request_id": "r5"}), ("rank.set", {"rank_name": "Grip"}),
             ("user.ban", {}), ("user.unban", {})]
    for command, fields in calls:
        r = await public(stack, command, username="bob", **fields)
        assert not r["success"] and r["error_code"] == "forbidden", (command, r)
    bob = await account(stack, "bob")
    assert (bob["balance"], bob["banned"], bob["rank_name"]) == (100, False, "Extra")
    assert metric(ledger, "grant") is None


async def test_public_admin_commands_work_when_allowed_and_replay_by_request_id(tmp_path: Path, bus: Any,
                                                                               clock: Any) -> None:
    stack = Stack(bus, make_config(tmp_path, api={"allow_admin_commands": True}), clock)
    try:
        await ready(stack, Bob=100)
        r = await public(stack, "admin.grant", username="bob", amount=50, request_id="g1", admin="ops")
        assert r["success"] and r["data"]["balance"] == 150 and r["data"]["admin"] == "ops"
        again = await public(stack, "admin.grant", username="bob", amount=50, request_id="g1", admin="ops")
        assert again["data"]["replayed"] and await balances(stack, "bob") == [150]
        r = await public(stack, "balance.adjust", username="bob", amount=-200, request_id="a1")
        assert not r["success"] and r["error_code"] == "insufficient_funds"
        r = await public(stack, "balance.adjust", username="bob", amount=-50, request_id="a2")
        assert r["success"] and r["data"]["action"] == "deduct" and r["data"]["balance"] == 100
        r = await public(stack, "balance.set", username="bob", amount=30, request_id="s1")
        assert r["success"] and (r["data"]["old_balance"], r["data"]["balance"]) == (100, 30)
        r = await public(stack, "rank.set", username="bob", rank_name="nope")
        assert not r["success"] and r["error_code"] == "bad_request" and "Valid: Extra" in r["error"]
        assert (await public(stack, "user.ban", username="bob", reason="x"))["success"]
        assert (await account(stack, "bob"))["banned"]
        assert (await public(stack, "admin.unban", username="bob"))["success"]
        r = await public(stack, "admin.ban", username="ghost")
        assert not r["success"] and r["error_code"] == "not_found"
        r = await stack.request(LEDGER, {"command": "ledger.admin_grant", "channel": CHANNEL, "username": "bob",
                                         "amount": 5, "request_id": "i1", "admin": "cli"})
        assert r["success"] and r["data"]["balance"] == 35
        assert await audit_ok(stack)
    finally:
        await stack.close()
