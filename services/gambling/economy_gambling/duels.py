"""Challenges: ``challenge @user <wager>``, ``accept``, ``decline``, expiry and restart recovery.

Money: the challenger's stake is escrowed when the challenge is made (``challenge:<token>:escrow``).
Accepting takes the target's stake *and* settles in one request (``challenge:<token>:settle``: the
target's wager, the challenger's stake out of escrow, the prize to the winner; the rake is what the
escrow releases beyond the prize). Decline, withdrawal and expiry return the escrowed stake
(``challenge:<token>:refund``). Keys come from the challenge's token, so a retry after a crash or a
lost reply replays instead of paying twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

import aiosqlite

from economy_shared.clock import to_ms
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.pm.text import strip_at
from economy_shared.users import user_key

from . import texts
from .duel_store import Duel
from .gate import PENDING_TEXT, insufficient_text, refuse, refused_text
from .ledger import Answer, duel_postings, escrow_postings, refund_postings, send
from .odds import challenger_wins, duel_split
from .store import mark_play

if TYPE_CHECKING:
    from .service import GamblingService


class Duels:
    def __init__(self, service: GamblingService) -> None:
        self.service = service
        self.store = service.duels_store

    # ---- challenge -----------------------------------------------------------------------------
    async def challenge(self, channel: str, user: str, target_name: str, wager: int) -> str:
        svc, cfg = self.service, self.service.config
        name = strip_at(target_name)
        if not name:
            raise refuse(ErrorCode.BAD_REQUEST, "Usage: challenge @user <wager>")
        if user_key(name) == user_key(user):
            raise refuse(ErrorCode.BAD_REQUEST, "🪞 You can't challenge yourself.")
        if cfg.is_ignored(name):
            raise refuse(ErrorCode.FORBIDDEN, f"🤖 {name} doesn't play.")
        await svc.gate.check(channel, user, "challenge", wager)
        target = await svc.gate.account(channel, name)  # a lookup never creates an account (DECISIONS 1)
        if not target.found:
            raise refuse(ErrorCode.NOT_FOUND, f"🤷 I don't know anyone called {name}.")
        if target.banned:
            raise refuse(ErrorCode.FORBIDDEN, f"{target.user} can't gamble right now.")
        if target.balance < wager:
            raise refuse(ErrorCode.INSUFFICIENT_FUNDS, f"💸 {target.user} can't cover {wager:,} {cfg.currency.symbol}.")
        now = svc.clock.now()
        expires = now + timedelta(seconds=cfg.gambling.challenge.accept_timeout_seconds)
        chan, me, them = svc.key_of(channel), user_key(user), user_key(target.user)

        async def write(conn: aiosqlite.Connection, play_id: int) -> int:
            if await self.store.open_pair(conn, chan, me, them):
                raise refuse(ErrorCode.CONFLICT, f"⚔️ You and {target.user} already have a challenge open.")
            return await self.store.insert(
                conn, channel=chan, challenger_key=me, challenger=user, target_key=them, target=target.user,
                wager=wager, now_ms=to_ms(now), expires_ms=to_ms(expires), play_id=play_id,
            )

        _, duel_id = await svc.gate.claim(channel, user, "challenge", wager=wager, extra=write)
        duel = await self.store.get(int(duel_id or 0))
        assert duel is not None
        return await self.escrow(duel)

    async def escrow(self, duel: Duel) -> str:
        """Take the challenger's stake into escrow, then invite the target."""
        svc = self.service
        posted = await send(svc.ledger, duel.channel, duel.key("escrow"),
                            escrow_postings(duel.challenger, duel.wager, "challenge", duel.token, duel.target))
        if posted.answer is Answer.UNAVAILABLE:
            raise ServiceError(ErrorCode.UNAVAILABLE, PENDING_TEXT)
        now_ms = to_ms(svc.clock.now())
        if not posted.ok:
            async with svc.database.transaction() as conn:
                if await self.store.move(conn, duel.id, "opening", "void", now_ms, reason="refused"):
                    await mark_play(conn, duel.challenger_play, "void", now_ms)
            raise refuse(ErrorCode.INSUFFICIENT_FUNDS if posted.answer is Answer.INSUFFICIENT else ErrorCode.CONFLICT,
                         refused_text(svc, posted.answer.value))
        if await self.store.transition(duel.id, "opening", "pending", now_ms):
            seconds = max(0, (duel.expires_ms - now_ms) // 1000)
            await svc.voice.notify(svc.display_channel(duel.channel), duel.target,
                                   texts.invite(svc.config, duel.challenger, duel.wager, seconds))
        return texts.challenge_sent(svc.config, duel.target, duel.wager, posted.balance_of(duel.challenger))

    # ---- accept ------------------------------------------------------------------------------
    async def accept(self, channel: str, user: str, challenger: str | None = None) -> str:
        svc = self.service
        chan, me = svc.key_of(channel), user_key(user)
        duel = await self.store.find(chan, target_key=me,
                                     challenger_key=user_key(strip_at(challenger)) if challenger else None)
        if duel is None:
            raise refuse(ErrorCode.NOT_FOUND, "📭 No challenge is waiting for you.")
        now = svc.clock.now()
        if duel.expires_ms <= to_ms(now):
            await self.expire(duel)
            raise refuse(ErrorCode.CONFLICT, f"⌛ That challenge from {duel.challenger} expired; they got their "
                                             "stake back.")
        # The target passes the same gate as the challenger (review item H2): ban, age, funds, limits.
        await svc.gate.check(channel, user, "challenge", duel.wager)
        # The draw is made once per challenge and kept if a settlement is refused, so any retry of the
        # settlement sends the same body under the same key (a late commit can only ever be a replay).
        if duel.winner_key is not None and duel.rake is not None and duel.prize is not None:
            winner_key, rake, prize = duel.winner_key, duel.rake, duel.prize
        else:
            split = duel_split(duel.wager, svc.config.gambling.challenge.rake_percent)
            winner_key = duel.challenger_key if challenger_wins(svc.rng) else duel.target_key
            rake, prize = split.rake, split.prize

        async def take(conn: aiosqlite.Connection, play_id: int) -> None:
            moved = await self.store.move(conn, duel.id, "pending", "accepting", to_ms(now), unexpired_at=to_ms(now),
                                          target_play=play_id, winner_key=winner_key, rake=rake, prize=prize)
            if not moved:
                raise refuse(ErrorCode.CONFLICT, "⚔️ That challenge is no longer open.")

        await svc.gate.claim(channel, user, "challenge", wager=duel.wager, ref=duel.id, extra=take)
        accepted = await self.store.get(duel.id)
        assert accepted is not None
        text, _ = await self.settle(accepted)
        return text

    async def settle(self, duel: Duel) -> tuple[str, bool]:
        """Send the accept-and-settle request. Returns the target's line and whether this call finished it."""
        svc = self.service
        assert duel.prize is not None and duel.rake is not None and duel.target_play is not None
        postings = duel_postings(duel.target, duel.wager, duel.winner, duel.loser, duel.prize, duel.token, duel.rake)
        posted = await send(svc.ledger, duel.channel, duel.key("settle"), postings)
        now_ms = to_ms(svc.clock.now())
        if posted.answer is Answer.UNAVAILABLE:
            raise ServiceError(ErrorCode.UNAVAILABLE, PENDING_TEXT)
        if posted.answer is Answer.INSUFFICIENT:  # the target can no longer cover it: the challenge stays open
            async with svc.database.transaction() as conn:
                if await self.store.move(conn, duel.id, "accepting", "pending", now_ms, target_play=None):
                    await mark_play(conn, duel.target_play, "void", now_ms)
            raise refuse(ErrorCode.INSUFFICIENT_FUNDS, insufficient_text(svc, None))
        if posted.answer is Answer.FAILED:  # unexpected: keep it in flight (retried, logged), never guess
            svc.log.error("challenge_settlement_refused", challenge=duel.id)
            raise refuse(ErrorCode.CONFLICT, refused_text(svc, posted.answer.value))
        if not posted.ok:  # someone was banned meanwhile: call it off and return the stake
            async with svc.database.transaction() as conn:
                if await self.store.move(conn, duel.id, "accepting", "refunding", now_ms, reason="called_off"):
                    await mark_play(conn, duel.target_play, "void", now_ms)
            await self.refund(replace(duel, status="refunding", reason="called_off"))
            raise refuse(ErrorCode.BANNED, "⛔ That challenge was called off: one of you can't gamble right now. "
                                           "Stakes returned.")
        async with svc.database.transaction() as conn:
            moved = await self.store.move(conn, duel.id, "accepting", "settled", now_ms)
            if moved:
                challenger_won = duel.winner_key == duel.challenger_key
                await mark_play(conn, duel.challenger_play, "settled", now_ms, duel.prize if challenger_won else 0)
                await mark_play(conn, duel.target_play, "settled", now_ms, 0 if challenger_won else duel.prize)
        if moved:
            svc.count_duel(duel)
            channel = svc.display_channel(duel.channel)
            line = texts.duel_result(svc.config, duel, duel.challenger, posted.balance_of(duel.challenger))
            await svc.voice.notify(channel, duel.challenger, line)
            if svc.config.gambling.challenge.announce_public:
                svc.spawn(svc.voice.announce(channel, "challenge_result", winner=duel.winner, loser=duel.loser,
                                             wager=duel.wager, amount=duel.prize, rake=duel.rake))
        return texts.duel_result(svc.config, duel, duel.target, posted.balance_of(duel.target)), moved

    # ---- decline, withdraw, expire -----------------------------------------------------------------
    async def decline(self, channel: str, user: str, other: str | None = None) -> str:
        """Decline the oldest challenge to you (or ``other``'s); with none, withdraw your own."""
        svc = self.service
        chan, me = svc.key_of(channel), user_key(user)
        other_key = user_key(strip_at(other)) if other else None
        duel = await self.store.find(chan, target_key=me, challenger_key=other_key)
        reason = "declined"
        if duel is None:
            duel, reason = await self.store.find(chan, challenger_key=me, target_key=other_key), "withdrawn"
        if duel is None:
            raise refuse(ErrorCode.NOT_FOUND, "📭 You have no open challenge to decline.")
        if not await self.store.transition(duel.id, "pending", "refunding", to_ms(svc.clock.now()), reason=reason):
            raise refuse(ErrorCode.CONFLICT, "⚔️ That challenge is no longer open.")
        refunded = await self.refund(replace(duel, status="refunding", reason=reason))
        sym = svc.config.currency.symbol
        tail = "" if refunded else " (the refund will go through in a moment)"
        if reason == "declined":
            return f"🙅 You declined {duel.challenger}'s challenge; their {duel.wager:,} {sym} went back{tail}."
        return f"↩️ You withdrew your challenge to {duel.target}; your {duel.wager:,} {sym} is back{tail}."

    async def expire(self, duel: Duel) -> bool:
        if not await self.store.transition(duel.id, "pending", "refunding", to_ms(self.service.clock.now()),
                                           reason="expired"):
            return False
        return await self.refund(replace(duel, status="refunding", reason="expired"))

    async def refund(self, duel: Duel) -> bool:
        """Return the escrowed stake of a ``refunding`` challenge and tell whoever did not act. True once done."""
        svc = self.service
        posted = await send(svc.ledger, duel.channel, duel.key("refund"),
                            refund_postings([(duel.challenger, duel.wager)], "challenge", duel.token,
                                            f"challenge {duel.reason or 'refund'}"))
        if not posted.ok:
            svc.log.warning("challenge_refund_pending", challenge=duel.id, answer=posted.answer.value)
            return False
        now_ms = to_ms(svc.clock.now())
        async with svc.database.transaction() as conn:
            moved = await self.store.move(conn, duel.id, "refunding", "refunded", now_ms)
            if moved:
                await mark_play(conn, duel.challenger_play, "void", now_ms)
        if moved:
            channel = svc.display_channel(duel.channel)
            for user, line in texts.refund_notices(svc.config, duel):
                await svc.voice.notify(channel, user, line)
        return True

    async def expire_due(self) -> int:
        now_ms = to_ms(self.service.clock.now())
        return sum([await self.expire(d) for d in await self.store.expired(now_ms)])

    async def recover(self, before_ms: int) -> int:
        """Finish every challenge whose money step was in flight (start-up, ledger outages)."""
        done, voice = 0, self.service.voice
        for duel in await self.store.in_flight(before_ms):
            channel = self.service.display_channel(duel.channel)
            actor = duel.challenger if duel.status == "opening" else duel.target
            try:
                if duel.status == "opening":
                    await voice.notify(channel, actor, await self.escrow(duel))
                elif duel.status == "accepting":
                    line, moved = await self.settle(duel)
                    if moved:
                        await voice.notify(channel, actor, line)
                else:
                    await self.refund(duel)
                done += 1
            except ServiceError as err:
                if err.code != ErrorCode.UNAVAILABLE:  # refused: tell the one who was waiting on it
                    await voice.notify(channel, actor, err.message)
                    done += 1
        return done
