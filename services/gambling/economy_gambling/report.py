"""Personal records and the house report, computed from settled plays (the one source of truth)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.schemas.gambling import (
    GAMES,
    EscrowsResult,
    GamblerStats,
    GamblingSummary,
    GameRecord,
    GameSummary,
)
from economy_shared.users import user_key

from .duel_store import DuelStore
from .heist_store import HeistStore
from .ledger import ESCROW
from .odds import configured_returns
from .store import PlayStore


class Reports:
    def __init__(self, *, plays: PlayStore, duels: DuelStore, heists: HeistStore,
                 config: Callable[[], EconomyConfig], clock: Clock) -> None:
        self._plays = plays
        self._duels = duels
        self._heists = heists
        self._config = config
        self._clock = clock

    async def gambler_stats(self, channel: str, user: str) -> GamblerStats:
        games = await self._plays.user_games(channel_key(channel), user_key(user))

        def n(game: str) -> int:
            return games.get(game, {}).get("plays", 0)

        wagered = sum(g["wagered"] for g in games.values())
        paid = sum(g["paid"] for g in games.values())
        best = max((g["best"] for g in games.values()), default=0)
        worst = min((g["worst"] for g in games.values()), default=0)
        return GamblerStats(
            user=user,
            spins=n("spin"),
            free_spins=n("free_spin"),
            flips=n("flip"),
            challenges=n("challenge"),
            heists=n("heist"),
            lifetime_wagered=wagered,
            lifetime_paid=paid,
            net=paid - wagered,
            biggest_win=max(0, best),
            biggest_loss=max(0, -worst),
            games={k: GameRecord(plays=v["plays"], wagered=v["wagered"], paid=v["paid"]) for k, v in games.items()},
        )

    async def escrows(self, channel: str) -> EscrowsResult:
        """What should sit in the ledger's escrow account for ``channel``: every stake a live game holds."""
        chan = channel_key(channel)
        duels, duel_z, duel_flight = await self._duels.escrowed(chan)
        heists, heist_z, heist_flight = await self._heists.escrowed(chan)
        return EscrowsResult(account=ESCROW, challenges=duels, heists=heists, escrowed=duel_z + heist_z,
                             in_flight=duel_flight + heist_flight)

    async def house_summary(self, channel: str) -> GamblingSummary:
        g = self._config().gambling
        chan = channel_key(channel)
        house = await self._plays.house(chan)
        configured = configured_returns(g.spin, g.flip, g.challenge.rake_percent, g.heist)
        games = []
        for game in GAMES:
            row = house.get(game, {})
            wagered, paid = row.get("wagered", 0), row.get("paid", 0)
            games.append(GameSummary(
                game=game, plays=row.get("plays", 0), players=row.get("players", 0), wagered=wagered, paid=paid,
                configured_return=configured.get(game),
                actual_return=round(paid / wagered, 4) if wagered else None,
            ))
        since = to_ms(self._clock.now() - timedelta(hours=24))
        total_in = sum(x.wagered for x in games)
        total_out = sum(x.paid for x in games)
        return GamblingSummary(
            games=games, total_wagered=total_in, total_paid=total_out, house_net=total_in - total_out,
            active_gamblers_24h=await self._plays.active_gamblers(chan, since),
            escrowed=(await self.escrows(channel)).escrowed,
        )

