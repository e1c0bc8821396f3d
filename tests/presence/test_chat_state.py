"""In-memory state of the chat path: caps, plays, activity counters and analytics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from kryten import ChangeMediaEvent, RawEvent

from economy_presence.chat import media
from economy_presence.chat import triggers as tr
from economy_presence.chat.activity import Activity
from economy_presence.chat.limits import LimitRow, Limits

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# --- limits ---------------------------------------------------------------------------------------


def test_first_claim_allowed_then_counted_to_the_cap() -> None:
    limits, w = Limits(), tr.hour_window(T0)
    assert [limits.claim("c", "chat.long_message:alice", w, 3) for _ in range(4)] == [1, 2, 3, None]
    assert limits.count("c", "chat.long_message:alice", w) == 3


def test_a_new_window_resets_the_cap() -> None:
    limits = Limits()
    w1, w2 = tr.hour_window(T0), tr.hour_window(T0 + timedelta(hours=1))
    assert limits.claim("c", "s", w1, 1) == 1
    assert limits.claim("c", "s", w1, 1) is None
    assert limits.claim("c", "s", w2, 1) == 1


def test_scopes_users_and_channels_are_independent() -> None:
    limits, w = Limits(), tr.hour_window(T0)
    assert limits.claim("c", "chat.long_message:alice", w, 1) == 1
    assert limits.claim("c", "chat.long_message:bob", w, 1) == 1
    assert limits.claim("c", "social.mentioned_by_other:alice>bob", w, 1) == 1
    assert limits.claim("c", "social.mentioned_by_other:carol>bob", w, 1) == 1
    assert limits.claim("d", "chat.long_message:alice", w, 1) == 1


def test_dirty_rows_load_release_and_prune() -> None:
    limits, w = Limits(), tr.hour_window(T0)
    limits.claim("c", "s", w, 5)
    limits.claim("c", "s", w, 5)
    rows = limits.take_dirty()
    assert rows == [LimitRow("c", "s", w.id, 2, w.expires_ms)]
    assert limits.take_dirty() == []
    restored = Limits()
    restored.load(rows)
    assert restored.claim("c", "s", w, 3) == 3
    restored.release("c", "s", w)
    assert restored.count("c", "s", w) == 2
    restored.prune(w.expires_ms)
    assert len(restored) == 0


# --- plays ----------------------------------------------------------------------------------------


def typed_change(media_id: str = "abc", seconds: int = 600, uid: int = 0) -> ChangeMediaEvent:
    return ChangeMediaEvent(
        media_type="yt", media_id=media_id, title="Cats", duration=seconds, uid=uid, timestamp=T0, channel="c",
        domain="cytu.be", correlation_id="x",
    )


def test_media_from_typed_and_raw_events() -> None:
    info = media.from_event(typed_change())
    assert info == media.MediaInfo("yt", "abc", "Cats", 600, None, 0.0)
    raw = RawEvent(event_name="changeMedia", payload={"id": "abc", "type": "yt", "title": "Cats", "seconds": 600,
                                                       "currentTime": 42.5, "uid": 7},
                   channel="c", domain="cytu.be")
    assert media.from_event(raw) == media.MediaInfo("yt", "abc", "Cats", 600, 7, 42.5)
    assert media.from_event(RawEvent(event_name="changeMedia", payload={}, channel="c", domain="d")) is None
    assert media.from_event(SimpleNamespace()) is None


def test_play_is_current_until_shortly_after_its_end() -> None:
    play = media.start_play(media.MediaInfo("yt", "abc", "Cats", 600), T0, {"alice": "alice"})
    assert play.running(T0 + timedelta(seconds=600) + media.GRACE)
    assert not play.running(T0 + timedelta(seconds=601) + media.GRACE)
    live = media.start_play(media.MediaInfo("tw", "live", "Stream", 0), T0, {})
    assert live.running(T0 + timedelta(days=1))


def test_reannounce_of_the_playing_item_is_the_same_play() -> None:
    play = media.start_play(media.MediaInfo("yt", "abc", "Cats", 600, uid=7), T0, {})
    assert play.is_same(media.MediaInfo("yt", "abc", "Cats", 600), T0 + timedelta(seconds=100))
    assert not play.is_same(media.MediaInfo("yt", "abc", "Cats", 600, uid=8), T0 + timedelta(seconds=100))
    assert not play.is_same(media.MediaInfo("yt", "xyz", "Dogs", 600), T0 + timedelta(seconds=100))
    assert not play.is_same(media.MediaInfo("yt", "abc", "Cats", 600), T0 + timedelta(seconds=700))  # replayed


def test_recover_keeps_the_saved_play_when_the_robot_agrees() -> None:
    saved = media.start_play(media.MediaInfo("yt", "abc", "Cats", 600), T0, {"alice": "alice"})
    saved.likers.add("bob")
    now = T0 + timedelta(seconds=200)
    kv = media.MediaInfo("yt", "abc", "Cats", 600, elapsed_s=199.0)
    assert media.recover(saved, kv, True, now) is saved
    other = media.recover(saved, media.MediaInfo("yt", "xyz", "Dogs", 300, elapsed_s=20), True, now)
    assert other is not None and other.media_id == "xyz" and other.present_at_start == {}
    assert other.started == now - timedelta(seconds=20)
    assert media.recover(saved, None, True, now) is None  # the robot says nothing is playing
    assert media.recover(saved, None, False, now) is saved  # robot KV unreadable: trust what we saved
    assert media.recover(saved, None, False, T0 + timedelta(hours=1)) is None  # ...unless it must have ended


# --- activity and analytics ---------------------------------------------------------------------


def test_activity_counts_and_unique_emotes_per_day() -> None:
    act = Activity()
    act.bump("c", "alice", "2026-03-01", "messages_sent")
    act.bump("c", "alice", "2026-03-01", "messages_sent")
    assert act.add_emotes("c", "alice", "2026-03-01", {"Kappa", "PogChamp", "LUL"}) == 3
    assert act.add_emotes("c", "alice", "2026-03-01", {"Kappa"}) == 0
    assert act.add_emotes("c", "alice", "2026-03-02", {"Kappa"}) == 1  # a new day starts a fresh set
    batch = act.take()
    assert batch.counters[("c", "alice", "2026-03-01")]["messages_sent"] == 2
    assert len(batch.emotes) == 4
    assert not act.pending()
    act.restore(batch)
    assert act.pending()


def test_analytics_count_each_user_once_per_trigger_and_day() -> None:
    act = Activity()
    for user in ("alice", "alice", "bob"):
        act.hit("c", "chat.long_message", "2026-03-01", user, 1)
    act.hit("c", "chat.first_message_of_day", "2026-03-01", "alice", 5)
    batch = act.take()
    assert batch.hits[("c", "chat.long_message", "2026-03-01")] == [3, 3]
    assert sorted(u for _, t, _, u in batch.users if t == "chat.long_message") == ["alice", "bob"]
    act.hit("c", "chat.long_message", "2026-03-01", "alice", 1)
    assert act.take().users == []  # already counted today
