"""CyTube presence events (adduser, userleave, setafk, userlist) and restart recovery (DECISIONS 8, 9).

Sessions live in memory (``SessionBook`` per channel); joins and leaves are written behind in one
transaction per tick (``flush``). A genuine arrival is handed to ``on_arrival`` in the background.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, from_ms, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.subjects import userlist_bucket
from economy_shared.users import user_key

from .sessions import Arrival, SessionBook
from .store import PresenceStore

OnArrival = Callable[[str, Arrival], Awaitable[None]]


class SessionEvents:
    def __init__(
        self,
        books: Mapping[str, SessionBook],
        channels: ChannelDirectory,
        store: PresenceStore,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        on_arrival: OnArrival,
        spawn: Callable[..., Any],
        kv_get: Callable[..., Awaitable[Any]],
        count_event: Callable[[str], None],
        log: Any,
    ) -> None:
        self._books = books
        self._channels = channels
        self._store = store
        self._config = config
        self._clock = clock
        self._on_arrival = on_arrival
        self._spawn = spawn
        self._kv_get = kv_get
        self._count_event = count_event
        self._log = log
        self._joins: dict[str, dict[str, tuple[str, str, int, bool, int]]] = {c: {} for c in books}
        self._leaves: dict[str, dict[str, tuple[str, int]]] = {c: {} for c in books}

    async def load(self) -> None:
        for channel, book in self._books.items():
            seen = await self._store.last_seen_all(channel)
            book.last_seen.update({k: from_ms(ms) for k, ms in seen.items()})

    def _channel(self, event: Any) -> str | None:
        return self._channels.known(getattr(event, "channel", "") or "")

    # ---- write-behind -------------------------------------------------------------------------
    async def flush(self, channel: str) -> None:
        joins, leaves = self._joins[channel], self._leaves[channel]
        if not joins and not leaves:
            return
        self._joins[channel], self._leaves[channel] = {}, {}
        await self._store.record_sessions(channel, joins.values(), leaves.values())

    async def flush_all(self) -> None:
        for channel in self._books:
            await self.flush(channel)

    def _left(self, channel: str, key: str, at_ms: int) -> None:
        # A join not yet flushed stays queued: joins are written before leaves, so the user's row
        # exists (first seen) and the session row is then removed.
        self._leaves[channel][key] = (key, at_ms)

    # ---- events ----------------------------------------------------------------------------------
    def _join(self, channel: str, name: str, rank: int, afk: bool = False) -> Arrival | None:
        if self._config().is_ignored(name):
            return None
        book = self._books[channel]
        arrival = book.join(name, self._clock.now(), rank=rank, afk=afk)
        session = book.sessions[arrival.key]
        self._leaves[channel].pop(arrival.key, None)
        self._joins[channel][arrival.key] = (arrival.key, name, to_ms(session.started), session.afk, rank)
        return arrival

    async def on_join(self, event: Any) -> None:
        name, channel = getattr(event, "username", None), self._channel(event)
        if not isinstance(name, str) or channel is None:
            return
        self._count_event("adduser")
        arrival = self._join(channel, name, int(getattr(event, "rank", 0) or 0))
        if arrival is not None and arrival.genuine:
            self._spawn(self._on_arrival(channel, arrival))

    async def on_leave(self, event: Any) -> None:
        name, channel = getattr(event, "username", None), self._channel(event)
        if not isinstance(name, str) or channel is None:
            return
        self._count_event("userleave")
        now = self._clock.now()
        if self._books[channel].leave(name, now) is not None:
            self._left(channel, user_key(name), to_ms(now))

    async def on_afk(self, event: Any) -> None:
        payload, channel = getattr(event, "payload", None), self._channel(event)
        if isinstance(payload, dict) and isinstance(payload.get("name"), str) and channel is not None:
            self._books[channel].set_afk(payload["name"], bool(payload.get("afk")))

    async def on_userlist(self, event: Any) -> None:
        """The robot sends the whole list on (re)connect: join everyone in it, end sessions not in it."""
        users, channel = getattr(event, "payload", None), self._channel(event)
        if isinstance(users, list) and channel is not None:
            self._apply_userlist(channel, users)

    def _apply_userlist(self, channel: str, users: list[Any]) -> None:
        book = self._books[channel]
        listed = set()
        for u in users:
            if not isinstance(u, dict) or not isinstance(u.get("name"), str):
                continue
            meta = u.get("meta") if isinstance(u.get("meta"), dict) else {}
            arrival = self._join(channel, u["name"], int(u.get("rank", 0) or 0), afk=bool(meta.get("afk")))
            if arrival is not None:
                listed.add(arrival.key)
                if arrival.genuine:
                    self._spawn(self._on_arrival(channel, arrival))
        now = self._clock.now()
        for key in [k for k in book.sessions if k not in listed]:
            book.leave(book.sessions[key].display, now)
            self._left(channel, key, to_ms(now))

    # ---- restart recovery --------------------------------------------------------------------------
    async def recover(self, channel: str) -> None:
        """Users present at the last tick before a restart were seen then; the robot's KV says who is here now."""
        book = self._books[channel]
        last = await self._store.last_tick(channel)
        previous = await self._store.sessions(channel)
        last_at: datetime | None = from_ms(last[1]) if last is not None else None
        if last_at is not None:
            for s in previous:
                seen = book.last_seen.get(s["user_key"])
                book.last_seen[s["user_key"]] = max(seen, last_at) if seen else last_at
        users = await self._kv_userlist(channel)
        if users is not None:
            self._apply_userlist(channel, users)
        elif last_at is not None and self._clock.now() - last_at < book.debounce:
            for s in previous:  # a short restart without the robot's KV: carry on
                self._join(channel, s["display"], s["rank"], afk=bool(s["afk"]))
        else:
            left_ms = last[1] if last is not None else to_ms(self._clock.now())
            for s in previous:
                self._left(channel, s["user_key"], left_ms)
        await self.flush(channel)

    async def _kv_userlist(self, channel: str) -> list[Any] | None:
        try:
            raw = await self._kv_get(userlist_bucket(channel), "users", default=None, parse_json=True)
        except Exception as err:
            self._log.info("no_robot_userlist", channel=channel, error=type(err).__name__)
            return None
        return raw if isinstance(raw, list) else None
