"""Chat, content and social earning (sprint 3): every trigger, ``rewards`` and ``like``.

``ChatRewards`` is built by the presence service from its collaborators. Its ``on_chat`` /
``on_media`` / ``on_emotes`` handlers feed the in-memory ``ChatEngine``; it restores persisted state
(``load``), recovers the current media from the robot's KV at start, and writes state behind
(``flush``), coalescing everything changed within ``flush_delay`` seconds into one transaction.
Modules: ``matching`` (text), ``triggers`` (pure rules), ``limits`` (caps), ``aliases`` (userstats),
``people`` (name resolution), ``media`` (plays), ``engine`` (chat path), ``content`` (media changes,
arrivals), ``payer`` (credits), ``likes`` (``like``), ``activity`` (counters, analytics), ``guide``
(the ``rewards`` text), ``store`` (SQL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, day_str, from_ms, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.ledger_client import LedgerClient
from economy_shared.runtime.logging import get_logger
from economy_shared.userstats import AliasResolver

from ..credit import CreditPath
from ..metrics import PresenceMetrics
from ..sessions import Arrival, SessionBook
from .activity import Activity
from .content import ContentEvents
from .engine import COMMENT, ChatEngine
from .guide import all_triggers
from .likes import Likes
from .limits import Limits
from .media import Play
from .payer import BoostTrigger, TriggerPayer
from .people import People
from .store import ChatStore, FlushBatch

log = get_logger("economy.presence.chat")
PRUNE_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class TriggerReport:
    day: str
    rows: list[dict[str, Any]]  # trigger_id, hits, unique_users, z_awarded
    dead: list[str]  # enabled triggers nobody hit today


class ChatRewards:
    flush_delay: float = 0.5  # seconds of changes coalesced into one write (tests set 0)

    def __init__(
        self,
        database: Database,
        credits: CreditPath,
        account_reads: LedgerClient,
        client: Any,
        books: Mapping[str, SessionBook],
        channels: ChannelDirectory,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        spawn: Callable[..., Any],
        metrics: PresenceMetrics,
        log: Any,
        boost: BoostTrigger | None = None,
    ) -> None:
        """``client`` serves the read-only lookups: userstats aliases and the robot's KV state; ``boost``
        applies the earning multipliers to every trigger's pay (events/boosts.py)."""
        self._config = config
        self._clock = clock
        self._spawn = spawn
        self.store = ChatStore(database)
        self.limits = Limits()
        self.activity = Activity()
        self.aliases = AliasResolver(client, timeout=1.0)
        self.payer = TriggerPayer(credits, self.activity, self.changed, spawn, metrics, log, boost=boost)
        self.engine = ChatEngine(config, clock, spawn, channels, self.limits, self.activity, self.payer,
                                 self.aliases, People(books, account_reads), self.changed)
        current_media: Callable[[str], Awaitable[Any]] = client.get_state_current_media
        self.content = ContentEvents(self.engine, config, clock, current_media, client.kv_get)
        self.likes = Likes(self.engine, self.store, self.payer, config, clock)
        self._flush_pending = False
        self._last_prune = clock.now()
        self._saved_plays: dict[str, Play | None] = {}

    async def load(self) -> None:
        """Load persisted state (caps, channel chat state, comment carries, the saved play)."""
        self.limits.load(await self.store.load_limits(to_ms(self._clock.now())))
        for channel, st in self.engine.channels.items():
            last_ms, speaker = await self.store.load_channel(channel)
            st.last_at, st.last_speaker = (from_ms(last_ms) if last_ms is not None else None), speaker
            st.carries = await self.store.load_carries(channel, COMMENT)
            saved = await self.store.load_play(channel)
            self._saved_plays[channel] = Play.from_row(*saved) if saved else None
            st.play = self._saved_plays[channel]

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
        """A genuine arrival (called synchronously by the arrival hook)."""
        self.content.on_arrival(channel, arrival)

    # ---- event handlers: cheap and synchronous inside ------------------------------------------
    async def on_chat(self, event: Any) -> None:
        self.engine.on_message(event)

    async def on_media(self, event: Any) -> None:
        self.content.on_change(event)

    async def on_emotes(self, event: Any) -> None:
        self.content.on_emotes(event)

    # ---- use cases ------------------------------------------------------------------------------
    async def triggers_report(self, channel: str) -> TriggerReport | None:
        """Today's hits, distinct users and Z per trigger, and the enabled triggers nobody hit."""
        st = self.engine.state(channel)
        if st is None:
            return None
        await self.flush()
        day = day_str(self._clock.now())
        rows = [dict(r) for r in await self.store.analytics(st.name, day)]
        seen = {r["trigger_id"] for r in rows}
        dead = sorted(tid for tid, t in all_triggers(self._config()).items() if t.enabled and tid not in seen)
        return TriggerReport(day, rows, dead)

    # ---- write-behind --------------------------------------------------------------------------
    def changed(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            self._spawn(self._flush_soon(), name="chat-flush")

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
        e, now = self.engine, self._clock.now()
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
