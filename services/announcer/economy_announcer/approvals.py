"""GIF approvals: the use case behind PM ``approve_gif``/``reject_gif``/``pending_gifs`` and the requests
``announcer.gif_approvals``/``announcer.resolve_gif`` (one implementation for both).

``buy gif <url>`` charges at once and leaves a pending row (approval_store.create_pending). An admin
resolves a user's OLDEST pending GIF (or one by id) with a conditional update, so two admins at once
cannot both act: exactly one wins and the other is told who did (sprint5 §14 item 17). Approving sets
the user's ``gif`` vanity item in the same transaction. Rejecting marks the refund ``owed`` in the
same transaction, then posts ONE refund (kind ``refund``, key ``vanity-gif-refund:<chan>:<id>``); a
ledger that does not answer leaves it owed and ``retry_refunds`` re-sends the same key and body
(at start and every ~30 s) until it applies, so the user is refunded and told exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

import aiosqlite

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.clock import Clock, from_ms, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.runtime.logging import get_logger
from economy_shared.schedule import PeriodicJob
from economy_shared.schemas.ledger import Posting, PostingKind
from economy_shared.schemas.vanity import GifApproval, GifApprovalsResult, ResolveGifResult
from economy_shared.users import user_key
from economy_shared.voice import Voice

from .approval_store import ApprovalStore, GifRow

log = get_logger("economy.announcer.approvals")

REFUND_TRIGGER = "vanity.gif.refund"
RETRY_SECONDS = 30.0
JUST_RESOLVED_MS = 60_000  # "approve_gif bob" right after another admin resolved bob's GIF: a conflict


class RefundPoster(Protocol):
    """The ledger (economy_shared.ledger_client.LedgerClient.post)."""

    async def post(self, channel: str, key: str, postings: Sequence[Posting], *,
                   on_banned: Literal["reject", "skip"] = "reject", want_balances: bool = True) -> LedgerOutcome: ...


class VanityWriter(Protocol):
    """The shop's in-memory VanityStore (vanity_store.py): writes through, usable inside a transaction;
    ``resync`` re-reads one user (after a rolled-back transaction or a resolved GIF)."""

    async def set_item(self, channel: str, user: str, display: str, item: str, value: str,
                       purchase_id: int | None, now_ms: int, conn: aiosqlite.Connection | None = None) -> Any: ...

    async def resync(self, channel: str, user: str) -> None: ...


def refund_key(row: GifRow) -> str:
    return f"vanity-gif-refund:{channel_key(row.channel)}:{row.id}"


def refund_postings(row: GifRow) -> list[Posting]:
    """Built only from the stored row, so every retry sends the very same body."""
    return [Posting(user=row.display, amount=row.cost, kind=PostingKind.REFUND, trigger_id=REFUND_TRIGGER,
                    reason=f"GIF #{row.id} rejected by {row.resolved_by}"[:200],
                    metadata={"approval": row.id, "purchase": row.purchase_id})]


def iso(ms: int | None) -> str:
    return from_ms(ms).isoformat() if ms is not None else ""


def approval_of(row: GifRow) -> GifApproval:
    return GifApproval(id=row.id, user=row.display, url=row.url, cost=row.cost, status=row.status,
                       created_at=iso(row.created_ms), resolved_by=row.resolved_by, resolved_at=iso(row.resolved_ms))


class GifApprovals:
    def __init__(self, *, store: ApprovalStore, ledger: RefundPoster, voice: Voice,
                 config: Callable[[], EconomyConfig], clock: Clock, channels: ChannelDirectory,
                 vanity: VanityWriter, count: Callable[[str], None] | None = None) -> None:
        self._store = store
        self._ledger = ledger
        self._voice = voice
        self._config = config
        self._clock = clock
        self._channels = channels
        self.vanity = vanity
        self._count = count or (lambda outcome: None)

    def now_ms(self) -> int:
        return to_ms(self._clock.now())

    def _channel(self, channel: str) -> str:
        name = self._channels.known(channel)
        if name is None:
            raise ServiceError(ErrorCode.BAD_REQUEST, f"unknown channel {channel!r}")
        return name

    def _z(self, amount: int) -> str:
        return f"{amount:,} {self._config().currency.symbol}"

    async def pending(self, channel: str) -> GifApprovalsResult:
        rows = await self._store.pending(self._channel(channel))
        return GifApprovalsResult(approvals=[approval_of(r) for r in rows])

    async def counts(self) -> dict[str, int]:
        """Pending GIFs and refunds owed, over every channel (``/health``)."""
        return await self._store.counts()

    async def pending_rows(self, channel: str) -> list[GifRow]:
        return await self._store.pending(self._channel(channel))

    async def resolve(self, channel: str, *, approved: bool, admin: str, approval_id: int | None = None,
                      user: str | None = None) -> ResolveGifResult:
        """Resolve GIF ``approval_id``, or ``user``'s oldest pending one. not_found: nothing pending;
        conflict: someone resolved it first (named); bad_request: neither an id nor a user."""
        name = self._channel(channel)
        row, more = await self._target(name, approval_id, user)
        if row.status != "pending":
            self._count("conflict")
            raise self._already(row)
        now_ms = self.now_ms()
        try:
            if approved:
                won = await self._store.resolve(row.id, "approved", admin, now_ms,
                                                also=lambda conn: self._set_gif(conn, row, now_ms))
            else:
                won = await self._store.resolve(row.id, "rejected", admin, now_ms,
                                                refund_state="owed" if row.cost > 0 else "")
        finally:
            await self.vanity.resync(row.channel, row.user_key)  # memory follows the file, won or not
        if not won:
            self._count("conflict")
            fresh = await self._store.get(row.id)
            raise self._already(fresh or row)
        self._count("approved" if approved else "rejected")
        tail = f" ({more} more pending)" if more else ""
        if approved:
            await self._voice.notify(name, row.display, f"🖼️ Your GIF was approved by {admin}! It's yours now.")
            return ResolveGifResult(approval_id=row.id, user=row.display, approved=True,
                                    message=f"✅ Approved GIF #{row.id} for {row.display}.{tail}")
        resolved = await self._store.get(row.id)
        refunded = await self._refund(resolved) if resolved is not None and row.cost > 0 else 0
        if row.cost <= 0:
            await self._voice.notify(name, row.display, f"🖼️ Your GIF was rejected by {admin}.")
            note = ""
        elif refunded:
            note = f"; {self._z(refunded)} refunded"
        elif (after := await self._store.get(row.id)) is not None and after.refund_state == "failed":
            note = f"; the ledger refused the refund of {self._z(row.cost)} (see the logs)"
        else:
            note = f"; the refund of {self._z(row.cost)} is owed (the bank is not answering) and will be paid soon"
        return ResolveGifResult(approval_id=row.id, user=row.display, approved=False, refunded=refunded,
                                message=f"❌ Rejected GIF #{row.id} for {row.display}{note}.{tail}")

    async def _target(self, channel: str, approval_id: int | None, user: str | None) -> tuple[GifRow, int]:
        """The GIF to resolve and how many more the same user has pending."""
        if approval_id is not None:
            row = await self._store.get(approval_id)
            if row is None or row.channel != channel_key(channel) or (user and row.user_key != user_key_of(user)):
                raise ServiceError(ErrorCode.NOT_FOUND, f"No GIF #{approval_id} in this channel.")
            others = [r for r in await self._store.pending_of(channel, row.display) if r.id != row.id]
            return row, len(others)
        if not user or not user.strip().lstrip("@"):
            raise ServiceError(ErrorCode.BAD_REQUEST, "name the GIF: approval_id or user")
        who = user.strip().lstrip("@")
        rows = await self._store.pending_of(channel, who)
        if not rows:
            recent = await self._store.latest_resolved(channel, who)
            if recent is not None and self.now_ms() - (recent.resolved_ms or 0) <= JUST_RESOLVED_MS:
                self._count("conflict")
                raise self._already(recent)  # another admin was a moment faster: say who
            raise ServiceError(ErrorCode.NOT_FOUND, f"No pending GIF for {who}.")
        return rows[0], len(rows) - 1

    def _already(self, row: GifRow) -> ServiceError:
        by = f" by {row.resolved_by}" if row.resolved_by else ""
        return ServiceError(ErrorCode.CONFLICT, f"GIF #{row.id} for {row.display} was already {row.status}{by}.",
                            data={"approval_id": row.id, "status": row.status, "resolved_by": row.resolved_by})

    async def _set_gif(self, conn: aiosqlite.Connection, row: GifRow, now_ms: int) -> None:
        await self.vanity.set_item(row.channel, row.display, row.display, "gif", row.url, row.purchase_id,
                                   now_ms, conn=conn)

    async def _refund(self, row: GifRow) -> int:
        """One attempt at an owed refund (same key, same body every time); the amount when it is settled
        now, else 0. Only the attempt that settles it tells the user."""
        outcome = await self._ledger.post(self._channels.display(row.channel), refund_key(row), refund_postings(row),
                                          want_balances=False)
        if not outcome.answered:
            log.warning("gif_refund_unanswered", approval=row.id, message=outcome.message)
            return 0
        name = self._channels.display(row.channel)
        if outcome.moved:
            if await self._store.settle_refund(row.id, "done"):
                self._count("refunded")
                await self._voice.notify(name, row.display, f"🖼️ Your GIF was rejected by {row.resolved_by}; "
                                         f"{self._z(row.cost)} refunded.")
            return row.cost
        log.error("gif_refund_refused", approval=row.id, code=str(outcome.code), message=outcome.message)
        if await self._store.settle_refund(row.id, "failed"):
            self._count("refund_failed")
            await self._voice.notify(name, row.display, f"🖼️ Your GIF was rejected by {row.resolved_by}, but the "
                                     "refund could not be made. Please ask an admin.")
        return 0

    async def retry_refunds(self) -> int:
        """One pass over every owed refund; returns how many were settled."""
        settled = 0
        for row in await self._store.owed():
            if self._channels.known(row.channel) is None:
                continue  # a channel no longer configured: kept owed, not lost
            if await self._refund(row):
                settled += 1
        return settled


def user_key_of(name: str) -> str:
    return user_key(name.strip().lstrip("@"))


class GifRefundRetry(PeriodicJob):
    """Refunds left owed by a silent ledger: a pass right after start, then every ~30 s."""

    name = "gif-refund-retry"
    catch_up_in_start = False  # in the background: a slow ledger must not hold the start-up

    def __init__(self, approvals: GifApprovals, clock: Clock, poll_seconds: float = RETRY_SECONDS) -> None:
        super().__init__(clock, poll_seconds)
        self._approvals = approvals

    async def run_due(self) -> int:
        return await self._approvals.retry_refunds()
