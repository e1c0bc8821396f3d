"""Spin, daily free spin and flip: self-contained games that settle in one ledger request.

Flow: validate → draw → claim (the drawn result is stored with the claim) → one idempotent ledger
request ``<game>:<token>`` → settle, or void on a refusal. If the ledger does not answer, the play
stays open and ``finish_stale`` re-sends the same body later, so a result is never paid twice or lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.schemas.gambling import PlayResult
from economy_shared.schemas.ledger import Posting

from . import texts
from .gate import PENDING_TEXT, refused_text
from .ledger import Answer, play_postings, send
from .odds import SlotTable, draw_flip, draw_spin, outcome_of
from .store import Play

if TYPE_CHECKING:
    from .service import GamblingService


REFUSAL_CODES = {Answer.BANNED: ErrorCode.BANNED, Answer.INSUFFICIENT: ErrorCode.INSUFFICIENT_FUNDS}


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
    def __init__(self, service: GamblingService) -> None:
        self.service = service

    @property
    def table(self) -> SlotTable:
        """Rebuilt from the live config, so a reload applies to the next spin (sprint 4 §9.31)."""
        return SlotTable.from_settings(self.service.config.gambling.spin)

    async def spin(self, channel: str, user: str, wager: int | None) -> PlayResult:
        if wager is None:
            return await self.free_spin(channel, user)
        svc = self.service
        await svc.gate.check(channel, user, "spin", wager)
        draw = draw_spin(self.table, wager, svc.rng)
        detail = {"reels": draw.display, "symbol": draw.symbol, "multiplier": draw.multiplier,
                  "jackpot": draw.jackpot}
        play, _ = await svc.gate.claim(channel, user, "spin", wager=wager, payout=draw.payout, detail=detail)
        result = await self.settle(play)
        self.announce(channel, result)
        return result

    async def free_spin(self, channel: str, user: str) -> PlayResult:
        """The daily free spin: the same gate (enabled, ban, age) and a once-per-UTC-day claim; no wager."""
        svc = self.service
        await svc.gate.check(channel, user, "free_spin", None)
        equivalent = svc.config.gambling.daily_free_spin.equivalent_wager
        draw = draw_spin(self.table, equivalent, svc.rng)
        detail = {"reels": draw.display, "symbol": draw.symbol, "multiplier": draw.multiplier,
                  "jackpot": draw.jackpot, "equivalent_wager": equivalent}
        play, _ = await svc.gate.claim(channel, user, "free_spin", wager=0, payout=draw.payout, detail=detail)
        result = await self.settle(play)
        self.announce(channel, result)
        return result

    async def flip(self, channel: str, user: str, wager: int) -> PlayResult:
        svc = self.service
        await svc.gate.check(channel, user, "flip", wager)
        draw = draw_flip(svc.config.gambling.flip, wager, svc.rng)
        play, _ = await svc.gate.claim(channel, user, "flip", wager=wager, payout=draw.payout,
                                       detail={"won": draw.won})
        return await self.settle(play)

    async def settle(self, play: Play) -> PlayResult:
        return (await self.apply(play))[0]

    async def apply(self, play: Play) -> tuple[PlayResult, bool]:
        """Send the play's one ledger request; settle it, or void it and raise the line for the user.

        The flag is True only for the caller that moved the play to settled (it alone notifies).
        """
        svc = self.service
        posted = await send(svc.ledger, play.channel, play.key, postings_for(play))
        now = svc.clock.now()
        if posted.answer is Answer.UNAVAILABLE:
            raise ServiceError(ErrorCode.UNAVAILABLE, PENDING_TEXT)
        if not posted.ok:
            await svc.plays.mark(play.id, "void", now)
            code = REFUSAL_CODES.get(posted.answer, ErrorCode.CONFLICT)
            raise ServiceError(code, refused_text(svc, posted.answer.value))
        balance = posted.balance_of(play.display)
        if balance is None:
            view = await svc.ledger.account(play.channel, play.display)
            balance = view.balance if view else None
        moved = await svc.plays.mark(play.id, "settled", now)
        if moved:
            svc.count_play(play)
        return result_of(play, balance), moved

    def announce(self, channel: str, result: PlayResult) -> None:
        """Jackpots (multiplier ≥ jackpot_multiplier) and big net wins go to public chat, with the credited amount."""
        spin = self.service.config.gambling.spin
        if not spin.announce_jackpots_public or result.payout <= 0:
            return
        net = result.payout - result.wager
        if result.outcome == "jackpot":
            template = "jackpot"
        elif net >= spin.jackpot_announce_threshold:
            template = "big_win"
        else:
            return
        self.service.spawn(self.service.voice.announce(
            self.service.display_channel(channel), template, user=result.user, amount=result.payout,
            wager=result.wager, slots=result.symbols,
        ))

    async def finish_stale(self, before_ms: int) -> int:
        """Re-send plays whose ledger answer never came (ledger down, crash); PM the outcome once."""
        svc, done = self.service, 0
        for play in await svc.plays.stale_open(before_ms):
            channel = svc.display_channel(play.channel)
            try:
                result, moved = await self.apply(play)
            except ServiceError as err:
                if err.code != ErrorCode.UNAVAILABLE:
                    await svc.voice.notify(channel, play.display, f"Your {play.game.replace('_', ' ')} didn't go "
                                           f"through: {err.message}")
                    done += 1
                continue
            if moved:
                await svc.voice.notify(channel, play.display, texts.play_text(svc.config, result))
                if play.game != "flip":
                    self.announce(play.channel, result)
                done += 1
        return done
