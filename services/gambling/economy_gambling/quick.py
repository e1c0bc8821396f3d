"""Spin, daily free spin and flip: self-contained games that settle in one ledger request.

Flow: validate → draw → claim (the drawn result is stored with the claim) → one idempotent ledger
request ``<game>:<token>`` → settle, or void on a refusal. If the ledger does not answer, the play
stays open and ``finish_stale`` re-sends the same body later, so a result is never paid twice or lost.
"""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.ledger_client import LedgerClient
from economy_shared.schemas.gambling import PlayResult
from economy_shared.schemas.ledger import Posting
from economy_shared.voice import Voice

from . import texts
from .gate import Gate
from .ledger import pending, play_postings, refusal
from .metrics import GamblingMetrics
from .odds import Rng, SlotTable, draw_flip, draw_spin, outcome_of
from .spawn import Spawn
from .store import Play, PlayStore


def postings_for(play: Play) -> list[Posting]:
    """The ledger body of a stand-alone play, rebuilt from what was stored with its claim."""
    d = play.detail
    if play.game == "flip":
        reason = "coin flip: " + ("heads" if d.get("won") else "tails")
    else:
        reason = f"slots {d.get('reels', '')}".strip()
    meta = {k: d[k] for k in ("symbol", "multiplier", "roll") if k in d} or None
    return play_postings(play.display, play.game, play.wager, play.payout, reason, meta)


def result_of(play: Play, balance: int | None) -> PlayResult:
    net = play.payout - play.wager
    jackpot = bool(play.detail.get("jackpot"))
    return PlayResult(
        game=play.game,  # type: ignore[arg-type]
        user=play.display,
        wager=play.wager,
        payout=play.payout,
        net=net,
        outcome=outcome_of(net, jackpot),  # type: ignore[arg-type]
        symbols=play.detail.get("reels", ""),
        balance=balance,
    )


class QuickGames:
    def __init__(self, *, gate: Gate, plays: PlayStore, ledger: LedgerClient, voice: Voice,
                 config: Callable[[], EconomyConfig], clock: Clock, rng: Rng, metrics: GamblingMetrics,
                 channels: ChannelDirectory, spawn: Spawn) -> None:
        self._gate = gate
        self._plays = plays
        self._ledger = ledger
        self._voice = voice
        self._config = config
        self._clock = clock
        self._rng = rng
        self._metrics = metrics
        self._channels = channels
        self._spawn = spawn

    @property
    def table(self) -> SlotTable:
        """Rebuilt from the live config, so a reload applies to the next spin (sprint 4 §9.31)."""
        return SlotTable.from_settings(self._config().gambling.spin)

    async def spin(self, channel: str, user: str, wager: int | None) -> PlayResult:
        if wager is None:
            return await self.free_spin(channel, user)
        await self._gate.check(channel, user, "spin", wager)
        draw = draw_spin(self.table, wager, self._rng)
        detail = {"reels": draw.display, "symbol": draw.symbol, "multiplier": draw.multiplier,
                  "jackpot": draw.jackpot}
        play, _ = await self._gate.claim(channel, user, "spin", wager=wager, payout=draw.payout, detail=detail)
        result = await self.settle(play)
        self.announce(channel, result)
        return result

    async def free_spin(self, channel: str, user: str) -> PlayResult:
        """The daily free spin: the same gate (enabled, ban, age) and a once-per-UTC-day claim; no wager."""
        await self._gate.check(channel, user, "free_spin", None)
        equivalent = self._config().gambling.daily_free_spin.equivalent_wager
        draw = draw_spin(self.table, equivalent, self._rng)
        detail = {"reels": draw.display, "symbol": draw.symbol, "multiplier": draw.multiplier,
                  "jackpot": draw.jackpot, "equivalent_wager": equivalent}
        play, _ = await self._gate.claim(channel, user, "free_spin", wager=0, payout=draw.payout, detail=detail)
        result = await self.settle(play)
        self.announce(channel, result)
        return result

    async def flip(self, channel: str, user: str, wager: int) -> PlayResult:
        await self._gate.check(channel, user, "flip", wager)
        draw = draw_flip(self._config().gambling.flip, wager, self._rng)
        play, _ = await self._gate.claim(channel, user, "flip", wager=wager, payout=draw.payout,
                                         detail={"won": draw.won})
        return await self.settle(play)

    async def settle(self, play: Play) -> PlayResult:
        return (await self.apply(play))[0]

    async def apply(self, play: Play) -> tuple[PlayResult, bool]:
        """Send the play's one ledger request; settle it, or void it and raise the line for the user.

        The flag is True only for the caller that moved the play to settled (it alone notifies). A free
        spin that pays nothing has no postings and needs no request.
        """
        balance: int | None = None
        postings = postings_for(play)
        if postings:
            outcome = await self._ledger.post(play.channel, play.key, postings)
            if not outcome.answered:
                raise pending()
            if not outcome.moved:
                await self._plays.mark(play.id, "void", self._clock.now())
                raise refusal(self._config(), outcome)
            balance = outcome.balance_of(play.display)
        if balance is None:
            view = await self._ledger.account(play.channel, play.display)
            balance = view.balance if view else None
        moved = await self._plays.mark(play.id, "settled", self._clock.now())
        if moved:
            self._metrics.count_play(play)
        return result_of(play, balance), moved

    def announce(self, channel: str, result: PlayResult) -> None:
        """Jackpots (multiplier ≥ jackpot_multiplier) and big net wins go to public chat, with the credited amount."""
        spin = self._config().gambling.spin
        if not spin.announce_jackpots_public or result.payout <= 0:
            return
        net = result.payout - result.wager
        if result.outcome == "jackpot":
            template = "jackpot"
        elif net >= spin.jackpot_announce_threshold:
            template = "big_win"
        else:
            return
        self._spawn(self._voice.announce(
            self._channels.display(channel), template, user=result.user, amount=result.payout,
            wager=result.wager, slots=result.symbols,
        ))

    async def finish_stale(self, before_ms: int) -> int:
        """Re-send plays whose ledger answer never came (ledger down, crash); PM the outcome once."""
        done = 0
        for play in await self._plays.stale_open(before_ms):
            channel = self._channels.display(play.channel)
            try:
                result, moved = await self.apply(play)
            except ServiceError as err:
                if err.code != ErrorCode.UNAVAILABLE:
                    await self._voice.notify(channel, play.display, f"Your {play.game.replace('_', ' ')} didn't go "
                                             f"through: {err.message}")
                    done += 1
                continue
            if moved:
                await self._voice.notify(channel, play.display, texts.play_text(self._config(), result))
                if play.game != "flip":
                    self.announce(play.channel, result)
                done += 1
        return done
