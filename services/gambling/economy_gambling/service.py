"""Gambling service wiring: storage, games, request routes, PM commands, the resolve loop, recovery."""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

from prometheus_client import Counter, Gauge

from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.ledger_client import LedgerClient
from economy_shared.runtime.service import EconomyService

from . import api, commands
from .duel_store import Duel, DuelStore
from .duels import Duels
from .gate import Gate
from .heist_store import Heist, HeistStore, Seat
from .heists import Heists
from .odds import Rng
from .quick import QuickGames
from .report import escrows
from .store import MIGRATIONS, Play, PlayStore

# A money step not confirmed after this long is re-sent by the resolve loop (its key makes that safe).
STALE_SECONDS = 15.0


class GamblingService(EconomyService):
    """``autoresolve=False`` leaves the resolve loop off; tests then call ``resolve_due()`` themselves."""

    name = "gambling"
    autoresolve = True
    poll_seconds = 1.0

    def __init__(self, config: EconomyConfig, client: Any, clock: Clock | None = None, *,
                 rng: Rng | None = None) -> None:
        super().__init__(config, client, clock)
        self.rng: Rng = rng or random.SystemRandom()
        self._loop: asyncio.Task[None] | None = None

    async def setup(self) -> None:
        self.database = Database(self.db_path(), MIGRATIONS, busy_timeout_ms=self.config.database.busy_timeout_ms)
        await self.database.open()
        self.channels = {c.casefold(): c for c in self.config.channel_names()}
        self.plays = PlayStore(self.database)
        self.duels_store = DuelStore(self.database)
        self.heist_store = HeistStore(self.database)
        self.ledger = LedgerClient(self.client, timeout=max(5.0, self.config.nats.request_timeout_seconds))
        self.gate = Gate(self)
        self.quick = QuickGames(self)
        self.duels = Duels(self)
        self.heists = Heists(self)
        reg = self.metrics.registry
        self.played = Counter("economy_gambling_plays_total", "Settled plays", ["channel", "game", "outcome"],
                              registry=reg)
        self.wagered = Counter("economy_gambling_wagered_total", "Z wagered in settled plays", ["channel", "game"],
                               registry=reg)
        self.paid = Counter("economy_gambling_paid_total", "Z paid out by settled plays", ["channel", "game"],
                            registry=reg)
        self.escrow_gauge = Gauge("economy_gambling_escrowed", "Z held in escrow by open games", ["channel"],
                                  registry=reg)
        api.register(self)
        self.enable_pm()
        commands.register(self)

    async def start(self) -> None:
        # Every stake that was in flight or waiting when we stopped is settled or refunded now; what the
        # ledger cannot take yet (it is down too) stays persisted and the loop finishes it later.
        try:
            recovered = await self.resolve_due(stale_before_ms=to_ms(self.clock.now()))
            if recovered:
                self.log.info("recovered_games", count=recovered)
        except Exception:
            self.log.exception("recovery_pass_failed")
        if self.autoresolve:
            self._loop = self.spawn(self._resolve_loop(), name="gambling-resolve")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        busy = [t for t in self._tasks if not t.done() and t is not asyncio.current_task()]
        if busy:  # let commands in flight finish their transactions before the file closes
            await asyncio.wait(busy, timeout=5.0)
        await self.database.close()

    async def health_details(self) -> dict[str, Any]:
        held = {}
        for chan in self.channels.values():
            result = await escrows(self, chan)
            self.escrow_gauge.labels(chan).set(result.escrowed)
            held[chan] = result.escrowed
        return {"status": "healthy", "escrowed": held}

    # ---- timers ----------------------------------------------------------------------------------
    async def resolve_due(self, stale_before_ms: int | None = None) -> int:
        """One pass: re-send unconfirmed money steps, expire challenges, resolve heists past their window."""
        now_ms = to_ms(self.clock.now())
        before = stale_before_ms if stale_before_ms is not None else now_ms - int(STALE_SECONDS * 1000)
        done = await self.quick.finish_stale(before)
        done += await self.duels.recover(before)
        done += await self.heists.recover(before)
        done += await self.duels.expire_due()
        done += await self.heists.resolve_due()
        return done

    async def _resolve_loop(self) -> None:
        while True:
            await self.clock.sleep(self.poll_seconds)
            try:
                await self.resolve_due()
            except Exception:
                self.log.exception("resolve_pass_failed")

    # ---- helpers used by the games ---------------------------------------------------------------
    def key_of(self, channel: str) -> str:
        return channel.strip().casefold()

    def display_channel(self, channel: str) -> str:
        """The channel as configured (the robot and the announcer need its exact name)."""
        return self.channels.get(self.key_of(channel), channel)

    def _count(self, channel: str, game: str, wager: int, payout: int) -> None:
        net = payout - wager
        outcome = "win" if net > 0 else "push" if net == 0 else "loss"
        self.played.labels(channel, game, outcome).inc()
        self.wagered.labels(channel, game).inc(wager)
        self.paid.labels(channel, game).inc(payout)

    def count_play(self, play: Play) -> None:
        self._count(play.channel, play.game, play.wager, play.payout)

    def count_duel(self, duel: Duel) -> None:
        won = duel.winner_key == duel.challenger_key
        self._count(duel.channel, "challenge", duel.wager, (duel.prize or 0) if won else 0)
        self._count(duel.channel, "challenge", duel.wager, 0 if won else (duel.prize or 0))

    def count_heist(self, heist: Heist, seats: list[Seat], payouts: dict[str, int]) -> None:
        for s in seats:
            if s.user_key in payouts:
                self._count(heist.channel, "heist", s.stake, payouts[s.user_key])
