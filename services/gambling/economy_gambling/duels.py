"""Challenges: ``challenge @user <wager>``, ``accept``, ``decline``, expiry and restart recovery.

Money: the challenger's stake is escrowed when the challenge is made (``challenge:<token>:escrow``).
Accepting takes the target's stake *and* settles in one request (``Duel.settle_key``: the target's
wager, the challenger's stake out of escrow, the prize to the winner; the rake is what the escrow
releases beyond the prize). Decline, withdrawal and expiry return the escrowed stake
(``challenge:<token>:refund``). Keys come from the challenge's token, so a retry after a crash or a
lost reply replays instead of paying twice.

The ledger stores a refusal as the key's answer. A target who could not cover the stake leaves the
challenge open, and a later accept is a new attempt: it goes out in the next ``settle_round``, under
its own key (a retry of the *same* attempt keeps the key and the body, both rebuilt from the row).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import aiosqlite

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.ledger_client import LedgerClient
from economy_shared.pm.text import strip_at
from economy_shared.runtime.logging import get_logger
from economy_shared.users import user_key
from economy_shared.voice import Voice

from . import texts
from .duel_store import Duel, DuelStore
from .gate import Gate, refuse
from .ledger import duel_postings, escrow_postings, pending, refund_postings, refusal
from .metrics import GamblingMetrics
from .odds import Rng, challenger_wins, duel_split
from .spawn import Spawn

log = get_logger("economy.gambling.duels", service="gambling")


class Duels:
    def __init__(self, *, gate: Gate, store: DuelStore, ledger: LedgerClient, voice: Voice,
                 config: Callable[[], EconomyConfig], clock: Clock, rng: Rng, metrics: GamblingMetrics,
                 channels: ChannelDirectory, spawn: Spawn) -> None:
        self._gate = gate
        self.store = store
        self._ledger = ledger
        self._voice = voice
        self._config = config
        self._clock = clock
        self._rng = rng
        self._metrics = metrics
        self._channels = channels
        self._spawn = spawn

    def _now_ms(self) -> int:
        return to_ms(self._clock.now())

    # ---- challenge -----------------------------------------------------------------------------
    async def challenge(self, channel: str, user: str, target_name: str, wager: int) -> str:
        cfg = self._config()
        name = strip_at(target_name)
        if not name:
            raise refuse(ErrorCode.BAD_REQUEST, "Usage: challenge @user <wager>")
        if user_key(name) == user_key(user):
            raise refuse(ErrorCode.BAD_REQUEST, "🪞 You can't challenge yourself.")
        if cfg.is_ignored(name):
            raise refuse(ErrorCode.FORBIDDEN, f"🤖 {name} doesn't play.")
        await self._gate.check(channel, user, "challenge", wager)
        target = await self._gate.account(channel, name)  # a lookup never creates an account (DECISIONS 1)
        if not target.found:
            raise refuse(ErrorCode.NOT_FOUND, f"🤷 I don't know anyone called {name}.")
        if target.banned:
            raise refuse(ErrorCode.FORBIDDEN, f"{target.user} can't gamble right now.")
        if target.balance < wager:
            raise refuse(ErrorCode.INSUFFICIENT_FUNDS, f"💸 {target.user} can't cover {wager:,} {cfg.currency.symbol}.")
        now = self._clock.now()
        expires = now + timedelta(seconds=cfg.gambling.challenge.accept_timeout_seconds)
        chan, me, them = channel_key(channel), user_key(user), user_key(target.user)

        async def write(conn: aiosqlite.Connection, play_id: int) -> int:
            if await self.store.open_pair(conn, chan, me, them):
                raise refuse(ErrorCode.CONFLICT, f"⚔️ You and {target.user} already have a challenge open.")
            return await self.store.insert(
                conn, channel=chan, challenger_key=me, challenger=user, target_key=them, target=target.user,
                wager=wager, now_ms=to_ms(now), expires_ms=to_ms(expires), play_id=play_id,
            )

        _, duel_id = await self._gate.claim(channel, user, "challenge", wager=wager, extra=write)
        duel = await self.store.get(int(duel_id or 0))
        assert duel is not None
        return await self.escrow(duel)

    async def escrow(self, duel: Duel) -> str:
        """Take the challenger's stake into escrow, then invite the target."""
        outcome = await self._ledger.post(duel.channel, duel.key("escrow"),
                                          escrow_postings(duel.challenger, duel.wager, "challenge", duel.token,
                                                          duel.target))
        if not outcome.answered:
            raise pending()
        now_ms = self._now_ms()
        if not outcome.moved:
            await self.store.void_opening(duel, now_ms)
            raise refusal(self._config(), outcome)
        if await self.store.transition(duel.id, "opening", "pending", now_ms):
            seconds = max(0, (duel.expires_ms - now_ms) // 1000)
            await self._voice.notify(self._channels.display(duel.channel), duel.target,
                                     texts.invite(self._config(), duel.challenger, duel.wager, seconds))
        return texts.challenge_sent(self._config(), duel.target, duel.wager, outcome.balance_of(duel.challenger))

    # ---- accept ------------------------------------------------------------------------------
    async def accept(self, channel: str, user: str, challenger: str | None = None) -> str:
        chan, me = channel_key(channel), user_key(user)
        duel = await self.store.find(chan, target_key=me,
                                     challenger_key=user_key(strip_at(challenger)) if challenger else None)
        if duel is None:
            raise refuse(ErrorCode.NOT_FOUND, "📭 No challenge is waiting for you.")
        now = self._clock.now()
        if duel.expires_ms <= to_ms(now):
            await self.expire(duel)
            raise refuse(ErrorCode.CONFLICT, f"⌛ That challenge from {duel.challenger} expired; they got their "
                                             "stake back.")
        # The target passes the same gate as the challenger (review item H2): ban, age, funds, limits.
        await self._gate.check(channel, user, "challenge", duel.wager)
        # The draw is made once per challenge and kept if a settlement is refused: a target who could not
        # pay cannot re-roll by accepting again.
        if duel.winner_key is not None and duel.rake is not None and duel.prize is not None:
            winner_key, rake, prize = duel.winner_key, duel.rake, duel.prize
        else:
            split = duel_split(duel.wager, self._config().gambling.challenge.rake_percent)
            winner_key = duel.challenger_key if challenger_wins(self._rng) else duel.target_key
            rake, prize = split.rake, split.prize

        async def take(conn: aiosqlite.Connection, play_id: int) -> None:
            moved = await self.store.move(conn, duel.id, "pending", "accepting", to_ms(now), unexpired_at=to_ms(now),
                                          target_play=play_id, winner_key=winner_key, rake=rake, prize=prize)
            if not moved:
                raise refuse(ErrorCode.CONFLICT, "⚔️ That challenge is no longer open.")

        await self._gate.claim(channel, user, "challenge", wager=duel.wager, ref=duel.id, extra=take)
        accepted = await self.store.get(duel.id)
        assert accepted is not None
        text, _ = await self.settle(accepted)
        return text

    async def settle(self, duel: Duel) -> tuple[str, bool]:
        """Send the accept-and-settle request. Returns the target's line and whether this call finished it."""
        assert duel.prize is not None and duel.rake is not None and duel.target_play is not None
        postings = duel_postings(duel.target, duel.wager, duel.winner, duel.loser, duel.prize, duel.token, duel.rake)
        outcome = await self._ledger.post(duel.channel, duel.settle_key, postings)
        if not outcome.answered:
            raise pending()
        now_ms = self._now_ms()
        if outcome.insufficient:  # the target can no longer cover it: the challenge stays open, in a new round
            await self.store.reopen(duel, now_ms)
            raise refuse(ErrorCode.INSUFFICIENT_FUNDS, texts.insufficient(self._config(), None))
        if outcome.banned:  # someone was banned meanwhile: call it off and return the stake
            if await self.store.call_off(duel, now_ms):
                await self.refund(replace(duel, status="refunding", reason="called_off"))
            raise refuse(ErrorCode.BANNED, "⛔ That challenge was called off: one of you can't gamble right now. "
                                           "Stakes returned.")
        if not outcome.moved:  # unexpected (conflict, bad request): keep it in flight (retried, logged), never guess
            log.error("challenge_settlement_refused", challenge=duel.id, status=outcome.status.value,
                      code=str(outcome.code))
            raise refusal(self._config(), outcome)
        moved = await self.store.settle(duel, now_ms)
        cfg = self._config()
        if moved:
            self._metrics.count_duel(duel)
            channel = self._channels.display(duel.channel)
            line = texts.duel_result(cfg, duel, duel.challenger, outcome.balance_of(duel.challenger))
            await self._voice.notify(channel, duel.challenger, line)
            if cfg.gambling.challenge.announce_public:
                self._spawn(self._voice.announce(channel, "challenge_result", winner=duel.winner, loser=duel.loser,
                                                 wager=duel.wager, amount=duel.prize, rake=duel.rake))
        return texts.duel_result(cfg, duel, duel.target, outcome.balance_of(duel.target)), moved

    # ---- decline, withdraw, expire -----------------------------------------------------------------
    async def decline(self, channel: str, user: str, other: str | None = None) -> str:
        """Decline the oldest challenge to you (or ``other``'s); with none, withdraw your own."""
        chan, me = channel_key(channel), user_key(user)
        other_key = user_key(strip_at(other)) if other else None
        duel = await self.store.find(chan, target_key=me, challenger_key=other_key)
        reason = "declined"
        if duel is None:
            duel, reason = await self.store.find(chan, challenger_key=me, target_key=other_key), "withdrawn"
        if duel is None:
            raise refuse(ErrorCode.NOT_FOUND, "📭 You have no open challenge to decline.")
        if not await self.store.transition(duel.id, "pending", "refunding", self._now_ms(), reason=reason):
            raise refuse(ErrorCode.CONFLICT, "⚔️ That challenge is no longer open.")
        refunded = await self.refund(replace(duel, status="refunding", reason=reason))
        sym = self._config().currency.symbol
        tail = "" if refunded else " (the refund will go through in a moment)"
        if reason == "declined":
            return f"🙅 You declined {duel.challenger}'s challenge; their {duel.wager:,} {sym} went back{tail}."
        return f"↩️ You withdrew your challenge to {duel.target}; your {duel.wager:,} {sym} is back{tail}."

    async def expire(self, duel: Duel) -> bool:
        if not await self.store.transition(duel.id, "pending", "refunding", self._now_ms(), reason="expired"):
            return False
        return await self.refund(replace(duel, status="refunding", reason="expired"))

    async def refund(self, duel: Duel) -> bool:
        """Return the escrowed stake of a ``refunding`` challenge and tell whoever did not act. True once done.

        One refund per challenge, so its key never needs a new round: a returned stake (a positive wager)
        is never refused for a ban, and the escrow holds the stake, so only a lost answer is retried.
        """
        outcome = await self._ledger.post(duel.channel, duel.key("refund"),
                                          refund_postings([(duel.challenger, duel.wager)], "challenge", duel.token,
                                                          f"challenge {duel.reason or 'refund'}"))
        if not outcome.moved:
            log.warning("challenge_refund_pending", challenge=duel.id, status=outcome.status.value,
                        code=str(outcome.code))
            return False
        if await self.store.finish_refund(duel, self._now_ms()):
            channel = self._channels.display(duel.channel)
            for user, line in texts.refund_notices(self._config(), duel):
                await self._voice.notify(channel, user, line)
        return True

    async def expire_due(self) -> int:
        return sum([await self.expire(d) for d in await self.store.expired(self._now_ms())])

    async def recover(self, before_ms: int) -> int:
        """Finish every challenge whose money step was in flight (start-up, ledger outages)."""
        done = 0
        for duel in await self.store.in_flight(before_ms):
            channel = self._channels.display(duel.channel)
            actor = duel.challenger if duel.status == "opening" else duel.target
            try:
                if duel.status == "opening":
                    await self._voice.notify(channel, actor, await self.escrow(duel))
                elif duel.status == "accepting":
                    line, moved = await self.settle(duel)
                    if moved:
                        await self._voice.notify(channel, actor, line)
                else:
                    await self.refund(duel)
                done += 1
            except ServiceError as err:
                if err.code != ErrorCode.UNAVAILABLE:  # refused: tell the one who was waiting on it
                    await self._voice.notify(channel, actor, err.message)
                    done += 1
        return done
