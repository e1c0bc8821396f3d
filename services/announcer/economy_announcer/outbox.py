"""The outbox: what the bot says next and when (ARCHITECTURE §4). Pure logic: no NATS, clock injected.

One *lane* per channel, because each channel is its own CyTube connection (one kryten-robot each)
and CyTube's flood limit counts per connection; a busy channel never delays another one.
In a lane:

- one pace: at least ``pace_seconds`` between any two lines, PM or chat;
- priorities: command replies, then notifications, then announcements;
- round-robin between recipients of one priority, so a long reply to one user does not hold up
  everyone else, while the chunks of one message keep their order;
- public lines: a dedup window, a batch hold that merges rapid announcements into one line, and a
  hard cap per 60 seconds (refused at admission with ``capped``, and enforced again when sending);
- quiet mode: unsolicited PMs to a user who asked for quiet are dropped; replies always go.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from economy_shared.channels import channel_key
from economy_shared.clock import Clock
from economy_shared.pm.text import split_message
from economy_shared.sanitize import public_text
from economy_shared.schemas.announcer import Priority
from economy_shared.users import user_key

PUBLIC = "#public"  # recipient key of public chat; CyTube names cannot contain '#'
CAP_WINDOW = 60.0


@dataclass(frozen=True)
class Policy:
    pace_seconds: float = 2.0
    dedup_window_seconds: float = 30.0
    public_cap_per_minute: int = 10
    batch_window_seconds: float = 2.0
    batch_separator: str = " • "
    max_length: int = 240
    max_queue: int = 500


@dataclass
class Line:
    """One chunk to send: a PM when ``user`` is set, a public chat line otherwise."""

    channel: str
    user: str | None
    text: str
    priority: Priority
    message_id: int
    due: float  # epoch seconds; later than enqueue time while an announcement waits for merges
    mergeable: bool = False

    @property
    def kind(self) -> str:
        return "chat" if self.user is None else "pm"


@dataclass(frozen=True)
class Admission:
    queued: bool
    chunks: int = 0
    reason: str = ""
    evicted: int = 0  # lines dropped to make room for a command reply


@dataclass
class _Lane:
    channel: str
    queues: dict[Priority, OrderedDict[str, deque[Line]]] = field(
        default_factory=lambda: {p: OrderedDict() for p in Priority}
    )
    size: int = 0
    last_sent: float | None = None
    public_sent: deque[float] = field(default_factory=deque)
    public_admitted: deque[float] = field(default_factory=deque)
    recent: dict[str, float] = field(default_factory=dict)  # dedup key -> expiry


def clean_public(text: str) -> str:
    """Every line of a public chunk through the shared sanitiser (DECISIONS 20): no line starts with
    '/' (a CyTube command run at the bot's rank), no control or invisible formatting characters."""
    lines = (public_text(line, max(1, len(line))) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def dedup_key(text: str) -> str:
    return " ".join(text.split()).casefold()


class Outbox:
    def __init__(
        self,
        policy: Callable[[], Policy],
        clock: Clock,
        is_quiet: Callable[[str, str], bool] = lambda channel, user: False,
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._is_quiet = is_quiet
        self._lanes: dict[str, _Lane] = {}
        self._ids = itertools.count(1)

    # ---- admission --------------------------------------------------------------------------
    def pm(
        self, channel: str, user: str, text: str, priority: Priority = Priority.REPLY, *, unsolicited: bool = False
    ) -> Admission:
        if unsolicited and self._is_quiet(channel, user):
            return Admission(False, reason="quiet")
        policy = self._policy()
        chunks = split_message(text, policy.max_length)
        if not chunks:
            return Admission(False, reason="empty")
        lane = self._lane(channel)
        evicted = self._make_room(lane, len(chunks), priority, policy)
        if evicted is None:
            return Admission(False, reason="full")
        self._push(lane, channel, user_key(user), user, chunks, priority, self._now())
        return Admission(True, len(chunks), evicted=evicted)

    def public(
        self, channel: str, text: str, priority: Priority = Priority.ANNOUNCE, *, dedup: bool = True,
        batch: bool = False,
    ) -> Admission:
        """Queue a public line. ``batch`` holds it for the batch window and merges later arrivals into it."""
        policy, now, lane = self._policy(), self._now(), self._lane(channel)
        chunks = [c for c in (clean_public(c) for c in split_message(text, policy.max_length)) if c]
        if not chunks:
            return Admission(False, reason="empty")
        self._prune(lane, now)
        key = dedup_key(text)
        if dedup and lane.recent.get(key, 0.0) > now:
            return Admission(False, reason="duplicate")
        if batch and len(chunks) == 1 and self._merge(lane, priority, chunks[0], policy, now):
            self._remember(lane, key, now, policy)
            return Admission(True, 1, reason="merged")
        if len(lane.public_admitted) + len(chunks) > policy.public_cap_per_minute:
            return Admission(False, reason="capped")
        evicted = self._make_room(lane, len(chunks), priority, policy)
        if evicted is None:
            return Admission(False, reason="full")
        due = now + policy.batch_window_seconds if batch else now
        self._push(lane, channel, PUBLIC, None, chunks, priority, due, mergeable=batch and len(chunks) == 1)
        lane.public_admitted.extend([now] * len(chunks))
        self._remember(lane, key, now, policy)
        return Admission(True, len(chunks), evicted=evicted)

    # ---- sending ----------------------------------------------------------------------------
    def pop_ready(self) -> Line | None:
        """The next line that may go now (pace, batch hold and cap respected), or None."""
        now, policy = self._now(), self._policy()
        best: tuple[Priority, int, _Lane, str] | None = None
        for lane in self._lanes.values():
            self._prune(lane, now)
            found = self._candidate(lane, now, policy, strict=True)
            if found is not None:
                priority, rkey = found
                head = lane.queues[priority][rkey][0]
                if best is None or (priority, head.message_id) < best[:2]:
                    best = (priority, head.message_id, lane, rkey)
        if best is None:
            return None
        return self._pop(best[2], best[0], best[3], now)

    def pop_all(self) -> list[Line]:
        """Everything queued, in send order, ignoring pace, holds and the send-time cap (flush)."""
        now, policy = self._now(), self._policy()
        out: list[Line] = []
        for lane in self._lanes.values():
            while (found := self._candidate(lane, now, policy, strict=False)) is not None:
                out.append(self._pop(lane, found[0], found[1], now))
        return out

    def wait_seconds(self) -> float | None:
        """Seconds until ``pop_ready`` can return a line; None when nothing is queued."""
        now, policy = self._now(), self._policy()
        best: float | None = None
        for lane in self._lanes.values():
            if lane.size == 0:
                continue
            self._prune(lane, now)
            pace_at = now if lane.last_sent is None else lane.last_sent + policy.pace_seconds
            capped = len(lane.public_sent) >= policy.public_cap_per_minute
            cap_free_at = lane.public_sent[0] + CAP_WINDOW if capped else now
            heads = (q[0] for queues in lane.queues.values() for q in queues.values())
            earliest = min(max(h.due, cap_free_at) if h.user is None else h.due for h in heads)
            ready_at = max(pace_at, earliest)
            best = ready_at if best is None else min(best, ready_at)
        return None if best is None else max(0.0, best - now)

    # ---- inspection -------------------------------------------------------------------------
    def depth(self) -> int:
        return sum(lane.size for lane in self._lanes.values())

    def depths(self) -> dict[str, int]:
        return {lane.channel: lane.size for lane in self._lanes.values()}

    # ---- internals --------------------------------------------------------------------------
    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _lane(self, channel: str) -> _Lane:
        key = channel_key(channel)
        if key not in self._lanes:
            self._lanes[key] = _Lane(channel=channel)
        return self._lanes[key]

    def _push(
        self, lane: _Lane, channel: str, rkey: str, user: str | None, chunks: list[str], priority: Priority,
        due: float, *, mergeable: bool = False,
    ) -> None:
        message_id = next(self._ids)
        queue = lane.queues[priority].setdefault(rkey, deque())
        for chunk in chunks:
            queue.append(Line(channel, user, chunk, priority, message_id, due, mergeable))
        lane.size += len(chunks)

    def _merge(self, lane: _Lane, priority: Priority, chunk: str, policy: Policy, now: float) -> bool:
        queue = lane.queues[priority].get(PUBLIC)
        if not queue:
            return False
        last = queue[-1]
        merged = clean_public(f"{last.text}{policy.batch_separator}{chunk}")  # the separator is config text
        if not last.mergeable or last.due <= now or len(merged) > policy.max_length:
            return False
        last.text = merged
        return True

    def _remember(self, lane: _Lane, key: str, now: float, policy: Policy) -> None:
        if policy.dedup_window_seconds > 0:
            lane.recent[key] = now + policy.dedup_window_seconds

    def _prune(self, lane: _Lane, now: float) -> None:
        for times in (lane.public_sent, lane.public_admitted):
            while times and times[0] <= now - CAP_WINDOW:
                times.popleft()
        for key in [k for k, expiry in lane.recent.items() if expiry <= now]:
            del lane.recent[key]

    def _candidate(self, lane: _Lane, now: float, policy: Policy, *, strict: bool) -> tuple[Priority, str] | None:
        if lane.size == 0:
            return None
        if strict and lane.last_sent is not None and lane.last_sent + policy.pace_seconds > now:
            return None
        capped = strict and len(lane.public_sent) >= policy.public_cap_per_minute
        for priority in sorted(Priority):
            for rkey, queue in lane.queues[priority].items():
                head = queue[0]
                if strict and (head.due > now or (head.user is None and capped)):
                    continue
                return priority, rkey
        return None

    def _pop(self, lane: _Lane, priority: Priority, rkey: str, now: float) -> Line:
        queues = lane.queues[priority]
        queue = queues[rkey]
        line = queue.popleft()
        lane.size -= 1
        if queue:
            queues.move_to_end(rkey)  # round-robin: this recipient waits behind the others
        else:
            del queues[rkey]
        lane.last_sent = now
        if line.user is None:
            lane.public_sent.append(now)
        return line

    def _make_room(self, lane: _Lane, needed: int, priority: Priority, policy: Policy) -> int | None:
        """Lines evicted so ``needed`` more fit; None if they cannot (only replies may evict)."""
        if lane.size + needed <= policy.max_queue:
            return 0
        evictable = sum(len(q) for p in Priority if p > priority for q in lane.queues[p].values())
        if priority != Priority.REPLY or lane.size - evictable + needed > policy.max_queue:
            return None
        evicted = 0
        while lane.size + needed > policy.max_queue:
            evicted += self._evict_newest(lane)
        return evicted

    def _evict_newest(self, lane: _Lane) -> int:
        """Drop the newest message of the lowest priority that has one (all of its chunks)."""
        for priority in sorted(Priority, reverse=True):
            queues = lane.queues[priority]
            if priority == Priority.REPLY or not queues:
                continue
            rkey = max(queues, key=lambda k: queues[k][-1].message_id)
            queue = queues[rkey]
            victim = queue[-1].message_id
            removed = 0
            while queue and queue[-1].message_id == victim:
                queue.pop()
                removed += 1
            if not queue:
                del queues[rkey]
            lane.size -= removed
            return removed
        raise RuntimeError("nothing to evict")  # _make_room checked there was room to make
