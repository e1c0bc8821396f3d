"""Personal records and the house report, computed from settled plays (the one source of truth)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from economy_shared.clock import to_ms
from economy_shared.schemas.gambling import (
    GAMES,
    EscrowsResult,
    GamblerStats,
    GamblingSummary,
    GameRecord,
    GameSummary,
)
from economy_shared.users import user_key

from .ledger import ESCROW
from .odds import configured_returns

if TYPE_CHECKING:
    from .service import GamblingService


async def gambler_stats(service: GamblingService, channel: str, user: str) -> GamblerStats:
    games = await service.plays.user_games(service.key_of(channel), user_key(user))

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


async def escrows(service: GamblingService, channel: str) -> EscrowsResult:
    chan = service.key_of(channel)
    duels, duel_z, duel_flight = await service.duels_store.escrowed(chan)
    heists, heist_z, heist_flight = await service.heist_store.escrowed(chan)
    return EscrowsResult(account=ESCROW, challenges=duels, heists=heists, escrowed=duel_z + heist_z,
                         in_flight=duel_flight + heist_flight)


async def house_summary(service: GamblingService, channel: str) -> GamblingSummary:
    g = service.config.gambling
    chan = service.key_of(channel)
    house = await service.plays.house(chan)
    configured = configured_returns(g.spin, g.flip, g.challenge.rake_percent, g.heist)
    games = []
    for game in GAMES:
        row = house.get(game, {})
        wagered, paid = row.get("wagered", 0), row.get("paid", 0)
        games.append(GameSummary(
            game=game, plays=row.get("plays", 0), players=row.get("players", 0), wagered=wagered, paid=paid,
            configured_return=configured.get(game), actual_return=round(paid / wagered, 4) if wagered else None,
        ))
    since = to_ms(service.clock.now() - timedelta(hours=24))
    total_in = sum(x.wagered for x in games)
    total_out = sum(x.paid for x in games)
    return GamblingSummary(
        games=games, total_wagered=total_in, total_paid=total_out, house_net=total_in - total_out,
        active_gamblers_24h=await service.plays.active_gamblers(chan, since),
        escrowed=(await escrows(service, channel)).escrowed,
    )
