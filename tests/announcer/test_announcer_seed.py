"""The seed's event-announcer test table (sprint 9 §10.1), through the service's voice and sender."""

from __future__ import annotations

from pathlib import Path

from announcer_kit import CHANNEL, Running, announcer_config, start_announcer

from economy_shared.clock import FakeClock


async def send_all_paced(r: Running, clock: FakeClock, horizon: float) -> list[float]:
    """Drive the sender in fake time until ``horizon`` seconds; the send times, relative to now."""
    start = clock.now().timestamp()
    times = []
    while (wait := r.service.outbox.wait_seconds()) is not None:
        if clock.now().timestamp() + wait - start > horizon:
            break
        clock.advance(wait)
        assert await r.service.drain_once()
        times.append(round(clock.now().timestamp() - start, 3))
    return times


async def test_template_rendering(running: Running) -> None:
    assert await running.service.voice.announce(CHANNEL, "rank_up", user="alice", rank="Key Grip")
    await running.service.flush()
    assert running.bus.chats() == ["⭐ alice is now a Key Grip!"]


async def test_missing_template(running: Running) -> None:
    result = running.service.voice.queue_announcement(CHANNEL, "not_a_template", {"user": "alice"})
    assert (result.queued, result.reason) == (False, "no_template")
    await running.service.flush()
    assert running.bus.chats() == []


async def test_disabled_announcement(tmp_path: Path, fake_clock: FakeClock) -> None:
    r = await start_announcer(announcer_config(tmp_path, gates=[{"template": "rank_up", "enabled": False}]), fake_clock)
    try:
        result = r.service.voice.queue_announcement(CHANNEL, "rank_up", {"user": "alice", "rank": "Grip"})
        assert (result.queued, result.reason) == (False, "disabled")
        await r.service.flush()
        assert r.bus.chats() == []
    finally:
        await r.host.stop()


async def test_deduplication(running: Running, fake_clock: FakeClock) -> None:
    voice = running.service.voice
    assert await voice.announce(CHANNEL, "rank_up", user="alice", rank="Grip")
    fake_clock.advance(10)
    assert not await voice.announce(CHANNEL, "rank_up", user="alice", rank="Grip")
    await running.service.flush()
    assert running.bus.chats() == ["⭐ alice is now a Grip!"]
    fake_clock.advance(21)  # 31 s after the first: outside the 30 s window
    assert await voice.announce(CHANNEL, "rank_up", user="alice", rank="Grip")


async def test_rate_limiting(running: Running, fake_clock: FakeClock) -> None:
    """15 rapid announcements: at most 10 reach public chat in a minute."""
    results = [running.service.voice.queue_say(CHANNEL, f"announcement {i}") for i in range(15)]
    assert sum(r.queued for r in results) == 10
    assert [r.reason for r in results if not r.queued] == ["capped"] * 5
    times = await send_all_paced(running, fake_clock, horizon=60)
    assert len(running.bus.chats()) == 10
    assert times == [2.0 * i for i in range(10)]  # and paced 2 s apart


async def test_batch_delay(running: Running, fake_clock: FakeClock) -> None:
    voice = running.service.voice
    await voice.announce(CHANNEL, "rank_up", user="alice", rank="Grip")
    assert not await running.service.drain_once()  # held for the 2 s batch window
    fake_clock.advance(1.0)
    await voice.announce(CHANNEL, "achievement", user="bob", achievement="Night Owl")
    assert not await running.service.drain_once()
    fake_clock.advance(1.0)
    assert await running.service.drain_once()
    assert running.bus.chats() == ["⭐ alice is now a Grip! • 🏆 bob unlocked Night Owl!"]


async def test_raw_announcement(running: Running) -> None:
    """``say`` bypasses templates (and, for admin text, dedup) but still goes through the outbox."""
    voice = running.service.voice
    assert await voice.say(CHANNEL, "Movie night starts in 10 minutes! {not a placeholder}", dedup=False)
    assert await voice.say(CHANNEL, "Movie night starts in 10 minutes! {not a placeholder}", dedup=False)
    assert running.bus.chats() == []  # queued, not sent around the outbox
    await running.service.flush()
    assert running.bus.chats() == ["Movie night starts in 10 minutes! {not a placeholder}"] * 2
