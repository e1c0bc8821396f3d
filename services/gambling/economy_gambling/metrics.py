"""Gambling's own Prometheus metrics (on the service's registry): what settled plays took and paid."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from .duel_store import Duel
from .heist_store import Heist, Seat
from .store import Play


class GamblingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.played = Counter("economy_gambling_plays_total", "Settled plays", ["channel", "game", "outcome"],
                              registry=registry)
        self.wagered = Counter("economy_gambling_wagered_total", "Z wagered in settled plays", ["channel", "game"],
                               registry=registry)
        self.paid = Counter("economy_gambling_paid_total", "Z paid out by settled plays", ["channel", "game"],
                            registry=registry)
        self.escrow = Gauge("economy_gambling_escrowed", "Z held in escrow by open games", ["channel"],
                            registry=registry)

    def _count(self, channel: str, game: str, wager: int, payout: int) -> None:
        net = payout - wager
        outcome = "win" if net > 0 else "push" if net == 0 else "loss"
        self.played.labels(channel, game, outcome).inc()
        self.wagered.labels(channel, game).inc(wager)
        self.paid.labels(channel, game).inc(payout)

    def count_play(self, play: Play) -> None:
        self._count(play.channel, play.game, play.wager, play.payout)

    def count_duel(self, duel: Duel) -> None:
        """Both sides of a settled challenge: the winner is paid the prize, the loser nothing."""
        won = duel.winner_key == duel.challenger_key
        self._count(duel.channel, "challenge", duel.wager, (duel.prize or 0) if won else 0)
        self._count(duel.channel, "challenge", duel.wager, 0 if won else (duel.prize or 0))

    def count_heist(self, heist: Heist, seats: list[Seat], payouts: dict[str, int]) -> None:
        for s in seats:
            if s.user_key in payouts:
                self._count(heist.channel, "heist", s.stake, payouts[s.user_key])

    def escrowed(self, channel: str, amount: int) -> None:
        self.escrow.labels(channel).set(amount)
