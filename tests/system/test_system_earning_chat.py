"""Issue 3, chat: a chat sequence through real processes pays exactly the expected triggers —
nothing for the bot, an ignored user, self-kudos or a partial name."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.system.harness import BOT, SystemStack


async def test_chat_sequence_pays_exactly_the_expected_triggers(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, ["ledger", "announcer", "presence"],
        presence={"base_rate_per_minute": 0, "tick_interval_seconds": 3600},
        onboarding={"welcome_wallet": 0}, rain={"enabled": False},
        chat_triggers={"conversation_starter": {"enabled": False}},
    ).start()
    robot = stack.robot
    assert robot is not None
    try:
        for user in ("alice", "bob", "carol", "OtherBot"):
            await robot.join(user)
        await asyncio.sleep(0.3)
        await robot.chat("alice", "hello everyone, this is a fairly long message for the trigger")
        await robot.chat("bob", "alice++")  # kudos for alice; bob greeted a newcomer (first greeter)
        await robot.chat("alice", "alice++")  # self-kudos
        await robot.chat("OtherBot", "this is a long message from an ignored bot, it earns nothing")
        await robot.chat(BOT, "carol++ this is a long message from the bot itself, it earns nothing")
        await robot.chat("bob", "OtherBot++")  # an ignored target
        await robot.chat("carol", "al++")  # not a whole known name
        await robot.chat("carol", "&lt;3")  # HTML-escaped on the wire, short: first message only

        expected = {"alice": 5 + 1 + 3, "bob": 5 + 3, "carol": 5}
        deadline = time.monotonic() + 15
        while True:
            got = {u: await robot.balance(u) for u in expected}
            if got == expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # nothing more arrives late
        got = {u: await robot.balance(u) for u in expected}
        assert got == expected, got
        triggers = await robot.request("ledger", {"command": "ledger.journal", "user": "alice"})
        assert sorted(e["trigger_id"] for e in triggers["data"]["entries"]) == [
            "chat.first_message_of_day", "chat.kudos_received", "chat.long_message",
        ]
        for nobody in ("OtherBot", BOT, "al"):
            reply = await robot.request("ledger", {"command": "ledger.balance", "user": nobody})
            assert reply["data"]["found"] is False, nobody

        await robot.pm("alice", "rewards")
        await robot.wait_for(lambda: robot.pms_to("alice"), 10, "rewards reply")
        assert (await robot.audit())["ok"]
    finally:
        await stack.stop()
