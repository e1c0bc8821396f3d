"""Presence service wiring: CyTube presence events, restart recovery, the wall-clock tick."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from economy_shared.clock import from_ms, to_ms
from economy_shared.db import Database
from economy_shared.ledger_client import LedgerClient
from economy_shared.runtime.service import EconomyService
from economy_shared.schedule import run_aligned
from economy_shared.subjects import userlist_bucket

from . import api
from .arrivals import on_genuine_arrival
from .batching import CreditBatcher
from .chat import ChatRewards
from .sessions import Arrival, Session, SessionBook
from .store import MIGRATIONS, PresenceStore
from .tick import SOURCE, run_tick
from .timed import TimedRewards


class PresenceService(EconomyService):
    name = "presence"
    autotick = True  # in-process tests drive ticks by hand

    async def setup(self) -> None:
        self.database = Database(self.db_path(), MIGRATIONS, busy_timeout_ms=self.config.database.busy_timeout_ms)
        await self.database.open()
        self.store = PresenceStore(self.database)
        self.ledger = LedgerClient(self.client, timeout=max(5.0, self.config.nats.request_timeout_seconds))
        self.credits = CreditBatcher(self.ledger)
        debounce = timedelta(minutes=self.config.presence.join_debounce_minutes)
        self.books: dict[str, SessionBook] = {c: SessionBook(debounce) for c in self.config.channel_names()}
        self.carries: dict[str, dict[str, int]] = {}
        self.last_slot = -1
        self._dirty_joins: dict[str, dict[str, tuple[str, str, int, bool, int]]] = {c: {} for c in self.books}
        self._dirty_leaves: dict[str, dict[str, tuple[str, int]]] = {c: {} for c in self.books}
        reg = self.metrics.registry
        self.tick_seconds = Histogram(
            "economy_presence_tick_seconds", "Presence tick duration", ["channel"], registry=reg,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.z_earned = Counter("economy_z_earned_total", "Z earned via presence-and-earning", ["channel", "source"],
                                registry=reg)
        self.active_users = Gauge("economy_active_users", "Earning-eligible present users", ["channel"], registry=reg)
        for channel in self.books:
            self.carries[channel] = await self.store.carries(channel, SOURCE)
            seen = await self.store.last_seen_all(channel)
            self.books[channel].last_seen.update({k: from_ms(ms) for k, ms in seen.items()})
        api.register(self)
        self.enable_pm()
        self.client.on("adduser")(self._on_join)
        self.client.on("userleave")(self._on_leave)
        self.client.on("setafk")(self._on_afk)
        self.client.on("userlist")(self._on_userlist)
        self.timed = TimedRewards(self)
        self.chat = ChatRewards(self)
        await self.timed.setup()
        await self.chat.setup()

    async def start(self) -> None:
        for channel in self.books:
            await self._recover(channel)
        await self.timed.start()
        await self.chat.start()
        if self.autotick:
            self.spawn(
                run_aligned(self.clock, lambda: self.config.presence.tick_interval_seconds, self._scheduled_tick,
                            "presence_tick"),
                name="presence-tick",
            )

    async def stop(self) -> None:
        await self.chat.stop()
        await self.credits.close()
        for channel in self.books:
            await self.flush_sessions(channel)
        await self.database.close()

    async def health_details(self) -> dict[str, Any]:
        return {"status": "healthy", "present": {c: len(b.sessions) for c, b in self.books.items()}}

    # ---- helpers used by api/tick ------------------------------------------------------------
    def canonical(self, channel: str) -> str:
        for c in self.books:
            if c.casefold() == channel.casefold():
                return c
        return channel

    def book_for(self, channel: str) -> SessionBook | None:
        return self.books.get(self.canonical(channel))

    def eligible_names(self, channel: str) -> list[str]:
        book = self.books.get(channel)
        if book is None:
            return []
        return sorted(s.display for s in book.sessions.values() if not self.config.is_ignored(s.display))

    async def streak_days(self, channel: str, key: str) -> int:
        return await self.timed.streak_days(self.canonical(channel), key)

    async def on_minutes(self, channel: str, present: dict[str, Session], at: datetime) -> None:
        """After each tick's minute is recorded: milestones, streaks, bridge."""
        await self.timed.on_minutes(channel, present, at)

    # ---- the tick ------------------------------------------------------------------------------
    async def _scheduled_tick(self, slot: int, at: datetime) -> None:
        for channel in self.books:
            await self.flush_sessions(channel)
        await run_tick(self, slot, at)

    async def flush_sessions(self, channel: str) -> None:
        joins, leaves = self._dirty_joins[channel], self._dirty_leaves[channel]
        if not joins and not leaves:
            return
        self._dirty_joins[channel], self._dirty_leaves[channel] = {}, {}
        await self.store.record_sessions(channel, joins.values(), leaves.values())

    # ---- events ----------------------------------------------------------------------------------
    def _join(self, channel: str, name: str, rank: int, afk: bool = False) -> Arrival | None:
        if self.config.is_ignored(name):
            return None
        book = self.book_for(channel)
        if book is None:
            return None
        now = self.clock.now()
        arrival = book.join(name, now, rank=rank, afk=afk)
        channel = self.canonical(channel)
        session = book.sessions[arrival.key]
        self._dirty_leaves[channel].pop(arrival.key, None)
        self._dirty_joins[channel][arrival.key] = (arrival.key, name, to_ms(session.started), session.afk, rank)
        return arrival

    async def _on_join(self, event: Any) -> None:
        name = getattr(event, "username", None)
        if not isinstance(name, str):
            return
        self.metrics.events.labels(self.name, "adduser").inc()
        arrival = self._join(event.channel, name, int(getattr(event, "rank", 0) or 0))
        if arrival is not None and arrival.genuine:
            self.spawn(self.on_arrival(self.canonical(event.channel), arrival))

    async def on_arrival(self, channel: str, arrival: Arrival) -> None:
        self.chat.on_arrival(channel, arrival)
        await on_genuine_arrival(self, channel, arrival)
        await self.timed.on_arrival(channel, arrival)

    async def _on_leave(self, event: Any) -> None:
        name = getattr(event, "username", None)
        book = self.book_for(getattr(event, "channel", ""))
        if not isinstance(name, str) or book is None:
            return
        self.metrics.events.labels(self.name, "userleave").inc()
        now = self.clock.now()
        if book.leave(name, now) is not None:
            channel = self.canonical(event.channel)
            key = name.strip().casefold()
            # A join not yet flushed stays queued: joins are written before leaves, so the user's
            # row exists (first seen) and the session row is then removed.
            self._dirty_leaves[channel][key] = (key, to_ms(now))

    async def _on_afk(self, event: Any) -> None:
        payload = getattr(event, "payload", None)
        book = self.book_for(getattr(event, "channel", ""))
        if isinstance(payload, dict) and isinstance(payload.get("name"), str) and book is not None:
            book.set_afk(payload["name"], bool(payload.get("afk")))

    async def _on_userlist(self, event: Any) -> None:
        """The robot sends the whole list on (re)connect: join everyone in it, end sessions not in it."""
        users = getattr(event, "payload", None)
        if isinstance(users, list):
            await self._apply_userlist(self.canonical(event.channel), users)

    async def _apply_userlist(self, channel: str, users: list[Any]) -> None:
        book = self.books.get(channel)
        if book is None:
            return
        listed = set()
        for u in users:
            if not isinstance(u, dict) or not isinstance(u.get("name"), str):
                continue
            meta = u.get("meta") if isinstance(u.get("meta"), dict) else {}
            arrival = self._join(channel, u["name"], int(u.get("rank", 0) or 0), afk=bool(meta.get("afk")))
            if arrival is not None:
                listed.add(arrival.key)
                if arrival.genuine:
                    self.spawn(self.on_arrival(channel, arrival))
        now = self.clock.now()
        for key in [k for k in book.sessions if k not in listed]:
            book.leave(book.sessions[key].display, now)
            self._dirty_leaves[channel][key] = (key, to_ms(now))

    # ---- restart recovery --------------------------------------------------------------------------
    async def _recover(self, channel: str) -> None:
        """Users present at the last tick before a restart were seen then; the robot's KV says who is here now."""
        book = self.books[channel]
        last = await self.store.last_tick(channel)
        previous = await self.store.sessions(channel)
        if last is not None:
            self.last_slot = max(self.last_slot, last[0])
            last_at = from_ms(last[1])
            for s in previous:
                seen = book.last_seen.get(s["user_key"])
                book.last_seen[s["user_key"]] = max(seen, last_at) if seen else last_at
        users = await self._kv_userlist(channel)
        if users is not None:
            await self._apply_userlist(channel, users)
        elif last is not None and self.clock.now() - from_ms(last[1]) < book.debounce:
            for s in previous:  # a short restart without the robot's KV: carry on
                self._join(channel, s["display"], s["rank"], afk=bool(s["afk"]))
        else:
            now_ms = to_ms(self.clock.now())
            for s in previous:
                self._dirty_leaves[channel][s["user_key"]] = (s["user_key"], last[1] if last else now_ms)
        await self.flush_sessions(channel)

    async def _kv_userlist(self, channel: str) -> list[Any] | None:
        try:
            raw = await self.client.kv_get(userlist_bucket(channel), "users", default=None, parse_json=True)
        except Exception as err:
            self.log.info("no_robot_userlist", channel=channel, error=type(err).__name__)
            return None
        return raw if isinstance(raw, list) else None
