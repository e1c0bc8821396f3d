"""Heists: ``heist <wager>`` plans one, ``heist join`` stakes the same wager, one shared roll decides.

Every stake is escrowed when it is placed (``heist:<token>:stake:<user>``); at the deadline the
heist is resolved in one request (``Heist.resolve_key``): every stake leaves escrow, and on success
each member is paid ``stake × multiplier``; with too small a crew every stake is returned.
Off by default (DECISIONS 26).

A member banned during the window makes the ledger refuse the settlement, and it stores that refusal
under the key. The banned member's stake is then handed back instead of paid, which is a different
body, so it goes out in the next ``settle_round`` under a new key (see heist_store.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import aiosqlite

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.ledger_client import LedgerClient
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.runtime.logging import get_logger
from economy_shared.schemas.ledger import Posting
from economy_shared.users import user_key
from economy_shared.voice import Voice

from . import texts
from .gate import Gate, refuse
from .heist_store import Heist, HeistStore, Seat
from .ledger import escrow_postings, heist_postings, pending, refund_postings, refusal
from .metrics import GamblingMetrics
from .odds import Rng, heist_payout, heist_succeeds
from .spawn import Spawn

log = get_logger("economy.gambling.heists", service="gambling")

ALREADY = "🏦 A heist is already being planned — PM 'heist join' to get in."
TOO_LATE = "🏦 Too late — the crew has already left."
SETTLE_ATTEMPTS = 3  # settlement rounds tried in one pass (each refused round names more banned members)


class Heists:
    def __init__(self, *, gate: Gate, store: HeistStore, ledger: LedgerClient, voice: Voice,
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

    async def start(self, channel: str, user: str, wager: int) -> str:
        await self._gate.check(channel, user, "heist", wager)
        now = self._clock.now()
        settings = self._config().gambling.heist
        deadline = now + timedelta(seconds=settings.join_window_seconds)
        chan, me = channel_key(channel), user_key(user)

        async def write(conn: aiosqlite.Connection, play_id: int) -> int:
            try:
                heist_id = await self.store.insert(conn, channel=chan, initiator_key=me, initiator=user, wager=wager,
                                                   multiplier=settings.payout_multiplier, now_ms=to_ms(now),
                                                   deadline_ms=to_ms(deadline))
            except sqlite3.IntegrityError:
                raise refuse(ErrorCode.CONFLICT, ALREADY) from None
            await self.store.seat(conn, heist_id, me, user, play_id, wager, to_ms(now))
            return heist_id

        _, heist_id = await self._gate.claim(channel, user, "heist", wager=wager, extra=write)
        heist = await self.store.get(int(heist_id or 0))
        assert heist is not None
        return await self.open(heist)

    async def open(self, heist: Heist) -> str:
        """Escrow the initiator's stake, then open the join window and call for a crew."""
        seat = next(s for s in await self.store.seats(heist.id) if s.user_key == heist.initiator_key)
        outcome = await self.stake(heist, seat)
        if not outcome.answered:
            raise pending()
        now_ms = self._now_ms()
        if not outcome.moved:
            await self.store.transition(heist.id, "opening", "void", now_ms)
            raise refusal(self._config(), outcome)
        seconds = max(0, (heist.deadline_ms - now_ms) // 1000)
        opened = await self.store.transition(heist.id, "opening", "open", now_ms)
        cfg = self._config()
        if opened and seconds > 0 and cfg.gambling.heist.announce_public:
            self._spawn(self._voice.announce(self._channels.display(heist.channel), "heist_start",
                                             user=heist.initiator, wager=heist.wager, seconds=seconds))
        return texts.heist_started(cfg, heist.wager, seconds)

    async def join(self, channel: str, user: str) -> str:
        chan, me = channel_key(channel), user_key(user)
        heist = await self.store.live(chan)
        if heist is None or heist.status != "open":
            raise refuse(ErrorCode.NOT_FOUND, "🏦 No heist is being planned. Start one with 'heist <wager>'.")
        if self._now_ms() >= heist.deadline_ms:
            raise refuse(ErrorCode.CONFLICT, TOO_LATE)
        if any(s.user_key == me for s in await self.store.seats(heist.id)):
            raise refuse(ErrorCode.CONFLICT, "🏦 You're already in the crew.")
        # Joining passes the same gate as starting (review item H2): enabled, ban, age, wager, limits.
        await self._gate.check(channel, user, "heist", heist.wager)
        now_ms = self._now_ms()

        async def write(conn: aiosqlite.Connection, play_id: int) -> None:
            state = await self.store.state(conn, heist.id)
            if state is None or state[0] != "open" or state[1] <= now_ms:
                raise refuse(ErrorCode.CONFLICT, TOO_LATE)
            try:
                await self.store.seat(conn, heist.id, me, user, play_id, heist.wager, now_ms)
            except sqlite3.IntegrityError:
                raise refuse(ErrorCode.CONFLICT, "🏦 You're already in the crew.") from None

        play, _ = await self._gate.claim(channel, user, "heist", wager=heist.wager, ref=heist.id, extra=write)
        outcome = await self.stake(heist, Seat(heist.id, me, user, play.id, heist.wager, "escrowing", False))
        if not outcome.answered:
            raise pending()
        if not outcome.moved:
            raise refusal(self._config(), outcome)
        crew = sum(1 for s in await self.store.seats(heist.id) if s.status == "staked")
        seconds = max(0, (heist.deadline_ms - now_ms) // 1000)
        cfg = self._config()
        return texts.heist_joined(cfg, heist.wager, crew, cfg.gambling.heist.min_participants, seconds)

    async def stake(self, heist: Heist, seat: Seat) -> LedgerOutcome:
        """Escrow one seat's stake; a final refusal voids the seat and gives the claim back."""
        outcome = await self._ledger.post(heist.channel, heist.stake_key(seat.user_key),
                                          escrow_postings(seat.display, seat.stake, "heist", heist.token))
        if not outcome.answered:
            return outcome
        if outcome.moved:
            await self.store.seat_staked(seat, self._now_ms())
        else:
            await self.store.seat_refused(seat, self._now_ms())
        return outcome

    # ---- resolution ------------------------------------------------------------------------------
    async def resolve_due(self) -> int:
        return sum([await self.resolve(h) for h in await self.store.due(self._now_ms())])

    async def resolve(self, heist: Heist) -> bool:
        """Draw and store the outcome (exactly once, by conditional update), then settle it."""
        settings = self._config().gambling.heist

        def decide(seats: list[Seat]) -> str | None:
            if any(s.status == "escrowing" for s in seats):
                return None  # a stake is still in flight; the next pass resolves
            crew = sum(1 for s in seats if s.status == "staked")
            if crew < settings.min_participants:
                return "cancelled"
            return "success" if heist_succeeds(settings, self._rng) else "failed"

        outcome = await self.store.start_resolving(heist.id, self._now_ms(), decide)
        if outcome is None:
            return False
        return await self.settle(replace(heist, status="resolving", outcome=outcome))

    def postings(self, heist: Heist, seats: list[Seat]) -> list[Posting]:
        if heist.outcome == "cancelled":
            return refund_postings([(s.display, s.stake) for s in seats], "heist", heist.token, "heist called off")
        kept = [(s.display, s.stake) for s in seats if not s.refund]
        returned = [(s.display, s.stake) for s in seats if s.refund]
        payouts = {d: heist_payout(heist.multiplier, st) for d, st in kept} if heist.outcome == "success" else {}
        return heist_postings(kept, payouts, returned, heist.token, heist.outcome or "failed")

    async def _staked(self, heist: Heist) -> list[Seat]:
        return [s for s in await self.store.seats(heist.id) if s.status == "staked"]

    async def settle(self, heist: Heist) -> bool:
        """Send the settlement of the current round; after a ban refusal, hand the banned stakes back in a new round."""
        outcome = LedgerOutcome.unavailable()
        for _ in range(SETTLE_ATTEMPTS):
            seats = await self._staked(heist)
            outcome = await self._ledger.post(heist.channel, heist.resolve_key, self.postings(heist, seats))
            if not outcome.banned:
                break
            # A member was banned during the window: hand their stake back instead of paying them. The
            # refusal is stored under this round's key, so the new body needs the next round (a new key).
            banned = await self._ledger.banned(heist.channel, [s.display for s in seats if not s.refund])
            if banned is None:  # cannot tell who: the next pass asks again (this key replays the refusal)
                break
            if not await self.store.next_round(heist, sorted(banned)):
                return False  # another pass moved this heist on
            heist = replace(heist, settle_round=heist.settle_round + 1)
        if not outcome.moved:
            log.warning("heist_settlement_pending", heist=heist.id, status=outcome.status.value,
                        code=str(outcome.code))
            return False
        seats = await self._staked(heist)
        payouts: dict[str, int] = {}
        plays: list[tuple[int, str, int | None]] = []
        for s in seats:
            if heist.outcome == "cancelled" or s.refund:
                plays.append((s.play_id, "void", None))
                continue
            payouts[s.user_key] = heist_payout(heist.multiplier, s.stake) if heist.outcome == "success" else 0
            plays.append((s.play_id, "settled", payouts[s.user_key]))
        dst = "refunded" if heist.outcome == "cancelled" else "settled"
        if await self.store.finish(heist.id, dst, plays, self._now_ms()):
            await self.tell(heist, seats, payouts)
        return True

    async def tell(self, heist: Heist, seats: list[Seat], payouts: dict[str, int]) -> None:
        cfg, outcome = self._config(), heist.outcome or "failed"
        channel = self._channels.display(heist.channel)
        self._metrics.count_heist(heist, seats, payouts)
        if cfg.gambling.heist.announce_public:
            crew = [s.display for s in seats if not s.refund]
            if outcome == "cancelled":
                self._spawn(self._voice.announce(channel, "heist_cancelled", user=heist.initiator))
            else:
                amount = sum(payouts.values()) if outcome == "success" else sum(s.stake for s in seats if not s.refund)
                self._spawn(self._voice.announce(channel, f"heist_{outcome}", crew=", ".join(crew), count=len(crew),
                                                 amount=amount))
        need = cfg.gambling.heist.min_participants
        for s in seats:
            line = texts.heist_result(cfg, outcome, s, payouts.get(s.user_key), len(seats), need)
            await self._voice.notify(channel, s.display, line)

    # ---- recovery --------------------------------------------------------------------------------
    async def recover(self, before_ms: int) -> int:
        """Finish every heist whose stake or settlement was in flight (start-up, ledger outages)."""
        done = 0
        for heist in await self.store.in_flight(before_ms):
            channel = self._channels.display(heist.channel)
            if heist.status == "opening":
                try:
                    await self._voice.notify(channel, heist.initiator, await self.open(heist))
                except ServiceError as err:
                    if err.code == ErrorCode.UNAVAILABLE:
                        continue
                    await self._voice.notify(channel, heist.initiator, err.message)
            elif heist.status == "open":
                for seat in await self.store.seats(heist.id):
                    if seat.status != "escrowing":
                        continue
                    outcome = await self.stake(heist, seat)
                    if not outcome.answered:
                        continue
                    if not outcome.moved:
                        await self._voice.notify(channel, seat.display, "🏦 Your heist stake didn't go through: "
                                                 + texts.ledger_refusal(self._config(), outcome))
                    done += 1
                continue
            elif not await self.settle(heist):
                continue
            done += 1
        return done
