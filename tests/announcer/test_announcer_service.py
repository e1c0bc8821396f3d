"""The announcer in process: its request subject, PM commands, persistence, sender loop and metrics."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from announcer_kit import ADMIN, CHANNEL, Running, announcer_config, start_announcer

from economy_announcer.service import AnnouncerService
from economy_shared.clock import FakeClock, SystemClock
from economy_shared.config import EconomyConfig
from economy_shared.pm.catalog import owned_by
from economy_shared.pm.router import NOT_ADMIN
from economy_shared.runtime.service import ServiceHost
from economy_shared.testing import InMemoryBus, MockKrytenClient
from economy_shared.voice import Voice


def metric(service: AnnouncerService, name: str, **labels: str) -> float:
    value = service.metrics.registry.get_sample_value(name, labels)
    return value or 0.0


def pm_request(user: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"command": "announcer.pm", "channel": CHANNEL, "user": user, "text": text, **extra}


# ---- request subject ---------------------------------------------------------------------------
async def test_pm_request_is_queued_then_sent_to_the_user(running: Running) -> None:
    reply = await running.request(pm_request("alice", "💰 Balance: 1,250 Z"))
    assert reply == {
        "service": "announcer", "command": "announcer.pm", "success": True,
        "data": {"queued": True, "chunks": 1, "reason": ""},
    }
    assert running.bus.pms_to("alice") == []  # nothing leaves before the sender runs
    assert await running.service.drain_once()
    assert running.bus.pms_to("alice") == ["💰 Balance: 1,250 Z"]
    sent = running.bus.robot_commands("pm")[0]
    assert sent["meta"]["domain"] == "cytu.be" and sent["meta"]["channel"] == CHANNEL


async def test_long_pm_is_split_in_order(running: Running) -> None:
    lines = [f"• line {i}: " + "words " * 12 for i in range(10)]
    reply = await running.request(pm_request("alice", "\n".join(lines)))
    assert reply["data"]["chunks"] > 1
    await running.service.flush()
    chunks = running.bus.pms_to("alice")
    assert len(chunks) == reply["data"]["chunks"] and all(len(c) <= 240 for c in chunks)
    assert "\n".join(chunks).split("\n") == lines


async def test_announce_request_renders_the_template_in_chat(running: Running) -> None:
    reply = await running.request(
        {"command": "announcer.announce", "channel": CHANNEL, "template": "jackpot",
         "context": {"user": "alice", "amount": 25000, "wager": 500}}
    )
    assert reply["success"] and reply["data"]["queued"]
    await running.service.flush()
    assert running.bus.chats() == ["🎰 JACKPOT! alice just won 25,000 Z!"]


async def test_announce_request_reports_why_nothing_was_queued(running: Running) -> None:
    payload = {"command": "announcer.announce", "channel": CHANNEL, "template": "rank_up",
               "context": {"user": "alice", "rank": "Grip"}}
    assert (await running.request(payload))["data"]["queued"]
    again = await running.request(payload)
    assert again["success"] and again["data"] == {"queued": False, "chunks": 0, "reason": "duplicate"}
    missing = await running.request({**payload, "template": "nope"})
    assert missing["data"]["reason"] == "no_template"
    assert metric(running.service, "economy_announcer_dropped_total", reason="duplicate") == 1


async def test_say_request_goes_to_chat(running: Running) -> None:
    reply = await running.request({"command": "announcer.say", "channel": CHANNEL, "text": "Doors open!"})
    assert reply["data"]["queued"]
    await running.service.flush()
    assert running.bus.chats() == ["Doors open!"]


@pytest.mark.parametrize(
    "payload",
    [
        {"command": "announcer.pm", "channel": CHANNEL, "text": "no user"},
        {"command": "announcer.pm", "channel": CHANNEL, "user": "alice", "text": ""},
        {"command": "announcer.pm", "channel": CHANNEL, "user": "alice", "text": "x", "priority": "urgent"},
        {"command": "announcer.pm", "channel": CHANNEL, "user": "alice", "text": "x", "colour": "red"},
        {"command": "announcer.announce", "channel": CHANNEL, "context": {}},
        {"command": "announcer.say", "text": "no channel"},
        {"command": "announcer.say", "channel": "elsewhere", "text": "unknown channel"},
        {"channel": CHANNEL, "text": "no command"},
    ],
)
async def test_malformed_request_is_bad_request(running: Running, payload: dict[str, Any]) -> None:
    reply = await running.request(payload)
    assert reply["success"] is False
    assert reply["error_code"] == "bad_request"
    assert "Traceback" not in reply["error"]


async def test_replies_overtake_queued_notifications(running: Running) -> None:
    await running.request(pm_request("bob", "☔ Rain drop!", priority="notify", unsolicited=True))
    await running.request(pm_request("alice", "your balance", priority="reply"))
    await running.service.flush()
    assert [c["args"]["to"] for c in running.bus.robot_commands("pm")] == ["alice", "bob"]


async def test_pm_to_the_bot_itself_is_refused(running: Running) -> None:
    reply = await running.request(pm_request("ZCoinBot", "hello me"))
    assert reply["data"] == {"queued": False, "chunks": 0, "reason": "ignored"}


async def test_the_shared_voice_of_another_service_speaks_through_the_announcer(running: Running) -> None:
    voice = Voice(running.peer, lambda: running.service.config, "ledger")
    assert await voice.reply(CHANNEL, "alice", "hi from the ledger")
    assert await voice.announce(CHANNEL, "rank_up", user="alice", rank="Grip")
    assert running.bus.robot_commands() == []  # no direct send: the announcer answered
    await running.service.flush()
    assert running.bus.pms_to("alice") == ["hi from the ledger"]
    assert running.bus.chats() == ["⭐ alice is now a Grip!"]


# ---- PM commands -------------------------------------------------------------------------------
async def test_announcer_owns_quiet_and_announce() -> None:
    owned = owned_by("announcer")
    assert owned["quiet"].live and owned["announce"].live


async def test_quiet_drops_notifications_and_persists_across_restart(
    tmp_path: Path, ann_config: EconomyConfig, fake_clock: FakeClock
) -> None:
    r = await start_announcer(ann_config, fake_clock)
    await r.pm("Alice", "quiet")
    await r.service.flush()
    assert r.bus.pms_to("alice")[-1].startswith("🔕 Quiet mode is on")
    dropped = await r.request(pm_request("alice", "☔ Rain drop!", priority="notify", unsolicited=True))
    assert dropped["data"]["reason"] == "quiet"
    await r.host.stop()

    r2 = await start_announcer(ann_config, fake_clock, bus=r.bus)  # same database file
    try:
        again = await r2.request(pm_request("ALICE", "☔ Rain drop!", priority="notify", unsolicited=True))
        assert again["data"]["reason"] == "quiet"
        solicited = await r2.request(pm_request("alice", "your balance"))
        assert solicited["data"]["queued"]  # replies always go
        await r2.pm("alice", "quiet off")
        await r2.service.flush()
        assert r2.bus.pms_to("alice")[-2:] == ["your balance", r2.bus.pms_to("alice")[-1]]
        assert r2.bus.pms_to("alice")[-1].startswith("🔔 Quiet mode is off")
        back = await r2.request(pm_request("alice", "☔ Rain drop!", priority="notify", unsolicited=True))
        assert back["data"]["queued"]
        assert metric(r2.service, "economy_announcer_dropped_total", reason="quiet") == 1
    finally:
        await r2.host.stop()


async def test_quiet_on_off_status_and_usage(running: Running) -> None:
    for text in ("quiet on", "quiet on", "quiet status", "quiet off", "quiet maybe"):
        await running.pm("carol", text)
    await running.service.flush()
    replies = running.bus.pms_to("carol")
    assert [r[0] for r in replies[:4]] == ["🔕", "🔕", "🔕", "🔔"]
    assert replies[4] == "Usage: quiet [on|off]"
    assert not running.service.store.is_quiet(CHANNEL, "carol")


async def test_admin_announce_goes_to_chat_unescaped_and_undeduplicated(running: Running) -> None:
    await running.pm(ADMIN, "announce Movie night &amp; popcorn at 8!")
    await running.pm(ADMIN, "announce Movie night &amp; popcorn at 8!")
    await running.service.flush()
    assert running.bus.chats() == ["Movie night & popcorn at 8!"] * 2
    assert running.bus.pms_to(ADMIN) == ["📢 Announced."] * 2


async def test_admin_announce_cannot_run_a_cytube_command(running: Running) -> None:
    """DECISIONS 20: ``announce /kick bob`` must never reach chat as a command at the bot's rank."""
    await running.pm(ADMIN, "announce /kick bob")
    await running.pm(ADMIN, "announce &#47;ban carol")  # html-escaped slash, unescaped by the PM parser
    await running.pm(ADMIN, "announce \u200b/clear")  # hidden by a zero-width space
    await running.pm(ADMIN, "announce / / /")
    await running.service.flush()
    says = [c["args"]["message"] for c in running.bus.robot_commands("say")]
    assert says == ["kick bob", "ban carol", "clear"]
    assert running.bus.pms_to(ADMIN)[-1].startswith("Nothing left to announce")


