"""``tip @user <amount>`` through PM, ``ledger.tip`` and the public ``spend.tip``, in process.

A tip is one ledger transfer (both postings, one commit); both people are told; every refusal says
why in one line and moves nothing; the daily cap and the insufficient-funds guard hold under
concurrency; the ledger audit stays clean.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from economy_ledger.service import LedgerService
from tests.helpers import CHANNEL, Stack
from tests.ledger.tip_kit import (
    account,
    audit_ok,
    balances,
    fund,
    journal_rows,
    now_ms,
    pm_reply,
    presence,
    public_tip,
    start,
    tip_request,
    userstats,
)

OLD_ENOUGH_MINUTES = 31  # tipping.min_account_age_minutes defaults to 30


def metric(ledger: LedgerService, name: str, **labels: str) -> float | None:
    return ledger.metrics.registry.get_sample_value(name, {"channel": "testchan", **labels})


async def ready(stack: Stack, **funds: int) -> LedgerService:
    ledger = await start(stack)
    await fund(stack, **funds)
    stack.clock.advance(minutes=OLD_ENOUGH_MINUTES)
    return ledger


async def test_a_tip_moves_exactly_the_amount_and_both_are_told(stack: Stack) -> None:
    ledger = await ready(stack, Alice=1_000, Bob=10)
    reply = await pm_reply(stack, "alice", "tip @bob 300")
    assert reply == "💸 You tipped Bob 300 Z.\nYour balance: 700 Z · 4,700 Z left to tip today."
    assert stack.bus.pms_to("bob") == ["🎁 Alice tipped you 300 Z! Your balance: 310 Z."]
    assert await balances(stack, "alice", "bob") == [700, 310]
    rows = await ledger.database.fetchall(
        "SELECT a.user_key, j.amount, j.kind, j.trigger_id, j.related_user, j.request_id FROM journal j "
        "JOIN accounts a ON a.id = j.account_id WHERE j.kind = 'transfer' ORDER BY j.id")
    assert [(r["user_key"], r["amount"], r["kind"], r["trigger_id"], r["related_user"]) for r in rows] == [
        ("alice", -300, "transfer", "tip", "Bob"), ("bob", 300, "transfer", "tip", "Alice")]
    assert rows[0]["request_id"] == rows[1]["request_id"]  # one ledger request, one commit
    alice, bob = await account(stack, "alice"), await account(stack, "bob")
    assert (alice["tips_sent"], bob["tips_received"]) == (300, 300)
    assert alice["lifetime_earned"] == bob["lifetime_earned"] == 0  # a tip is never an earning (DECISIONS 5)
    assert metric(ledger, "economy_tips_total") == 1
    assert metric(ledger, "economy_tips_z_total") == 300
    assert await audit_ok(stack)


async def test_every_refusal_says_why_and_moves_nothing(stack: Stack) -> None:
    stack.config = stack.config.model_copy(update={
        "tipping": stack.config.tipping.model_copy(update={"min_amount": 5, "max_per_day": 5000}),
        "commands": stack.config.commands.model_copy(update={"rate_limit_per_minute": 600}),
    })
    ledger = await start(stack)
    await fund(stack, Alice=1_000, Bob=10, Frozen=500, Cold=10)
    stack.clock.advance(minutes=OLD_ENOUGH_MINUTES)
    await fund(stack, Newbie=500)  # opened just now: too young to tip
    await ledger.store.set_banned(CHANNEL, "frozen", True, "test", now_ms(stack))
    await ledger.store.set_banned(CHANNEL, "cold", True, "test", now_ms(stack))
    presence(stack.bus, set())
    rows = await journal_rows(ledger)
    cases = [
        ("alice", "tip", "Usage: tip @user <amount>"),
        ("alice", "tip @bob", "Usage: tip @user <amount>"),
        ("alice", "tip @bob 1.5", "isn't a whole number"),
        ("alice", "tip @bob １０", "isn't a whole number"),
        ("alice", "tip @bob 0", "more than zero"),
        ("alice", "tip @bob 4", "The smallest tip is 5 Z."),
        ("alice", "tip @alice 50", "You can't tip yourself."),
        ("alice", "tip @ALICE 50", "You can't tip yourself."),
        ("alice", "tip @nobody 50", "I don't know anyone called nobody here."),
        ("alice", "tip @OtherBot 50", "OtherBot doesn't take part in the economy."),
        ("alice", "tip @ZCoinBot 50", "ZCoinBot doesn't take part in the economy."),
        ("alice", "tip @~escrow 50", "doesn't take part in the economy."),
        ("alice", "tip @bob 5000", "💸 That tip needs 5,000 Z; you have 1,000 Z."),
        ("alice", "tip @frozen 50", "⛔ Frozen can't receive tips right now."),
        ("frozen", "tip @bob 50", "⛔ Your account is frozen by the channel admins."),
        ("newbie", "tip @bob 50", "⏳ Your wallet is too new to tip. Try again in 30 minutes."),
        ("stranger", "tip @bob 50", "Your wallet is empty."),
    ]
    for sender, text, expected in cases:
        reply = await pm_reply(stack, sender, text)
        assert expected in reply, (text, reply)
        assert "\n" not in reply or reply.startswith("Usage"), reply  # one line each
    assert await balances(stack, "alice", "bob", "frozen", "newbie") == [1_000, 10, 500, 500]
    assert await journal_rows(ledger) == rows
    assert (await account(stack, "stranger"))["found"] is False  # never an account for a token
    assert (await account(stack, "nobody"))["found"] is False
    assert stack.bus.pms_to("bob") == [] and stack.bus.pms_to("frozen")[-1].startswith("⛔ Your")
    assert metric(ledger, "economy_tip_refusals_total", reason="self") == 2
    assert metric(ledger, "economy_tip_refusals_total", reason="banned_target") == 1
    assert metric(ledger, "economy_tip_refusals_total", reason="no_funds") == 1
    assert metric(ledger, "economy_tips_total") is None  # nothing applied
    assert await audit_ok(stack)


async def test_tipping_switched_off(stack: Stack) -> None:
    stack.config = stack.config.model_copy(update={
        "tipping": stack.config.tipping.model_copy(update={"enabled": False})})
    await ready(stack, Alice=100, Bob=1)
    assert await pm_reply(stack, "alice", "tip") == "💤 Tipping is switched off in this channel."
    assert await pm_reply(stack, "alice", "tip @bob 5") == "💤 Tipping is switched off in this channel."
    assert await balances(stack, "alice", "bob") == [100, 1]


async def test_the_daily_cap_says_what_is_left_and_resets_at_midnight_utc(stack: Stack) -> None:
    stack.config = stack.config.model_copy(update={
        "tipping": stack.config.tipping.model_copy(update={"max_per_day": 500})})
    await ready(stack, Alice=10_000, Bob=1)
    assert "100 Z left to tip today" in await pm_reply(stack, "alice", "tip bob 400")
    reply = await pm_reply(stack, "alice", "tip bob 101")
    assert reply == "📅 Daily tip limit is 500 Z; you can still tip 100 Z today."
    assert "0 Z left to tip today" in await pm_reply(stack, "alice", "tip bob 100")
    assert "It resets at midnight UTC" in await pm_reply(stack, "alice", "tip bob 1")
    assert await balances(stack, "alice", "bob") == [9_500, 501]
    stack.clock.advance(hours=12)  # 12:31 Monday → 00:31 Tuesday (UTC)
    assert "You tipped Bob 500 Z" in await pm_reply(stack, "alice", "tip bob 500")
    assert await balances(stack, "alice", "bob") == [9_000, 1_001]


async def test_self_tip_is_alias_aware_while_userstats_answers(stack: Stack) -> None:
    calls: list[dict[str, Any]] = []
    userstats(stack.bus, {"kc": "KevinChrist"}, calls)
    await ready(stack, KevinChrist=1_000, kc=5, alice=5)
    assert await pm_reply(stack, "KevinChrist", "tip @kc 50") == "🙃 You can't tip yourself."
    assert await pm_reply(stack, "kc", "tip KEVINCHRIST 1") == "🙃 You can't tip yourself."
    assert {"service": "userstats", "command": "alias.find", "alias": "kc"} in calls
    assert "You tipped alice 50 Z" in await pm_reply(stack, "KevinChrist", "tip @alice 50")
    assert await balances(stack, "kevinchrist", "kc", "alice") == [950, 5, 55]


async def test_self_tip_falls_back_to_names_when_userstats_is_down(stack: Stack) -> None:
    await ready(stack, KevinChrist=1_000, kc=5)  # nobody answers kryten.userstats.command
    assert await pm_reply(stack, "KevinChrist", "tip @kevinCHRIST 50") == "🙃 You can't tip yourself."
    # without userstats an alias cannot be told apart: the tip goes through, and nothing hangs
    assert "You tipped kc 50 Z" in await asyncio.wait_for(pm_reply(stack, "KevinChrist", "tip @kc 50"), 5)
    assert await balances(stack, "kevinchrist", "kc") == [950, 55]
    assert await audit_ok(stack)


async def test_a_present_user_without_an_account_can_be_tipped(stack: Stack) -> None:
    await ready(stack, Alice=1_000)
    presence(stack.bus, {"newcomer"})
    assert "You tipped Newcomer 40 Z" in await pm_reply(stack, "alice", "tip @Newcomer 40")
    assert stack.bus.pms_to("newcomer") == ["🎁 Alice tipped you 40 Z! Your balance: 40 Z."]
    view = await account(stack, "newcomer")
    assert (view["found"], view["balance"], view["tips_received"]) == (True, 40, 40)
    assert "I don't know anyone called ghost" in await pm_reply(stack, "alice", "tip @ghost 40")


async def test_a_stranger_is_unknown_while_presence_is_down(stack: Stack) -> None:
    await ready(stack, Alice=1_000, Bob=1)
    assert "I don't know anyone called newcomer" in await pm_reply(stack, "alice", "tip newcomer 40")
    assert "You tipped Bob 40 Z" in await pm_reply(stack, "alice", "tip bob 40")  # an account holder needs no presence


async def test_a_request_tip_replays_by_reference_and_never_charges_twice(stack: Stack) -> None:
    await ready(stack, Alice=1_000, Bob=1)
    first = await public_tip(stack, "alice", "bob", 250, "web-1")
    again = await public_tip(stack, "ALICE", "Bob", 250, "web-1")
    assert first["success"] and again["success"], (first, again)
    assert (first["data"]["replayed"], again["data"]["replayed"]) == (False, True)
    assert first["data"]["balance"] == again["data"]["balance"] == 750
    assert await balances(stack, "alice", "bob") == [750, 251]
    assert len(stack.bus.pms_to("bob")) == 1  # told once
    reused = await public_tip(stack, "alice", "bob", 999, "web-1")
    assert (reused["success"], reused["error_code"]) == (False, "idempotency_conflict")
    poor = await public_tip(stack, "alice", "bob", 2_000, "web-2")
    assert (poor["success"], poor["error_code"]) == (False, "insufficient_funds")
    selfish = await public_tip(stack, "alice", "alice", 5, "web-3")
    assert (selfish["success"], selfish["error_code"]) == (False, "forbidden")
    missing = await stack.request("kryten.economy.command", {"command": "spend.tip", "channel": CHANNEL,
                                                            "username": "alice", "target": "bob", "amount": 5})
    assert (missing["success"], missing["error_code"]) == (False, "bad_request")  # request_id is required
    internal = await tip_request(stack, "alice", "bob", 50, "job-7")
    assert internal["success"] and internal["data"]["target_balance"] == 301, internal
    assert (await tip_request(stack, "alice", "bob", 50, "job-7"))["data"]["replayed"] is True
    assert await balances(stack, "alice", "bob") == [700, 301]
    assert await audit_ok(stack)


async def test_twenty_concurrent_tips_with_funds_for_five_apply_exactly_five(stack: Stack) -> None:
    await ready(stack, Alice=500, Bob=1, Carol=1)
    replies = await asyncio.gather(*(tip_request(stack, "alice", "bob" if i % 2 else "carol", 100, f"c{i}")
                                     for i in range(20)))
    applied = [r for r in replies if r["success"]]
    assert len(applied) == 5
    assert {r["error_code"] for r in replies if not r["success"]} == {"insufficient_funds"}
    alice, bob, carol = await balances(stack, "alice", "bob", "carol")
    assert alice == 0 and bob + carol == 502
    assert await audit_ok(stack)


async def test_concurrent_tips_cannot_pass_the_daily_cap_together(stack: Stack) -> None:
    stack.config = stack.config.model_copy(update={
        "tipping": stack.config.tipping.model_copy(update={"max_per_day": 300})})
    await ready(stack, Alice=10_000, Bob=1)
    replies = await asyncio.gather(*(tip_request(stack, "alice", "bob", 100, f"cap{i}") for i in range(20)))
    assert sum(r["success"] for r in replies) == 3
    assert {r["error_code"] for r in replies if not r["success"]} == {"limit_reached"}
    assert await balances(stack, "alice", "bob") == [9_700, 301]


async def test_two_users_tipping_each_other_at_once_conserve_money(stack: Stack) -> None:
    await ready(stack, Alice=1_000, Bob=1_000)
    rng = random.Random(7)
    for round_ in range(40):
        a, b = rng.randint(1, 120), rng.randint(1, 120)
        await asyncio.wait_for(asyncio.gather(
            tip_request(stack, "alice", "bob", a, f"ab{round_}"),
            tip_request(stack, "bob", "alice", b, f"ba{round_}"),
        ), timeout=5)  # no deadlock
    alice, bob = await balances(stack, "alice", "bob")
    assert alice + bob == 2_000 and alice >= 0 and bob >= 0
    assert await audit_ok(stack)
