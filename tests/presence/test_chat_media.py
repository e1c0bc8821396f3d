"""Content triggers end to end: first comment, comments during media, ``like``, survived full media."""

from __future__ import annotations

from pathlib import Path

import pytest

from economy_shared.clock import FakeClock
from economy_shared.testing import MockKrytenClient
from tests.helpers import CHANNEL, Stack
from tests.presence.test_chat_support import (
    audit_ok,
    balance,
    balances,
    change_media,
    chat_config,
    join,
    say,
    start,
)


async def test_first_comment_after_a_media_change(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "content.first_after_media_change"), clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob", "OtherBot")
        await say(stack, "alice", "no media yet")
        await change_media(stack, "v1")
        await say(stack, "OtherBot", "first!")  # ignored users cannot claim it
        clock.advance(30)
        await say(stack, "bob", "first!")
        await say(stack, "alice", "second")
        await change_media(stack, "v2")
        clock.advance(31)
        await say(stack, "alice", "too late")
        assert await balances(stack, "alice", "bob") == {"alice": 0, "bob": 3}
    finally:
        await stack.close()


async def test_comments_during_media_accumulate_halves_up_to_a_scaled_cap(
    tmp_path: Path, bus, clock: FakeClock
) -> None:
    cfg = chat_config(tmp_path, "content.comment_during_media",
                      content_triggers={"comment_during_media": {"max_per_item_base": 2}})
    stack = Stack(bus, cfg, clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob")
        await say(stack, "alice", "no media")
        await change_media(stack, "short", seconds=20 * 60)  # cap 2 comments
        await say(stack, "alice", "one")
        assert await balance(stack, "alice") == 0  # half a Z held
        for text in ("two", "three", "four"):
            await say(stack, "alice", text)
        assert await balance(stack, "alice") == 1  # 2 paying comments × 0.5
        await change_media(stack, "long", seconds=60 * 60)  # cap 2 × 60/30 = 4
        for i in range(6):
            await say(stack, "bob", f"comment {i}")
        assert await balance(stack, "bob") == 2
        clock.advance(61 * 60 + 61)  # the item should have ended: nothing is "playing" any more
        await say(stack, "bob", "anyone?")
        await say(stack, "bob", "hello?")
        assert await balance(stack, "bob") == 2
    finally:
        await stack.close()


async def test_like_pays_once_per_play(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "content.like_current"), clock)
    try:
        await start(stack)
        await join(stack, "alice")
        await stack.pm("alice", "like")
        await change_media(stack, "v1", title="Big Buck Bunny")
        await stack.pm("alice", "like")
        await stack.pm("alice", "like")
        await stack.pm("ghost", "like")  # not in the channel
        await change_media(stack, "v2", title="Sintel")
        await stack.pm("alice", "like")
        assert bus.pms_to("alice") == [
            "Nothing playing right now.",
            '👍 Liked "Big Buck Bunny"! +2 Z',
            "You've already liked this one!",
            '👍 Liked "Sintel"! +2 Z',
        ]
        assert bus.pms_to("ghost") == ["Join the channel to like what's playing."]
        assert await balance(stack, "alice") == 4
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_like_disabled(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "chat.long_message"), clock)
    try:
        await start(stack)
        await join(stack, "alice")
        await change_media(stack)
        await stack.pm("alice", "like")
        assert bus.pms_to("alice") == ["Likes are currently disabled."]
    finally:
        await stack.close()


async def test_a_reannounced_media_change_keeps_the_play(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "content.like_current", "content.first_after_media_change"), clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob")
        await change_media(stack, "v1")
        await say(stack, "alice", "first")
        await stack.pm("alice", "like")
        clock.advance(10)
        await change_media(stack, "v1", currentTime=10)  # the robot reconnected
        await say(stack, "bob", "first?")
        await stack.pm("alice", "like")
        assert await balances(stack, "alice", "bob") == {"alice": 5, "bob": 0}
    finally:
        await stack.close()


async def test_survived_full_media(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path, "content.survived_full_media"), clock)
    try:
        await start(stack)
        await join(stack, "stayer", "leaver", "rejoiner", "bouncer", "OtherBot")
        clock.advance(600)
        await change_media(stack, "v1", seconds=1000, title="Cats")
        await join(stack, "latecomer")
        await stack.event("userLeave", {"name": "leaver"})
        await stack.event("userLeave", {"name": "rejoiner"})
        await stack.event("userLeave", {"name": "bouncer"})
        clock.advance(60)
        await join(stack, "bouncer")  # back within the join debounce: still the same visit
        clock.advance(400)
        await join(stack, "rejoiner")  # a genuine new arrival mid-item: did not watch it all
        clock.advance(340)  # 800 s of 1000 played: exactly 80 %
        await change_media(stack, "v2", seconds=1000)
        got = await balances(stack, "stayer", "leaver", "rejoiner", "bouncer", "latecomer", "OtherBot")
        assert got == {"stayer": 5, "leaver": 0, "rejoiner": 0, "bouncer": 5, "latecomer": 0, "OtherBot": 0}
        clock.advance(500)  # skipped at 50 %: nobody survives
        await change_media(stack, "v3", seconds=0)
        clock.advance(5000)  # unknown length: no survivors
        await change_media(stack, "v4", seconds=600)
        assert await balance(stack, "stayer") == 5
    finally:
        await stack.close()


async def test_current_media_is_recovered_from_the_robot_after_a_restart(tmp_path: Path, bus, clock: FakeClock) -> None:
    cfg = chat_config(tmp_path, "content.like_current", "content.comment_during_media")
    stack = Stack(bus, cfg, clock)
    await start(stack)
    await join(stack, "alice", "bob")
    await change_media(stack, "v1", seconds=600, title="Cats")
    await stack.pm("alice", "like")
    await say(stack, "alice", "one")
    await stack.close()
    bus.kv[(f"kryten_{CHANNEL}_playlist", "current")] = {
        "id": "v1", "type": "yt", "title": "Cats", "seconds": 600, "currentTime": 120.0, "uid": 5,
    }
    bus.kv[(f"kryten_{CHANNEL}_userlist", "users")] = [{"name": "alice", "rank": 1}, {"name": "bob", "rank": 1}]
    clock.advance(120)
    stack = Stack(bus, cfg, clock)
    try:
        await start(stack)
        await stack.pm("alice", "like")  # the same play: already liked before the restart
        await stack.pm("bob", "like")
        await say(stack, "alice", "two")  # completes the half Z carried over the restart
        assert bus.pms_to("alice")[-1] == "You've already liked this one!"
        assert await balances(stack, "alice", "bob") == {"alice": 3, "bob": 2}
    finally:
        await stack.close()


async def test_media_recovery_survives_a_robot_without_state(
    tmp_path: Path, bus, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_bucket(self: MockKrytenClient, channel: str, *, domain: str | None = None) -> None:
        raise RuntimeError("BucketNotFoundError")

    monkeypatch.setattr(MockKrytenClient, "get_state_current_media", no_bucket)
    stack = Stack(bus, chat_config(tmp_path, "content.like_current"), clock)
    try:
        await start(stack)
        await join(stack, "alice")
        await stack.pm("alice", "like")
        assert bus.pms_to("alice") == ["Nothing playing right now."]
    finally:
        await stack.close()
