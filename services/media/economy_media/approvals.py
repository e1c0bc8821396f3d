"""Force-play approvals (``spending.force_play_requires_admin``): charged at request, played or refunded by an admin.

Approving and rejecting are mutually exclusive status moves out of ``awaiting_approval``, so two admins
(or an admin and a retry) cannot both act on one request. An approved request is delivered like any
other (add next, then jump); if CyTube does not take it the user is refunded. The requester is told
either way by an unsolicited PM.
"""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.schemas.media import ApprovalsResult, PendingApproval, QueueResult
from economy_shared.voice import Voice

from . import texts
from .fulfilment import Fulfilment, result_of
from .queueing import known_channel
from .store import RequestStore


class Approvals:
    def __init__(self, *, store: RequestStore, fulfilment: Fulfilment, voice: Voice,
                 config: Callable[[], EconomyConfig], clock: Clock, channels: ChannelDirectory) -> None:
        self._store = store
        self._fulfilment = fulfilment
        self._voice = voice
        self._config = config
        self._clock = clock
        self._channels = channels

    async def pending(self, channel: str) -> ApprovalsResult:
        chan = known_channel(self._channels, channel)
        rows = await self._store.awaiting_approval(chan)
        return ApprovalsResult(approvals=[
            PendingApproval(approval_id=r.id, user=r.display, media_id=r.media_id, title=r.title,
                            duration_seconds=r.duration, cost=r.cost, requested_ms=r.at_ms)
            for r in rows
        ])

    def now_ms(self) -> int:
        return to_ms(self._clock.now())

    async def resolve(self, channel: str, approval_id: int, approved: bool, admin: str) -> QueueResult:
        chan = known_channel(self._channels, channel)
        req = await self._store.get(approval_id)
        if req is None or req.channel != chan or req.status != "awaiting_approval":
            raise ServiceError(ErrorCode.NOT_FOUND, f"No force-play #{approval_id} is waiting for approval.")
        now = self._clock.now()
        if approved:
            moved = await self._store.move(req.id, ("awaiting_approval",), "adding", now, resolved_by=admin,
                                           resolved_ms=to_ms(now))
        else:
            why = f"rejected by {admin}"
            moved = await self._store.move(req.id, ("awaiting_approval",), "refunding", now, resolved_by=admin,
                                           resolved_ms=to_ms(now), refund_reason=why, error=why,
                                           error_code=ErrorCode.FORBIDDEN.value)
        if moved is None:
            raise ServiceError(ErrorCode.NOT_FOUND, f"Force-play #{approval_id} was already resolved.")
        async with self._fulfilment.working(moved.id):
            done = await (self._fulfilment.deliver(moved) if approved else self._fulfilment.refund(moved))
        result = result_of(done)
        cfg = self._config()
        note = texts.approved_for_user(cfg, result, admin) if approved else texts.rejected_for_user(cfg, result, admin)
        await self._voice.notify(self._channels.display(chan), done.display, note)
        return result
