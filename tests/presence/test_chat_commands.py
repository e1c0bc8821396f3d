"""PM ``rewards`` (generated from config) and admin ``econ:triggers`` (analytics)."""

from __future__ import annotations

from pathlib import Path

from economy_presence.chat.guide import TEASER, all_triggers, rewards_text, trigger_label
from economy_shared.clock import FakeClock
from economy_shared.pm.catalog import entries
from tests.helpers import Stack, make_config
from tests.presence.test_chat_support import chat_config, join, say, start


def test_default_rewards_hide_every_trigger_behind_the_teaser(tmp_path: Path) -> None:
    text = rewards_text(make_config(tmp_path))
    lines = text.splitlines()
    assert lines[0] == "💰 Ways to earn Z-Coins:"
    assert "📍 Being here: 1 Z/min" in lines
    assert "⏰ Staying a while: 1h = 10 Z, 3h = 30 Z, 6h = 75 Z, 12h = 200 Z, 24h = 1000 Z" in lines
    assert lines[-1] == TEASER
    assert not any(line.startswith("•") for line in lines)


def test_rewards_lines_follow_the_config(tmp_path: Path) -> None:
    cfg = make_config(
        tmp_path,
        chat_triggers={"long_message": {"hidden": False, "min_chars": 40, "reward": 2, "max_per_hour": 12},
                       "kudos_received": {"hidden": False, "enabled": False}},
        content_triggers={"comment_during_media": {"hidden": False, "reward_per_message": 0.25}},
        social_triggers={"bot_interaction": {"hidden": False}},
        streaks={"daily": {"enabled": False}, "weekend_weekday_bridge": {"enabled": False}},
        rain={"enabled": False},
        currency={"symbol": "ZC", "plural": "Zeds"},
    )
    lines = rewards_text(cfg).splitlines()
    assert "• Long messages (40+ characters): 2 ZC each, up to 12 an hour" in lines
    comment = "• Chat while something plays: 0.25 ZC per message, up to 10 messages per item (more for long items)"
    assert comment in lines
    assert "• Chat with ZCoinBot: 2 ZC per reply, up to 10 a day" in lines
    assert not any("kudos" in line for line in lines)  # disabled: not listed even though not hidden
    assert not any("streak" in line.lower() or "rain" in line.lower() for line in lines)


def test_every_configured_trigger_has_a_label(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    triggers = all_triggers(cfg)
    assert len(triggers) == 12
    for tid, t in triggers.items():
        label = trigger_label(tid, t, cfg)
        assert label != tid and "{" not in label, tid


def test_rewards_and_like_are_live_in_help() -> None:
    live = {e.word for e in entries() if e.live}
    assert {"rewards", "like", "econ:triggers"} <= live


async def test_rewards_pm(tmp_path: Path, bus, clock: FakeClock) -> None:
    stack = Stack(bus, chat_config(tmp_path), clock)
    try:
        await start(stack)
        await stack.pm("alice", "rewards")
        assert bus.pms_to("alice") and bus.pms_to("alice")[0].startswith("💰 Ways to earn")
    finally:
        await stack.close()


async def test_econ_triggers_shows_hits_users_and_dead_triggers(tmp_path: Path, bus, clock: FakeClock) -> None:
    cfg = chat_config(tmp_path, "chat.long_message", "chat.first_message_of_day", "social.mentioned_by_other",
                      admin={"usernames": ["boss"]})
    stack = Stack(bus, cfg, clock)
    try:
        await start(stack)
        await join(stack, "alice", "bob")
        await stack.pm("alice", "econ:triggers")  # not an admin
        await stack.pm("boss", "econ:triggers")
        assert bus.pms_to("boss")[-1].startswith("No trigger data for today.")
        long = "this is a message that is long enough to pay"
        await say(stack, "alice", long)
        await say(stack, "alice", long)
        await say(stack, "bob", long + " alice")
        await stack.pm("boss", "econ:triggers")
        report = "\n".join(bus.pms_to("boss")[1:])
        assert "chat.long_message: 3 hits, 2 users, 3 Z" in report
        assert "chat.first_message_of_day: 2 hits, 2 users, 10 Z" in report
        assert "social.mentioned_by_other: 1 hits, 1 users, 1 Z" in report
        assert "💤 No hits today:" not in report  # every enabled trigger was hit
        assert bus.pms_to("alice") == ["🚫 That one's for channel admins."]
    finally:
        await stack.close()
