"""The money and robot steps of a stored queue request: charge, add (and jump), refund (DECISIONS 19).

Every step starts from the request as stored and ends by moving it to its next status, conditional on
the status it left, so a step that runs twice (a retry, a restart, two tasks) finishes it once:

- ``charge``: one idempotent ``spend`` keyed ``media:<token>:charge``. No answer → stays ``charging``
  (re-sent later with the same key and body). A refusal → ``void`` (nothing moved). Moved →
  ``awaiting_approval`` (a gated forcenow) or ``adding``.
- ``deliver``: ``add_media`` (timeout ≥ 10 s) at the end (queue) or next (playnext, forcenow), then
  ``jump_to`` for forcenow. CyTube took it → ``completed`` and the public announcement. Refused, or
  nobody answers → ``refunding``. No answer in time → the robot's playlist state decides.
- ``reconcile``: a request found in ``adding`` after its answer was lost (a restart) is never added
  twice: the playlist state decides between ``completed`` and ``refunding``.
- ``refund``: one ``refund`` posting keyed ``media:<token>:refund``; entering ``refunding`` gives the
  cooldown and the day's allowance back at once. No answer → stays ``refunding`` (re-sent later).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode
from economy_shared.ledger_client import LedgerClient
from economy_shared.runtime.logging import get_logger
from economy_shared.sanitize import public_text
from economy_shared.schemas.media import QueueResult
from economy_shared.voice import Voice

from . import texts
from .metrics import MediaMetrics
from .money import charge_key, charge_postings, refund_key, refund_postings
from .robot import Added, AddOutcome, Playlist
from .spawn import Spawn
from .store import MediaRequest, RequestStore, Status

log = get_logger("economy.media.fulfilment")

TITLE_LIMIT = 120  # characters of a catalog title repeated in public chat


def result_of(req: MediaRequest) -> QueueResult:
    refunded = req.cost if req.status == "refunded" else 0
    return QueueResult(
        request_id=req.id, status=req.public_status, action=req.action, user=req.display, media_id=req.media_id,
        title=req.title, duration_seconds=req.duration, base_cost=req.base_cost, discount_percent=req.discount,
        cost=req.cost, rank_name=req.rank_name, balance=req.balance, uid=req.uid, played_now=req.played_now,
        refunded=refunded, error=req.error or "",
    )


class Fulfilment:
    def __init__(self, *, store: RequestStore, ledger: LedgerClient, playlist: Playlist, voice: Voice,
                 config: Callable[[], EconomyConfig], clock: Clock, metrics: MediaMetrics,
                 channels: ChannelDirectory, spawn: Spawn) -> None:
        self._store = store
        self._ledger = ledger
        self._playlist = playlist
        self._voice = voice
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._channels = channels
        self._spawn = spawn
        self._busy: set[int] = set()

    # ---- who works on a request ---------------------------------------------------------------------
    def busy(self, request_id: int) -> bool:
        return request_id in self._busy

    @asynccontextmanager
    async def working(self, request_id: int) -> AsyncIterator[bool]:
        """Mark a request as worked on by this task; yields False if another task already is."""
        if request_id in self._busy:
            yield False
            return
        self._busy.add(request_id)
        try:
            yield True
        finally:
            self._busy.discard(request_id)

    # ---- steps ----------------------------------------------------------------------------------------
    async def finish(self, req: MediaRequest) -> MediaRequest:
        """Drive a request from wherever it stopped (a lost answer, a restart) as far as it can go now.

        A request found in ``adding`` lost its robot answer: it is never added a second time; the
        robot's playlist state decides whether it counts as queued or is refunded.
        """
        if req.status == "charging":
            req = await self.charge(req)
            if req.status == "adding":
                req = await self.deliver(req)
        elif req.status == "adding":
            req = await self.reconcile(req)
        if req.status == "refunding":
            req = await self.refund(req)
        return req

    async def charge(self, req: MediaRequest) -> MediaRequest:
        balance: int | None = None
        if req.cost > 0:
            outcome = await self._ledger.post(req.channel, charge_key(req), charge_postings(req))
            if not outcome.answered:
                self._metrics.queues.labels(req.channel, req.action, "pending").inc()
                return req
            if not outcome.moved:
                code = (ErrorCode.BANNED if outcome.banned else ErrorCode.INSUFFICIENT_FUNDS if outcome.insufficient
                        else ErrorCode.CONFLICT)
                if code is ErrorCode.CONFLICT:
                    log.error("charge_conflict", request=req.id, key=charge_key(req), message=outcome.message)
                text = texts.ledger_refusal(self._config(), outcome, req.cost)
                self._metrics.queues.labels(req.channel, req.action, "refused").inc()
                return await self._move(req, ("charging",), "void", error_code=code.value, error=text)
            balance = outcome.balance_of(req.display)
        nxt: Status = "awaiting_approval" if req.needs_approval else "adding"
        moved = await self._move(req, ("charging",), nxt, balance=balance)
        if moved.status == "awaiting_approval":
            self._metrics.queues.labels(req.channel, req.action, "awaiting_approval").inc()
        return moved

    async def deliver(self, req: MediaRequest) -> MediaRequest:
        """Put a charged request (``adding``) on the playlist; refund it if CyTube did not take it."""
        channel = self._channels.display(req.channel)
        position = "end" if req.action == "queue" else "next"
        added = await self._playlist.add(channel, req.cytube_type, req.cytube_id, position)
        if added.status is Added.UNKNOWN and await self._on_playlist(req):
            added = AddOutcome(Added.ADDED)
        if added.status is not Added.ADDED:
            code = ErrorCode.CONFLICT if added.status is Added.REFUSED else ErrorCode.UNAVAILABLE
            return await self.refund(req, why=added.error, code=code)
        played_now = False
        if req.action == "forcenow" and added.uid is not None:
            played_now = await self._playlist.jump(channel, added.uid)
        return await self._complete(req, added.uid, played_now)

    async def reconcile(self, req: MediaRequest) -> MediaRequest:
        """An ``adding`` request whose robot answer was lost: queued if the playlist shows it, else refunded."""
        if await self._on_playlist(req):
            return await self._complete(req, None, False)
        return await self.refund(req, why="no answer from the robot", code=ErrorCode.UNAVAILABLE)

    async def _on_playlist(self, req: MediaRequest) -> bool:
        held = await self._playlist.holds(self._channels.display(req.channel), req.cytube_type, req.cytube_id)
        if held:
            log.info("add_confirmed_by_playlist", request=req.id)
        return bool(held)

    async def _complete(self, req: MediaRequest, uid: int | str | None, played_now: bool) -> MediaRequest:
        done = await self._move(req, ("adding",), "completed", uid=uid, played_now=played_now)
        if done.status == "completed":
            self._metrics.queues.labels(req.channel, req.action, "queued").inc()
            self._metrics.spent.labels(req.channel, req.action).inc(req.cost)
            self.announce(done)
        return done

    async def refund(self, req: MediaRequest, why: str = "", code: ErrorCode = ErrorCode.UNAVAILABLE) -> MediaRequest:
        """Give the charge back (entering ``refunding`` frees the cooldown and the allowance at once)."""
        if req.status != "refunding":
            req = await self._move(req, (req.status,), "refunding", refund_reason=(why or "not queued")[:80],
                                   error_code=code.value, error=why)
            if req.status != "refunding":
                return req
        balance: int | None = None
        if req.cost > 0:
            outcome = await self._ledger.post(req.channel, refund_key(req), refund_postings(req))
            if not outcome.answered:
                return req
            if not outcome.moved:
                log.error("refund_refused", request=req.id, key=refund_key(req), code=outcome.code,
                          message=outcome.message)
                return req
            balance = outcome.balance_of(req.display)
        done = await self._move(req, ("refunding",), "refunded", balance=balance)
        if done.status == "refunded":
            self._metrics.queues.labels(req.channel, req.action, "refunded").inc()
            self._metrics.refunds.labels(req.channel, req.action, req.error_code or "unknown").inc()
            self._metrics.refunded.labels(req.channel, req.action).inc(req.cost)
        return done

    def announce(self, req: MediaRequest) -> None:
        """The public line for an item that reached the playlist (queue / playnext / forcenow templates)."""
        self._spawn(self._voice.announce(
            self._channels.display(req.channel), req.action, user=req.display,
            title=public_text(req.title, TITLE_LIMIT), cost=req.cost, amount=req.cost,
        ))

    async def _move(self, req: MediaRequest, leaving: tuple[Status, ...], to: Status, **fields: object) -> MediaRequest:
        moved = await self._store.move(req.id, leaving, to, self._clock.now(), **fields)
        if moved is not None:
            return moved
        current = await self._store.get(req.id)  # someone else moved it first: report where it is now
        return current if current is not None else req
