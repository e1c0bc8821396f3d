"""Caps, silences, daily activity and analytics persist across a restart; migration 3 applies."""

from __future__ import annotations

from pathlib import Path

from economy_presence.service import PresenceService
from economy_presence.store import MIGRATIONS
from economy_shared.clock import FakeClock, day_str
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.presence.test_chat_support import audit_ok, balance, chat_config, join, say, start

LONG = "this message is comfortably longer than thirty characters"


async def restart(
    stack: Stack, bus: InMemoryBus, cfg: EconomyConfig, clock: FakeClock
) -> tuple[Stack, PresenceService]:
    await stack.close()
    bus.kv[(f"kryten_{CHANNEL}_userlist", "users")] = []  # nobody present after the restart
    stack = Stack(bus, cfg, clock)
    return stack, await start(stack)


async def test_caps_and_daily_claims_survive_a_restart(tmp_path: Path, bus, clock: FakeClock) -> None:
    cfg = chat_config(tmp_path, "chat.long_message", "chat.first_message_of_day",
                      chat_triggers={"long_message": {"max_per_hour": 2}})
    stack = Stack(bus, cfg, clock)
    await start(stack)
    try:
        await say(stack, "alice", LONG)
        await say(stack, "alice", LONG)
        assert await balance(stack, "alice") == 5 + 2
        stack, _ = await restart(stack, bus, cfg, clock)
        await say(stack, "alice", LONG)  # third long message this hour; second message today
        assert await balance(stack, "alice") == 7
        clock.advance(3600)
        await say(stack, "alice", LONG)
        assert await balance(stack, "alice") == 8
        clock.advance(86400)
        await say(stack, "alice", "short")
        assert await balance(stack, "alice") == 13
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_a_restart_does_not_pay_the_next_chatter_for_breaking_a_silence(
    tmp_path: Path, bus, clock: FakeClock
) -> None:
    cfg = chat_config(tmp_path, "chat.conversation_starter")
    stack = Stack(bus, cfg, clock)
    await start(stack)
    try:
        await say(stack, "alice", "anyone here?")  # the channel's first message ever
        clock.advance(60)
        stack, _ = await restart(stack, bus, cfg, clock)
        await say(stack, "bob", "yes")  # one minute after alice: no silence was broken
        clock.advance(600)
        await say(stack, "alice", "quiet again")  # exactly ten minutes of silence
        clock.advance(600)
        await say(stack, "alice", "hello?")  # her own silence
        assert (await balance(stack, "alice"), await balance(stack, "bob")) == (20, 0)
    finally:
        await stack.close()


async def test_daily_activity_counters(tmp_path: Path, bus, clock: FakeClock) -> None:
    bus.kv[(f"kryten_{CHANNEL}_emotes", "list")] = [{"name": "Kappa", "image": "x"}, {"name": ":wave:"}, "LUL"]
    cfg = chat_config(tmp_path, "chat.kudos_received", "chat.laugh_received", "social.bot_interaction")
    stack = Stack(bus, cfg, clock)
    presence = await start(stack)
    try:
        await join(stack, "alice", "bob")
        await say(stack, "alice", "Kappa look https://media.giphy.com/media/x/giphy.gif Kappa")
        await say(stack, "alice", ":wave: " + LONG)
        await say(stack, "bob", "lol alice++ LUL")
        await say(stack, "bob", "zcoinbot hello")
        await say(stack, "ZCoinBot", "hi bob")
        await say(stack, "OtherBot", "Kappa lol alice++")
        await stack.event("emoteList", [{"name": "NewEmote"}])
        await say(stack, "alice", "NewEmote Kappa")
        rows = {r["user_key"]: r for r in await presence.chat.store.activity(CHANNEL, day_str(clock.now()))}
        assert set(rows) == {"alice", "bob"}
        a, b = rows["alice"], rows["bob"]
        assert (a["messages_sent"], a["long_messages"], a["gifs_posted"], a["unique_emotes_used"]) == (3, 2, 1, 3)
        assert (a["kudos_received"], a["laughs_received"], a["kudos_given"]) == (1, 1, 0)
        assert (b["messages_sent"], b["kudos_given"], b["bot_interactions"], b["unique_emotes_used"]) == (2, 1, 1, 1)
    finally:
        await stack.close()


async def test_analytics_count_unique_users_across_a_restart(tmp_path: Path, bus, clock: FakeClock) -> None:
    cfg = chat_config(tmp_path, "chat.long_message")
    stack = Stack(bus, cfg, clock)
    await start(stack)
    try:
        await say(stack, "alice", LONG)
        await say(stack, "bob", LONG)
        stack, presence = await restart(stack, bus, cfg, clock)
        await say(stack, "alice", LONG)
        rows = await presence.chat.store.analytics(CHANNEL, day_str(clock.now()))
        assert rows == [{"trigger_id": "chat.long_message", "hits": 3, "z_awarded": 3, "unique_users": 2}]
    finally:
        await stack.close()


async def test_migration_3_applies_from_empty_and_from_version_2(tmp_path: Path) -> None:
    tables = {"chat_limits", "chat_channel", "chat_media", "chat_likes", "daily_activity", "daily_emotes",
              "trigger_analytics", "trigger_users"}
    fresh = Database(tmp_path / "fresh.db", MIGRATIONS)
    await fresh.open()
    assert await fresh.schema_version() == len(MIGRATIONS)
    names = {r["name"] for r in await fresh.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables <= names
    await fresh.close()
    old = Database(tmp_path / "old.db", MIGRATIONS[:2])
    await old.open()
    await old.execute("INSERT INTO carries (channel, user_key, source, milli) VALUES ('c', 'alice', 'presence', 5)")
    await old.close()
    upgraded = Database(tmp_path / "old.db", MIGRATIONS)
    await upgraded.open()
    assert await upgraded.schema_version() == len(MIGRATIONS)
    assert (await upgraded.fetchone("SELECT milli FROM carries"))["milli"] == 5
    await upgraded.close()


async def test_migration_5_moves_credits_kept_under_migration_4(tmp_path: Path) -> None:
    """A file that kept an unanswered tick credit under the first table re-sends it after the upgrade."""
    old = Database(tmp_path / "v4.db", MIGRATIONS[:4])
    await old.open()
    await old.execute(
        "INSERT INTO pending_posts (channel, idem_key, body, created_ms) VALUES ('c', 'presence:c:1', '{}', 7)"
    )
    await old.close()
    upgraded = Database(tmp_path / "v4.db", MIGRATIONS)
    await upgraded.open()
    try:
        rows = [dict(r) for r in await upgraded.fetchall("SELECT channel, idem_key, source, body FROM unanswered")]
        assert rows == [{"channel": "c", "idem_key": "presence:c:1", "source": "presence", "body": "{}"}]
        names = {r["name"] for r in await upgraded.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "pending_posts" not in names
    finally:
        await upgraded.close()