async def test_admin_announce_keeps_the_pace(running: Running, fake_clock: FakeClock) -> None:
    await running.pm(ADMIN, "announce one")
    await running.pm(ADMIN, "announce two")
    sent = 0
    while await running.service.drain_once():
        sent += 1
    assert sent == 1  # one line; the rest wait for the pace
    fake_clock.advance(2)
    assert await running.service.drain_once()


async def test_announce_needs_an_admin_and_text(running: Running) -> None:
    await running.pm("mallory", "announce free coins at my site")
    await running.pm(ADMIN, "announce")
    await running.service.flush()
    assert running.bus.chats() == []
    assert running.bus.pms_to("mallory") == [NOT_ADMIN]
    assert running.bus.pms_to(ADMIN) == ["Usage: announce <text>"]


async def test_pms_from_the_bot_itself_are_ignored(running: Running) -> None:
    await running.pm("ZCoinBot", "quiet")
    await running.service.flush()
    assert running.bus.robot_commands() == []


# ---- sending -----------------------------------------------------------------------------------
class FlakyClient(MockKrytenClient):
    async def send_chat(self, channel: str, message: str, *, domain: str | None = None) -> str:
        raise ConnectionError("robot unreachable")


async def test_a_send_error_is_counted_and_the_next_line_still_goes(
    ann_config: EconomyConfig, fake_clock: FakeClock
) -> None:
    bus = InMemoryBus()
    service = AnnouncerService(ann_config, FlakyClient(bus, channel=CHANNEL), fake_clock, autosend=False)
    host = ServiceHost(service, serve_http=False)
    await host.start()
    try:
        service.voice.queue_say(CHANNEL, "this will fail")
        service.voice.queue_pm(CHANNEL, "alice", "this will work")
        assert await service.flush() == 2
        assert bus.pms_to("alice") == ["this will work"]
        assert metric(service, "economy_announcer_dropped_total", reason="send_error") == 1
        assert metric(service, "economy_announcer_sent_total", kind="pm") == 1
        assert metric(service, "economy_announcer_queue_depth", channel=CHANNEL) == 0
    finally:
        await host.stop()


