"""Heists: ``heist <wager>`` plans one, ``heist join`` stakes the same wager, one shared roll decides.

Every stake is escrowed when it is placed (``heist:<token>:stake:<user>``); at the deadline the
heist is resolved in one request (``heist:<token>:resolve``): every stake leaves escrow, and on
success each member is paid ``stake × multiplier``; with too small a crew every stake is returned.
Off by default (DECISIONS 26).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

import aiosqlite

from economy_shared.clock import to_ms
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.requests import call
from economy_shared.schemas.ledger import BanStatusRequest, BanStatusResult, Posting
from economy_shared.subjects import service_subject
from economy_shared.users import user_key

from . import texts
from .gate import PENDING_TEXT, refuse, refused_text
from .heist_store import Heist, Seat
from .ledger import Answer, escrow_postings, heist_postings, refund_postings, send
from .odds import heist_payout, heist_succeeds
from .store import mark_play

if TYPE_CHECKING:
    from .service import GamblingService

ALREADY = "🏦 A heist is already being planned — PM 'heist join' to get in."
TOO_LATE = "🏦 Too late — the crew has already left."


class Heists:
    def __init__(self, service: GamblingService) -> None:
        self.service = service
        self.store = service.heist_store

    async def start(self, channel: str, user: str, wager: int) -> str:
        svc = self.service
        await svc.gate.check(channel, user, "heist", wager)
        now = svc.clock.now()
        settings = svc.config.gambling.heist
        deadline = now + timedelta(seconds=settings.join_window_seconds)
        chan, me = svc.key_of(channel), user_key(user)

        async def write(conn: aiosqlite.Connection, play_id: int) -> int:
            try:
                heist_id = await self.store.insert(conn, channel=chan, initiator_key=me, initiator=user, wager=wager,
                                                   multiplier=settings.payout_multiplier, now_ms=to_ms(now),
                                                   deadline_ms=to_ms(deadline))
            except sqlite3.IntegrityError:
                raise refuse(ErrorCode.CONFLICT, ALREADY) from None
            await self.store.seat(conn, heist_id, me, user, play_id, wager, to_ms(now))
            return heist_id

        _, heist_id = await svc.gate.claim(channel, user, "heist", wager=wager, extra=write)
        heist = await self.store.get(int(heist_id or 0))
        assert heist is not None
        return await self.open(heist)

    async def open(self, heist: Heist) -> str:
        """Escrow the initiator's stake, then open the join window and call for a crew."""
        svc = self.service
        seat = next(s for s in await self.store.seats(heist.id) if s.user_key == heist.initiator_key)
        answer = await self.stake(heist, seat)
        if answer is Answer.UNAVAILABLE:
            raise ServiceError(ErrorCode.UNAVAILABLE, PENDING_TEXT)
        now_ms = to_ms(svc.clock.now())
        if answer is not Answer.OK:
            async with svc.database.transaction() as conn:
                await self.store.move(conn, heist.id, "opening", "void", now_ms)
            raise refuse(ErrorCode.CONFLICT, refused_text(svc, answer.value))
        seconds = max(0, (heist.deadline_ms - now_ms) // 1000)
        async with svc.database.transaction() as conn:
            opened = await self.store.move(conn, heist.id, "opening", "open", now_ms)
        if opened and seconds > 0 and svc.config.gambling.heist.announce_public:
            svc.spawn(svc.voice.announce(svc.display_channel(heist.channel), "heist_start", user=heist.initiator,
                                         wager=heist.wager, seconds=seconds))
        return texts.heist_started(svc.config, heist.wager, seconds)

    async def join(self, channel: str, user: str) -> str:
        svc = self.service
        chan, me = svc.key_of(channel), user_key(user)
        heist = await self.store.live(chan)
        if heist is None or heist.status != "open":
            raise refuse(ErrorCode.NOT_FOUND, "🏦 No heist is being planned. Start one with 'heist <wager>'.")
        if to_ms(svc.clock.now()) >= heist.deadline_ms:
            raise refuse(ErrorCode.CONFLICT, TOO_LATE)
        if any(s.user_key == me for s in await self.store.seats(heist.id)):
            raise refuse(ErrorCode.CONFLICT, "🏦 You're already in the crew.")
        # Joining passes the same gate as starting (review item H2): enabled, ban, age, wager, limits.
        await svc.gate.check(channel, user, "heist", heist.wager)
        now_ms = to_ms(svc.clock.now())

        async def write(conn: aiosqlite.Connection, play_id: int) -> None:
            state = await self.store.state(conn, heist.id)
            if state is None or state[0] != "open" or state[1] <= now_ms:
                raise refuse(ErrorCode.CONFLICT, TOO_LATE)
            try:
                await self.store.seat(conn, heist.id, me, user, play_id, heist.wager, now_ms)
            except sqlite3.IntegrityError:
                raise refuse(ErrorCode.CONFLICT, "🏦 You're already in the crew.") from None

        play, _ = await svc.gate.claim(channel, user, "heist", wager=heist.wager, ref=heist.id, extra=write)
        answer = await self.stake(heist, Seat(heist.id, me, user, play.id, heist.wager, "escrowing", False))
        if answer is Answer.UNAVAILABLE:
            raise ServiceError(ErrorCode.UNAVAILABLE, PENDING_TEXT)
        if answer is not Answer.OK:
            raise refuse(ErrorCode.CONFLICT, refused_text(svc, answer.value))
        crew = sum(1 for s in await self.store.seats(heist.id) if s.status == "staked")
        seconds = max(0, (heist.deadline_ms - now_ms) // 1000)
        return texts.heist_joined(svc.config, heist.wager, crew, svc.config.gambling.heist.min_participants, seconds)

    async def stake(self, heist: Heist, seat: Seat) -> Answer:
        """Escrow one seat's stake; a refusal voids the seat and gives the claim back."""
        svc = self.service
        posted = await send(svc.ledger, heist.channel, heist.stake_key(seat.user_key),
                            escrow_postings(seat.display, seat.stake, "heist", heist.token))
        if posted.answer is Answer.UNAVAILABLE:
            return posted.answer
        now_ms = to_ms(svc.clock.now())
        async with svc.database.transaction() as conn:
            if posted.ok:
                await self.store.move_seat(conn, heist.id, seat.user_key, "escrowing", "staked", now_ms)
            elif await self.store.move_seat(conn, heist.id, seat.user_key, "escrowing", "void", now_ms):
                await mark_play(conn, seat.play_id, "void", now_ms)
        return posted.answer

    # ---- resolution ------------------------------------------------------------------------------
    async def resolve_due(self) -> int:
        return sum([await self.resolve(h) for h in await self.store.due(to_ms(self.service.clock.now()))])

    async def resolve(self, heist: Heist) -> bool:
        """Draw and store the outcome (exactly once, by conditional update), then settle it."""
        svc = self.service
        settings = svc.config.gambling.heist
        async with svc.database.transaction() as conn:
            seats = await self.store.seats(heist.id, conn)
            if any(s.status == "escrowing" for s in seats):
                return False  # a stake is still in flight; the next pass resolves
            crew = sum(1 for s in seats if s.status == "staked")
            if crew < settings.min_participants:
                outcome = "cancelled"
            else:
                outcome = "success" if heist_succeeds(settings, svc.rng) else "failed"
            if not await self.store.move(conn, heist.id, "open", "resolving", to_ms(svc.clock.now()), outcome):
                return False
        return await self.settle(replace(heist, status="resolving", outcome=outcome))

    def postings(self, heist: Heist, seats: list[Seat]) -> list[Posting]:
        if heist.outcome == "cancelled":
            return refund_postings([(s.display, s.stake) for s in seats], "heist", heist.token, "heist called off")
        kept = [(s.display, s.stake) for s in seats if not s.refund]
        returned = [(s.display, s.stake) for s in seats if s.refund]
        payouts = {d: heist_payout(heist.multiplier, st) for d, st in kept} if heist.outcome == "success" else {}
        return heist_postings(kept, payouts, returned, heist.token, heist.outcome or "failed")

    async def settle(self, heist: Heist) -> bool:
        svc = self.service
        for _ in range(3):
            seats = [s for s in await self.store.seats(heist.id) if s.status == "staked"]
            posted = await send(svc.ledger, heist.channel, heist.resolve_key, self.postings(heist, seats))
            if posted.answer is not Answer.BANNED:
                break
            # A member was banned during the window: hand their stake back instead of paying them.
            banned = await self.banned_among(heist.channel, [s.display for s in seats if not s.refund])
            if not banned:
                break
            await self.store.mark_refund(heist.id, banned)
        if not posted.ok:
            svc.log.warning("heist_settlement_pending", heist=heist.id, answer=posted.answer.value)
            return False
        seats = [s for s in await self.store.seats(heist.id) if s.status == "staked"]
        now_ms = to_ms(svc.clock.now())
        payouts: dict[str, int] = {}
        async with svc.database.transaction() as conn:
            dst = "refunded" if heist.outcome == "cancelled" else "settled"
            moved = await self.store.move(conn, heist.id, "resolving", dst, now_ms)
            for s in seats if moved else []:
                if heist.outcome == "cancelled" or s.refund:
                    await mark_play(conn, s.play_id, "void", now_ms)
                    continue
                payouts[s.user_key] = heist_payout(heist.multiplier, s.stake) if heist.outcome == "success" else 0
                await mark_play(conn, s.play_id, "settled", now_ms, payouts[s.user_key])
        if moved:
            await self.tell(heist, seats, payouts)
        return True

    async def tell(self, heist: Heist, seats: list[Seat], payouts: dict[str, int]) -> None:
        svc, outcome = self.service, heist.outcome or "failed"
        channel = svc.display_channel(heist.channel)
        svc.count_heist(heist, seats, payouts)
        if svc.config.gambling.heist.announce_public:
            crew = [s.display for s in seats if not s.refund]
            if outcome == "cancelled":
                svc.spawn(svc.voice.announce(channel, "heist_cancelled", user=heist.initiator))
            else:
                amount = sum(payouts.values()) if outcome == "success" else sum(s.stake for s in seats if not s.refund)
                svc.spawn(svc.voice.announce(channel, f"heist_{outcome}", crew=", ".join(crew), count=len(crew),
                                             amount=amount))
        need = svc.config.gambling.heist.min_participants
        for s in seats:
            line = texts.heist_result(svc.config, outcome, s, payouts.get(s.user_key), len(seats), need)
            await svc.voice.notify(channel, s.display, line)

    async def banned_among(self, channel: str, names: list[str]) -> list[str]:
        req = BanStatusRequest(channel=channel, users=names)
        reply = await call(self.service.client, service_subject("ledger"), req, timeout=5.0)
        return BanStatusResult.model_validate(reply.data).banned if reply.success else []

    # ---- recovery --------------------------------------------------------------------------------
    async def recover(self, before_ms: int) -> int:
        """Finish every heist whose stake or settlement was in flight (start-up, ledger outages)."""
        svc, done = self.service, 0
        for heist in await self.store.in_flight(before_ms):
            channel = svc.display_channel(heist.channel)
            if heist.status == "opening":
                try:
                    await svc.voice.notify(channel, heist.initiator, await self.open(heist))
                except ServiceError as err:
                    if err.code == ErrorCode.UNAVAILABLE:
                        continue
                    await svc.voice.notify(channel, heist.initiator, err.message)
            elif heist.status == "open":
                for seat in await self.store.seats(heist.id):
                    if seat.status != "escrowing":
                        continue
                    answer = await self.stake(heist, seat)
                    if answer is Answer.UNAVAILABLE:
                        continue
                    if answer is not Answer.OK:
                        await svc.voice.notify(channel, seat.display, "🏦 Your heist stake didn't go through: "
                                               + refused_text(svc, answer.value))
                    done += 1
                continue
            elif not await self.settle(heist):
                continue
            done += 1
        return done
