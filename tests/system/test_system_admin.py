"""Admin words end to end: ledger, announcer, presence and gambling as real processes on a real nats-server.

grant / deduct / set_balance move exactly; a banned user neither earns (presence tick), gambles (``spin``)
nor tips — each answered with one clear line — and keeps the balance; unban restores earning; the public
``admin.grant`` is refused by default; the ledger audit stays clean.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.system.harness import CHANNEL, FakeRobot, SystemStack

SERVICES = ["ledger", "announcer", "presence", "gambling"]
START = "2026-01-05T18:00:00+00:00"
SPEED = 600  # one presence minute every 0.1 s of real time


async def fund(robot: FakeRobot, user: str, amount: int) -> None:
    reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": f"fund:{user}",
                                           "postings": [{"user": user, "amount": amount, "kind": "admin"}]})
    assert reply["success"], reply


async def rows(robot: FakeRobot, user: str, trigger: str | None = None) -> list[dict[str, Any]]:
    payload: dict[str, Any] = {"command": "ledger.journal", "user": user, "limit": 500}
    if trigger:
        payload["trigger_id"] = trigger
    reply = await robot.request("ledger", payload)
    assert reply["success"], reply
    return list(reply["data"]["entries"])


async def earned_rows(robot: FakeRobot, user: str) -> int:
    return len(await rows(robot, user, "presence.base"))


async def wait_for_more_earnings(robot: FakeRobot, user: str, than: int) -> int:
    async def more() -> int | None:
        n = await earned_rows(robot, user)
        return n if n > than else None

    for _ in range(100):
        n = await more()
        if n is not None:
            return n
        await asyncio.sleep(0.1)
    raise AssertionError(f"{user} earned nothing new (still {than} rows)")


async def test_admin_words_and_the_economy_ban(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, SERVICES, clock=f"{START}@{SPEED}", admin={"usernames": ["Boss"]},
        tipping={"min_account_age_minutes": 0}, gambling={"min_account_age_minutes": 0},
        presence={"tick_interval_seconds": 60}, rain={"enabled": False}, onboarding={"welcome_wallet": 0},
    ).start()
    robot = stack.robot
    assert robot is not None
    try:
        await fund(robot, "Carol", 100)
        await fund(robot, "Bob", 1_000)

        # money words move exactly (Carol is not present, so nothing else touches her balance)
        await robot.pm("Boss", "grant @carol 250 good work")
        await robot.wait_for_pm("Boss", "✅ Granted 250 Z to Carol. Balance now 350 Z.")
        await robot.wait_for_pm("carol", "🎁 An admin gave you 250 Z. Reason: good work")
        await robot.pm("Boss", "deduct @carol 400")
        await robot.wait_for_pm("Boss", "❌ Carol has only 350 Z; cannot deduct 400 Z.")
        await robot.pm("Boss", "deduct @carol 50")
        await robot.wait_for_pm("Boss", "✅ Deducted 50 Z from Carol. Balance now 300 Z.")
        await robot.pm("Boss", "set_balance @carol 1234")
        await robot.wait_for_pm("Boss", "✅ Carol's balance set to 1,234 Z (was 300 Z).")
        assert await robot.balance("carol") == 1_234
        carol = [(r["amount"], r["trigger_id"]) for r in reversed(await rows(robot, "carol"))]
        assert carol == [(100, None), (250, "admin.grant"), (-50, "admin.deduct"), (934, "admin.set_balance")]
        await robot.pm("Boss", "grant @ghost 5")
        await robot.wait_for_pm("Boss", "❓ No account for 'ghost'")
        assert (await robot.request("ledger", {"command": "ledger.balance", "user": "ghost"}))["data"]["found"] is False
        await robot.pm("carol", "grant @carol 5")
        await robot.wait_for_pm("carol", "🚫 That one's for channel admins.")

        # Bob is present and earns; banned, he neither earns, gambles nor tips, and keeps his balance
        await robot.join("bob")
        await robot.put_userlist([{"name": "bob", "rank": 1, "meta": {"afk": False}}])
        n = await wait_for_more_earnings(robot, "bob", 0)
        await robot.pm("Boss", "ban @bob farming")
        await robot.wait_for_pm("Boss", "⛔ Bob is banned from the economy (balance kept). Reason: farming")
        await robot.wait_for_pm("bob", "⛔ Your account is frozen by the channel admins. Reason: farming")
        held = await robot.balance("bob")
        n = await earned_rows(robot, "bob")
        await robot.pm("bob", "spin 10")
        await robot.wait_for_pm("bob", "⛔ Your economy access is restricted.")
        await robot.pm("bob", "tip @carol 10")
        await robot.wait_for_pm("bob", "⛔ Your account is frozen by the channel admins.")
        await asyncio.sleep(1.5)  # 15 presence minutes of scaled time
        assert await earned_rows(robot, "bob") == n
        assert await robot.balance("bob") == held and await robot.balance("carol") == 1_234

        await robot.pm("Boss", "unban bob")
        await robot.wait_for_pm("Boss", "✅ Bob is unbanned.")
        await robot.wait_for_pm("bob", "✅ Your economy access is restored.")
        await wait_for_more_earnings(robot, "bob", n)
        await robot.pm("bob", "tip @carol 10")
        await robot.wait_for_pm("bob", "💸 You tipped Carol 10 Z.")

        # the public admin words are off by default
        r = await robot.client.nats_request("kryten.economy.command", {
            "command": "admin.grant", "channel": CHANNEL, "username": "carol", "amount": 5, "request_id": "x1"},
            timeout=10)
        assert not r["success"] and r["error_code"] == "forbidden", r
        assert await robot.balance("carol") == 1_244
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