async def test_the_sender_loop_delivers_on_its_own(tmp_path: Path) -> None:
    """The real loop with the real clock and a tiny pace (no multi-second sleeps)."""
    cfg = announcer_config(tmp_path, pace_seconds=0.01, batch_window_seconds=0.02)
    bus = InMemoryBus()
    service = AnnouncerService(cfg, MockKrytenClient(bus, channel=CHANNEL), SystemClock())
    host = ServiceHost(service, serve_http=False)
    await host.start()
    try:
        peer = MockKrytenClient(bus, channel=CHANNEL)
        for i in range(3):
            await peer.nats_request("kryten.economy.announcer.command", pm_request("alice", f"m{i}"), timeout=2)
        await peer.nats_request(
            "kryten.economy.announcer.command",
            {"command": "announcer.announce", "channel": CHANNEL, "template": "rank_up",
             "context": {"user": "bob", "rank": "Grip"}},
            timeout=2,
        )
        for _ in range(200):
            if len(bus.robot_commands()) == 4:
                break
            await asyncio.sleep(0.01)
        assert bus.pms_to("alice") == ["m0", "m1", "m2"]
        assert bus.chats() == ["⭐ bob is now a Grip!"]
        assert (await host.health())["status"] == "healthy"
    finally:
        await host.stop()
    assert service._sender_task is None


async def test_health_reports_queue_and_quiet_users(running: Running) -> None:
    await running.pm("dave", "quiet on")
    running.service.voice.queue_say(CHANNEL, "pending")
    details = await running.service.health_details()
    assert details["status"] == "healthy"
    assert details["quiet_users"] == 1
    assert details["queued"] == 2  # the quiet reply and the public line
