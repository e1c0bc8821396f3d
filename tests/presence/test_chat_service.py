"""Chat triggers end to end: chatmsg events → presence → ledger postings (in-process Stack)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import Stack
from tests.presence.test_chat_support import (
    account,
    audit_ok,
    balance,
    balances,
    chat_config,
    join,
    journal,
    say,
    start,
)

LONG_TEXT = "hello everyone, how is everybody doing today?"


async def test_a_chat_sequence_pays_exactly_the_expected_triggers(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path), clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob", "carol", "OtherBot", "ZCoinBot")
        clock.advance(120)  # past the greeting window of these arrivals
        await say(stack, "alice", LONG_TEXT)  # first of day 5 + breaks the silence 10 + long 1
        await say(stack, "bob", "alice++ thanks")  # bob: first of day 5; alice: kudos 3 (no mention on top)
        await say(stack, "carol", "lol")  # carol: first of day 5; bob told the last non-laugh line: +2
        await say(stack, "bob", "bob++")  # self-kudos: nothing
        await say(stack, "OtherBot", "alice++ lol hey bob")  # ignored: nothing for anyone
        await say(stack, "ZCoinBot", "alice++ carol")  # the bot: nothing, and nobody had addressed it
        await say(stack, "[server]", "alice++ lol")
        await say(stack, "carol", "alice++ haha", shadow=True)  # shadow-muted
        got = await balances(stack, "alice", "bob", "carol", "OtherBot", "ZCoinBot")
        assert got == {"alice": 19, "bob": 7, "carol": 5, "OtherBot": 0, "ZCoinBot": 0}
        assert not (await account(stack, "OtherBot"))["found"]
        assert not (await account(stack, "ZCoinBot"))["found"]
        kinds = {(e["kind"], e["trigger_id"], e["amount"]) for e in await journal(stack, "alice")}
        assert kinds == {("earn", "chat.first_message_of_day", 5), ("earn", "chat.conversation_starter", 10),
                         ("earn", "chat.long_message", 1), ("earn", "chat.kudos_received", 3)}
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_text_is_html_unescaped(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "chat.laugh_received", "chat.kudos_received"), clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob", "carol")
        await say(stack, "alice", "why did the chicken &lt;cross&gt; the road")
        await say(stack, "bob", "&#128514;")  # 😂 on the wire
        await say(stack, "carol", "&#64;bob++")  # @bob++
        assert await balances(stack, "alice", "bob") == {"alice": 2, "bob": 3}
    finally:
        await stack.close()


# --- kudos ----------------------------------------------------------------------------------------


async def test_kudos_pay_known_users_only_and_never_create_accounts(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "chat.kudos_received"), clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob", "dave")
        await stack.event("userLeave", {"name": "dave"})
        await say(stack, "alice", "Bob++ ++DAVE ghost++ I love c++ thanks,bob++")
        assert await balance(stack, "bob") == 3  # once per message
        for name in ("ghost", "c", "dave"):  # dave left before he ever had an account
            assert not (await account(stack, name))["found"], name
        await say(stack, "carol", "bob++")
        assert await balance(stack, "bob") == 6
        assert (await account(stack, "bob"))["user"] == "bob"
    finally:
        await stack.close()


async def test_kudos_reach_an_absent_account_holder(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "chat.kudos_received"), clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob")
        await say(stack, "alice", "bob++")
        await stack.event("userLeave", {"name": "bob"})
        clock.advance(3600)
        await say(stack, "alice", "++bob")
        assert await balance(stack, "bob") == 6
    finally:
        await stack.close()


async def test_kudos_pair_cap_is_claimed_atomically(tmp_path: Path, bus, clock: FakeClock) -> None:
    cfg = chat_config(tmp_path, "chat.kudos_received",
                      chat_triggers={"kudos_received": {"max_per_hour_same_pair": 2}})
    stack = Stack(bus, cfg, clock)
    try:
        presence = await start(stack)
        await join(stack, "alice", "bob", "carol")
        client = stack.clients[1]
        for _ in range(5):  # delivered back to back, kudos lookups still in flight
            await client.chat("alice", "bob++")
        await client.chat("carol", "bob++")
        await stack.settle()
        await presence.idle()
        assert await balance(stack, "bob") == 3 * 3
        clock.advance(3600)
        await say(stack, "alice", "bob++")
        assert await balance(stack, "bob") == 4 * 3
    finally:
        await stack.close()


def userstats(bus: InMemoryBus, aliases: dict[str, str]) -> None:
    async def handler(req: dict[str, Any]) -> dict[str, Any]:
        owner = aliases.get(str(req.get("alias", "")).lower())
        data = {"alias": req.get("alias"), "username": owner, "found": owner is not None}
        return {"service": "userstats", "command": "alias.find", "success": True, "data": data}

    bus.add_responder("kryten.userstats.command", handler)


async def test_self_kudos_and_self_laughs_are_alias_aware(tmp_path: Path, bus, clock: FakeClock) -> None:
    userstats(bus, {"kc": "KevinChrist"})
    stack = Stack(bus, chat_config(tmp_path, "chat.kudos_received", "chat.laugh_received"), clock)
    try:
        await start(stack)
        await join(stack, "KevinChrist", "kc", "alice")
        await say(stack, "kc", "KevinChrist++")  # kudos to yourself under another name
        await say(stack, "KevinChrist", "knock knock")
        await say(stack, "kc", "lmao")  # laughing at yourself under another name
        assert await balances(stack, "KevinChrist", "kc") == {"KevinChrist": 0, "kc": 0}
        await say(stack, "alice", "lol KevinChrist++")
        assert await balance(stack, "KevinChrist") == 2 + 3
    finally:
        await stack.close()


async def test_without_userstats_self_exclusion_falls_back_to_names(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "chat.kudos_received"), clock)
    try:
        await start(stack)
        await join(stack, "KevinChrist", "kc")
        await say(stack, "KevinChrist", "kevinchrist++")
        await say(stack, "kc", "KevinChrist++")  # cannot tell it is an alias: pays
        assert await balance(stack, "KevinChrist") == 3
    finally:
        await stack.close()


# --- laughs ----------------------------------------------------------------------------------------


async def test_laughs_pay_the_last_non_laugh_speaker_once_per_laugher(tmp_path: Path, bus, clock: FakeClock) -> None:
    cfg = chat_config(tmp_path, "chat.laugh_received", chat_triggers={"laugh_received": {"max_laughers_per_joke": 3}})
    stack = Stack(bus, cfg, clock)
    try:
        await start(stack)
        names = ["teller", "u1", "u2", "u3", "u4", "OtherBot"]
        await join(stack, *names)
        await say(stack, "u1", "lol")  # nothing to laugh at yet
        await say(stack, "teller", "a joke")
        await say(stack, "teller", "lol")  # own joke
        await say(stack, "u1", "lol")
        await say(stack, "u1", "lmao")  # same laugher again
        await say(stack, "OtherBot", "hahaha")  # ignored
        await say(stack, "u2", "😂")
        await say(stack, "u3", "hahaha")
        await say(stack, "u4", "rofl")  # the 4th laugher: over the cap of 3
        assert await balance(stack, "teller") == 3 * 2
        await say(stack, "u1", "another one")
        clock.advance(301)
        await say(stack, "u2", "lol")  # too late for that joke
        assert await balance(stack, "u1") == 0
        assert await balance(stack, "u2") == 0
    finally:
        await stack.close()


# --- mentions and greetings ---------------------------------------------------------------------


async def test_mentions_match_whole_present_names_with_a_pair_cap(tmp_path: Path, bus, clock: FakeClock) -> None:
    cfg = chat_config(tmp_path, "social.mentioned_by_other",
                      social_triggers={"mentioned_by_other": {"max_per_hour_same_user": 2}})
    stack = Stack(bus, cfg, clock)
    try:
        await start(stack)
        await join(stack, "alice", "al", "bob", "carol", "OtherBot")
        await say(stack, "bob", "alice, carol and OtherBot: have you seen https://x.io/al?")
        await say(stack, "alice", "hey alice, me again")  # yourself
        await say(stack, "bob", "ALICE!")
        await say(stack, "bob", "@alice")  # third time this hour from bob: capped
        await say(stack, "bob", "dave?")  # not here, not known
        assert await balances(stack, "alice", "al", "carol", "OtherBot") == {"alice": 2, "al": 0, "carol": 1,
                                                                               "OtherBot": 0}
        assert not (await account(stack, "dave"))["found"]
        await say(stack, "carol", "alice")  # another sender has its own allowance
        clock.advance(3600)
        await say(stack, "bob", "alice")
        assert await balance(stack, "alice") == 4
    finally:
        await stack.close()


async def test_first_greeter_of_a_genuine_arrival_earns(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "social.greeted_newcomer"), clock)
    try:
        await start(stack)
        await join(stack, "alice", "carol")
        clock.advance(600)
        await join(stack, "Bob")
        clock.advance(30)
        await say(stack, "bob", "hi bob, it's me")  # greeting yourself
        await say(stack, "alice", "welcome bob!")
        await say(stack, "carol", "hey Bob")  # second greeter
        assert await balances(stack, "alice", "carol", "bob") == {"alice": 3, "carol": 0, "bob": 0}
        await join(stack, "dave")
        clock.advance(61)
        await say(stack, "carol", "hi dave")  # too late
        await stack.event("userLeave", {"name": "dave"})
        clock.advance(60)
        await join(stack, "dave")  # back within the join debounce: a bounce, not an arrival
        await say(stack, "carol", "hi dave")
        await join(stack, "OtherBot")
        await say(stack, "carol", "hi OtherBot")
        assert await balance(stack, "carol") == 0
    finally:
        await stack.close()


# --- the bot ----------------------------------------------------------------------------------------


async def test_bot_reply_pays_who_it_answered_once_per_line(tmp_path: Path, bus, clock: FakeClock) -> None:
    cfg = chat_config(tmp_path, "social.bot_interaction", social_triggers={"bot_interaction": {"max_per_day": 2}})
    stack = Stack(bus, cfg, clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob")
        await say(stack, "bob", "nice weather")
        await say(stack, "ZCoinBot", "☔ Rain drop!")  # an announcement after an unaddressed line: nobody
        await say(stack, "alice", "ZCoinBot what's up?")
        await say(stack, "ZCoinBot", "Not much, alice.")
        await say(stack, "ZCoinBot", "And you?")  # second line of the same reply
        assert await balances(stack, "alice", "bob", "ZCoinBot") == {"alice": 2, "bob": 0, "ZCoinBot": 0}
        for _ in range(2):
            await say(stack, "alice", "@zcoinbot again")
            await say(stack, "ZCoinBot", "sure")
        assert await balance(stack, "alice") == 4  # daily cap of 2
        await say(stack, "alice", "zcoinbot?")
        clock.advance(121)
        await say(stack, "ZCoinBot", "sorry, late")  # outside the reply window
        clock.advance(86400)
        await say(stack, "alice", "zcoinbot?")
        await say(stack, "ZCoinBot", "yes")
        assert await balance(stack, "alice") == 6
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_disabled_triggers_pay_nothing(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "chat.long_message",
                                   chat_triggers={"long_message": {"enabled": False}}), clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob")
        await say(stack, "alice", LONG_TEXT + " bob++ lol")
        await say(stack, "ZCoinBot", "hi alice")
        assert await balances(stack, "alice", "bob") == {"alice": 0, "bob": 0}
    finally:
        await stack.close()


async def test_ignored_users_neither_tell_jokes_nor_fill_silences(tmp_path: Path, bus, clock: FakeClock) -> None:
    cfg = chat_config(tmp_path, "chat.laugh_received", "chat.conversation_starter",
                      chat_triggers={"conversation_starter": {"min_silence_minutes": 5}})
    stack = Stack(bus, cfg, clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob", "OtherBot")
        await say(stack, "alice", "a joke")  # breaks the very first silence: 10
        clock.advance(150)
        await say(stack, "OtherBot", "an ignored joke")  # does not count as chat
        clock.advance(150)
        await say(stack, "bob", "lol")  # five minutes after alice: breaks the silence, and laughs at alice
        await say(stack, "ZCoinBot", "another bot line")
        await say(stack, "alice", "haha")  # bob's "lol" is a laugh, so the joke is still alice's own
        assert await balances(stack, "alice", "bob", "OtherBot") == {"alice": 12, "bob": 10, "OtherBot": 0}
    finally:
        await stack.close()


async def test_empty_messages_earn_nothing(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path), clock)
    try:
        await start(stack)
        await join(stack, "alice")
        await say(stack, "alice", "   ")
        await say(stack, "alice", "")
        assert await balance(stack, "alice") == 0
    finally:
        await stack.close()


async def test_a_full_credit_backlog_drops_new_rewards(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "chat.first_message_of_day"), clock)
    try:
        presence = await start(stack)
        presence.chat.payer.max_pending = 1
        client = stack.clients[1]
        await client.chat("alice", "hi")
        await client.chat("bob", "hi")  # alice's credit has not even started: bob's is dropped
        await stack.settle()
        assert await balances(stack, "alice", "bob") == {"alice": 5, "bob": 0}
        assert presence.chat.payer.pending == 0
    finally:
        await stack.close()
