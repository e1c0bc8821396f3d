"""Chat, content and social earning (sprint 3): every trigger, ``rewards`` and ``like``.

``ChatRewards`` is the hook object the presence service constructs and calls. It wires the
``chatmsg``/``changemedia``/``emotelist`` handlers to the in-memory ``ChatEngine``, restores
persisted state at setup, recovers the current media from the robot's KV at start, and writes
state behind (``flush``), coalescing everything changed within ``flush_delay`` seconds into one
transaction. Modules: ``matching`` (text), ``triggers`` (pure rules), ``limits`` (caps),
``aliases`` (userstats), ``people`` (name resolution), ``media`` (plays), ``engine`` (chat path),
``content`` (media changes, arrivals), ``payer`` (credits), ``activity`` (counters, analytics),
``store`` (SQL), ``commands`` (PM).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from economy_shared.clock import day_str, from_ms, to_ms
from economy_shared.runtime.logging import get_logger

from . import commands
from .activity import Activity
from .aliases import AliasResolver
from .content import ContentEvents
from .engine import COMMENT, ChatEngine
from .limits import Limits
from .media import Play
from .payer import Payer
from .store import SCHEMA, ChatStore, FlushBatch

if TYPE_CHECKING:
    from ..service import PresenceService
    from ..sessions import Arrival

# Migration 3 of the presence database belongs to this package.
MIGRATION: list[str] = list(SCHEMA)

log = get_logger("economy.presence.chat")
PRUNE_EVERY = timedelta(minutes=10)


class ChatRewards:
    flush_delay: float = 0.5  # seconds of changes coalesced into one write (tests set 0)

    def __init__(self, service: PresenceService) -> None:
        self.service = service

    async def setup(self) -> None:
        """Load persisted state; register ``chatmsg``, ``changemedia``, ``emotelist`` and PM commands."""
        svc = self.service
        self.store = ChatStore(svc.database)
        self.limits = Limits()
        self.activity = Activity()
        self.aliases = AliasResolver(svc.client, timeout=1.0)
        self.payer = Payer(svc, self.activity, self.changed)
        self.engine = ChatEngine(svc, self.limits, self.activity, self.payer, self.aliases, self.changed)
        self.content = ContentEvents(self.engine)
        self._flush_pending = False
        self._last_prune = svc.clock.now()
        self._saved_plays: dict[str, Play | None] = {}
        self.limits.load(await self.store.load_limits(to_ms(svc.clock.now())))
        for channel, st in self.engine.channels.items():
            last_ms, speaker = await self.store.load_channel(channel)
            st.last_at, st.last_speaker = (from_ms(last_ms) if last_ms is not None else None), speaker
            st.carries = await self.store.load_carries(channel, COMMENT)
            saved = await self.store.load_play(channel)
            self._saved_plays[channel] = Play.from_row(*saved) if saved else None
            st.play = self._saved_plays[channel]
        svc.client.on("chatmsg")(self._on_chat)
        svc.client.on("changemedia")(self._on_media)
        svc.client.on("emotelist")(self._on_emotes)
        commands.register(self)

    async def start(self) -> None:
        """Recover the current media from the robot's KV state; load the emote list."""
        for channel in self.engine.channels:
            await self.content.recover(channel, self._saved_plays.get(channel))
            await self.content.load_emotes(channel)

    async def stop(self, drain_seconds: float = 3.0) -> None:
        """Let queued credits finish for a moment, then write everything still in memory.

        Called by the service before it closes the database. Credits still queued after the wait
        are cancelled with the service's tasks and go unpaid (a shutdown during a burst).
        """
        deadline = asyncio.get_running_loop().time() + drain_seconds
        while self.payer.pending and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        await self.flush()

    def on_arrival(self, channel: str, arrival: Arrival) -> None:
        """A genuine arrival (called by the service, synchronously)."""
        self.content.on_arrival(channel, arrival)

    # ---- event handlers: cheap and synchronous inside ------------------------------------------
    async def _on_chat(self, event: Any) -> None:
        self.engine.on_message(event)

    async def _on_media(self, event: Any) -> None:
        self.content.on_change(event)

    async def _on_emotes(self, event: Any) -> None:
        self.content.on_emotes(event)

    # ---- write-behind --------------------------------------------------------------------------
    def changed(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            self.service.spawn(self._flush_soon(), name="chat-flush")

    async def _flush_soon(self) -> None:
        if self.flush_delay > 0:
            await asyncio.sleep(self.flush_delay)
        await self.flush()

    async def flush(self) -> None:
        self._flush_pending = False
        batch = self._collect()
        if batch.empty():
            return
        try:
            await self.store.write(batch)
        except Exception as err:
            log.error("chat_flush_failed", error=repr(err))
            self._restore(batch)

    def _collect(self) -> FlushBatch:
        e, now = self.engine, self.service.clock.now()
        batch = FlushBatch(limits=self.limits.take_dirty(), activity=self.activity.take(), carry_source=COMMENT)
        for ch in e.dirty_channels:
            st = e.channels[ch]
            batch.channels[ch] = (to_ms(st.last_at) if st.last_at else None, st.last_speaker)
        for ch in e.dirty_plays:
            play = e.channels[ch].play
            batch.plays[ch] = play.to_row() if play is not None else None
        for ch, user in e.dirty_carries:
            batch.carries[(ch, user)] = e.channels[ch].carries.get(user, 0)
        e.dirty_channels, e.dirty_plays, e.dirty_carries = set(), set(), set()
        if now - self._last_prune >= PRUNE_EVERY:
            self._last_prune = now
            batch.prune_ms, batch.today = to_ms(now), day_str(now)
            self.limits.prune(to_ms(now))
            for st in e.channels.values():
                st.carries = {k: v for k, v in st.carries.items() if v}
        return batch

    def _restore(self, batch: FlushBatch) -> None:
        e = self.engine
        self.limits.mark_dirty(batch.limits)
        self.activity.restore(batch.activity)
        e.dirty_channels |= set(batch.channels)
        e.dirty_plays |= set(batch.plays)
        e.dirty_carries |= set(batch.carries)
