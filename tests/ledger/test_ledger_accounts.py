"""One account view behind PM ``balance``, ``ledger.balance`` and the public ``balance.get``.

The public reply shape is a compatibility contract (DECISIONS 24): its exact keys are asserted.
The streak line comes from presence and is left out, never an error, when presence cannot tell.
"""

from __future__ import annotations

from typing import Any

from economy_announcer.service import AnnouncerService
from economy_ledger.service import LedgerService
from economy_shared.envelope import ErrorCode, fail, ok
from economy_shared.subjects import PUBLIC_COMMAND, service_subject
from tests.helpers import CHANNEL, Stack

LEDGER = service_subject("ledger")


async def start(stack: Stack) -> LedgerService:
    ledger = await stack.add(LedgerService)
    await stack.add(AnnouncerService)  # PM replies go out through the announcer's outbox
    return ledger


async def earn(stack: Stack, user: str, amount: int) -> None:
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": f"e:{user}",
                                     "postings": [{"user": user, "amount": amount, "kind": "earn"}]})
    assert r["success"], r


async def internal(stack: Stack, user: str) -> dict[str, Any]:
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
    assert r["success"], r
    return r["data"]


async def public(stack: Stack, user: str) -> dict[str, Any]:
    r = await stack.request(PUBLIC_COMMAND, {"command": "balance.get", "channel": CHANNEL, "username": user})
    assert r["success"], r
    return r["data"]


async def pm_balance(stack: Stack, user: str) -> str:
    await stack.pm(user, "balance")
    return stack.bus.pms_to(user)[-1]


async def test_the_three_views_of_an_account_agree(stack: Stack) -> None:
    await start(stack)
    await earn(stack, "Alice", 5_000)
    view = await internal(stack, "ALICE")
    rank = stack.config.ranks.rank_for(5_000).name
    assert rank != stack.config.ranks.tiers[0].name  # the rank really comes from lifetime earnings
    assert (view["found"], view["user"], view["balance"], view["lifetime_earned"], view["rank_name"]) == (
        True, "Alice", 5_000, 5_000, rank)
    assert await public(stack, "alice") == {
        "found": True, "username": "Alice", "channel": CHANNEL, "balance": 5_000, "lifetime_earned": 5_000,
        "rank_name": rank,
    }
    symbol, plural = stack.config.currency.symbol, stack.config.currency.plural
    assert await pm_balance(stack, "alice") == f"💰 Balance: 5,000 {symbol} ({plural})\n⭐ Rank: {rank}"


async def test_an_unknown_user_is_not_found_at_the_first_rank(stack: Stack) -> None:
    await start(stack)
    first = stack.config.ranks.tiers[0].name
    view = await internal(stack, "nobody")
    assert (view["found"], view["user"], view["balance"], view["rank_name"]) == (False, "nobody", 0, first)
    # the public shape keeps the original's empty rank for an unknown user
    assert await public(stack, "Nobody") == {
        "found": False, "username": "Nobody", "channel": CHANNEL, "balance": 0, "lifetime_earned": 0,
        "rank_name": "",
    }
    assert (await pm_balance(stack, "nobody")).endswith(f"⭐ Rank: {first}")
    assert await internal(stack, "nobody") == view  # reading never creates an account


async def test_a_banned_account_says_so_and_keeps_its_balance(stack: Stack) -> None:
    ledger = await start(stack)
    await earn(stack, "bob", 300)
    await ledger.store.set_banned(CHANNEL, "bob", True, "testing", 1)
    view = await internal(stack, "bob")
    assert view["banned"] is True and view["balance"] == 300
    assert (await public(stack, "bob"))["balance"] == 300
    reply = await pm_balance(stack, "bob")
    assert "300" in reply and reply.endswith("⛔ Your account is frozen by the channel admins.")


async def test_the_streak_comes_from_presence_and_is_left_out_when_it_cannot_tell(stack: Stack) -> None:
    await start(stack)
    await earn(stack, "carol", 10)
    answers: list[dict[str, Any]] = []

    async def presence(req: dict[str, Any]) -> dict[str, Any]:
        assert (req["command"], req["channel"], req["user"]) == ("presence.user_status", CHANNEL, "carol")
        return answers.pop(0)

    stack.bus.add_responder(service_subject("presence"), presence)
    answers.append(ok("presence", "presence.user_status", {"present": True, "streak_days": 3}))
    assert (await pm_balance(stack, "carol")).endswith("🔥 Streak: 3 days")
    answers.append(ok("presence", "presence.user_status", {"present": True, "streak_days": 1}))
    assert (await pm_balance(stack, "carol")).endswith("🔥 Streak: 1 day")
    for refusal in (fail("presence", "presence.user_status", ErrorCode.INTERNAL, "boom"),
                    ok("presence", "presence.user_status", {"streak_days": "many"})):  # unreadable
        answers.append(refusal)
        reply = await pm_balance(stack, "carol")
        assert reply.startswith("💰 Balance: 10 ") and "Streak" not in reply
    assert answers == []
    stack.bus.remove_responders([presence])  # presence down (no responders): same reply, no streak
    reply = await pm_balance(stack, "carol")
    assert reply.startswith("💰 Balance: 10 ") and "Streak" not in reply
