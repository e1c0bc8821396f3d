"""The current media of a channel ("a play"): from ``changemedia``, or the robot's KV after a restart.

A play has a stable id used in idempotency keys (likes, first comment, survivors), so a restart
that restores the same play cannot pay those facts twice. Pitfalls handled (sprint3.md §9):
- a re-announced ``changemedia`` for the item already playing (robot reconnect) keeps the play;
- a play with a known length stops being "current" shortly after it should have ended, so
  comments and likes do not keep paying after the playlist runs out;
- ``media_id`` is the provider id; the play is identified by (type, id, start time).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from economy_shared.clock import from_ms, to_ms

GRACE = timedelta(seconds=60)  # slack after a play's nominal end before it stops counting as current
SAME_START = timedelta(seconds=120)  # restored play vs. KV: starts this close are the same play
_seq = itertools.count(1)


@dataclass(frozen=True)
class MediaInfo:
    media_type: str
    media_id: str
    title: str
    duration_s: int
    uid: int | None = None
    elapsed_s: float = 0.0  # how far into the item we are (KV ``currentTime``), when known


@dataclass
class Play:
    play_id: str
    media_type: str
    media_id: str
    title: str
    duration_s: int
    started: datetime
    uid: int | None = None
    present_at_start: dict[str, str] = field(default_factory=dict)  # key -> display
    first_claimed: str | None = None
    likers: set[str] = field(default_factory=set)
    rejoined: set[str] = field(default_factory=set)  # genuine re-arrivals during the play

    def running(self, now: datetime) -> bool:
        """Still plausibly playing: live/unknown-length items run until the next change."""
        if self.duration_s <= 0:
            return True
        return now <= self.started + timedelta(seconds=self.duration_s) + GRACE

    def is_same(self, info: MediaInfo, now: datetime) -> bool:
        """``info`` describes this play again (a re-announce), not a new play of the same item."""
        if (self.media_type, self.media_id) != (info.media_type, info.media_id):
            return False
        if self.uid is not None and info.uid not in (None, 0) and self.uid != info.uid:
            return False
        return self.running(now)

    def to_row(self) -> dict[str, Any]:
        return {
            "play_id": self.play_id, "media_type": self.media_type, "media_id": self.media_id, "uid": self.uid,
            "title": self.title, "duration_s": self.duration_s, "started_ms": to_ms(self.started),
            "first_claimed": self.first_claimed, "present": self.present_at_start,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any], likers: set[str]) -> Play:
        return cls(
            play_id=row["play_id"], media_type=row["media_type"], media_id=row["media_id"], title=row["title"],
            duration_s=int(row["duration_s"]), started=from_ms(int(row["started_ms"])), uid=row["uid"],
            present_at_start=dict(row["present"]), first_claimed=row["first_claimed"], likers=likers,
        )


def _int(value: Any) -> int:
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError):
        return 0


def from_payload(payload: dict[str, Any]) -> MediaInfo | None:
    """CyTube's ``changeMedia`` payload, or the robot's KV ``current`` (which adds ``uid``)."""
    media_id = payload.get("id")
    if media_id is None or str(media_id) == "":
        return None
    uid = payload.get("uid")
    elapsed = payload.get("currentTime")
    return MediaInfo(
        media_type=str(payload.get("type") or ""),
        media_id=str(media_id),
        title=str(payload.get("title") or "").strip() or "current media",
        duration_s=_int(payload.get("seconds")),
        uid=uid if isinstance(uid, int) and uid > 0 else None,
        elapsed_s=max(0.0, float(elapsed)) if isinstance(elapsed, int | float) else 0.0,
    )


def from_event(event: Any) -> MediaInfo | None:
    """kryten-py gives a typed ``ChangeMediaEvent``; anything it cannot type arrives as ``RawEvent``."""
    payload = getattr(event, "payload", None)
    if isinstance(payload, dict):
        return from_payload(payload)
    media_id = getattr(event, "media_id", None)
    if not isinstance(media_id, str) or not media_id:
        return None
    uid = getattr(event, "uid", 0)
    return MediaInfo(
        media_type=str(getattr(event, "media_type", "") or ""),
        media_id=media_id,
        title=str(getattr(event, "title", "") or "").strip() or "current media",
        duration_s=_int(getattr(event, "duration", 0)),
        uid=uid if isinstance(uid, int) and uid > 0 else None,
    )


def start_play(info: MediaInfo, now: datetime, present: dict[str, str]) -> Play:
    started = now - timedelta(seconds=info.elapsed_s)
    return Play(
        play_id=f"{to_ms(started)}-{next(_seq)}",
        media_type=info.media_type,
        media_id=info.media_id,
        title=info.title,
        duration_s=info.duration_s,
        started=started,
        uid=info.uid,
        present_at_start=dict(present),
    )


def recover(saved: Play | None, kv: MediaInfo | None, kv_known: bool, now: datetime) -> Play | None:
    """The play after a restart.

    ``kv_known``: the robot's KV answered (``kv`` None then means nothing is playing). A saved
    play that matches the KV item is kept whole (id, start snapshot, claims, likes); otherwise a
    new play starts with an empty start snapshot (we cannot know who was here when it began).
    """
    if not kv_known:
        return saved if saved is not None and saved.running(now) else None
    if kv is None:
        return None
    started = now - timedelta(seconds=kv.elapsed_s)
    if saved is not None and (saved.media_type, saved.media_id) == (kv.media_type, kv.media_id):
        same_uid = saved.uid is not None and kv.uid is not None and saved.uid == kv.uid
        if same_uid or abs(saved.started - started) <= SAME_START:
            return saved
    return start_play(kv, now, {})
