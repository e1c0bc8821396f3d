"""Paid queue actions: queue, playnext, forcenow; their preview; a caller's refund check (DECISIONS 19).

Flow of a request: the gate's checks → the request is stored, claiming the cooldown and the day's
allowance → one ledger spend → ``add_media`` (or an admin's approval for a gated forcenow) → queued,
or refunded with the cooldown and allowance given back. Nothing is charged when the item is unknown,
the catalog or the bank is down, or the user cannot pay. What happens to a request that is still in
flight when the service stops is decided at the next start (recovery.py).

Success returns a ``QueueResult`` (queued, or awaiting approval); every other end raises a
``ServiceError`` whose message is the user's line and whose data is the ``QueueResult``.
"""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.schemas.media import MediaAction, QueuePreview, QueueResult
from economy_shared.users import user_key

from . import texts
from .fulfilment import Fulfilment, result_of
from .gate import Gate
from .limits import cooldown_left_seconds
from .metrics import MediaMetrics
from .store import ClaimRefused, DuplicateRef, MediaRequest, NewRequest, RequestStore


def known_channel(channels: ChannelDirectory, channel: str) -> str:
    """The channel's key; a channel this economy does not run is a not_found."""
    if channel not in channels:
        raise ServiceError(ErrorCode.NOT_FOUND, f"channel {channel!r} is not configured")
    return channel_key(channel)


def outcome(config: EconomyConfig, req: MediaRequest) -> QueueResult:
    """The caller's answer for a request as it stands: its result, or the error that describes it."""
    result = result_of(req)
    data = result.model_dump(mode="json")
    if req.status in ("completed", "awaiting_approval"):
        return result
    if req.status == "void":
        raise ServiceError(req.error_code or ErrorCode.CONFLICT, req.error or texts.NOT_THROUGH, data)
    if req.status in ("refunding", "refunded"):
        text = texts.refunded(config, req.title, req.cost, req.error or "", req.status == "refunded")
        raise ServiceError(req.error_code or ErrorCode.UNAVAILABLE, text, data)
    raise ServiceError(ErrorCode.UNAVAILABLE, texts.PENDING, data)  # charging, adding: still in flight


class Queueing:
    def __init__(self, *, gate: Gate, store: RequestStore, fulfilment: Fulfilment,
                 config: Callable[[], EconomyConfig], clock: Clock, metrics: MediaMetrics,
                 channels: ChannelDirectory) -> None:
        self._gate = gate
        self._store = store
        self._fulfilment = fulfilment
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._channels = channels

    async def request(self, channel: str, user: str, action: MediaAction, media_id: str,
                      client_ref: str | None = None) -> QueueResult:
        chan = known_channel(self._channels, channel)
        if client_ref is not None:
            existing = await self._store.by_ref(chan, client_ref)
            if existing is not None:
                return self._replay(existing, user, action, media_id)
        try:
            a = await self._gate.assess(channel, chan, user, action, media_id, preview=False)
        except ServiceError as err:
            self._metrics.queues.labels(chan, action, "refused").inc()
            raise err
        new = NewRequest(
            channel=chan, user=user, action=action, media_id=a.item.id, title=a.item.title,
            duration=a.item.duration_seconds, cytube_type=a.media[0], cytube_id=a.media[1], tier=a.quote.tier,
            base_cost=a.quote.base_cost, discount=a.quote.discount_percent, cost=a.quote.cost,
            rank_name=a.perks.rank_name, needs_approval=a.needs_approval, client_ref=client_ref,
        )
        cfg = self._config()
        try:
            req = await self._store.claim(new, self._clock.now(), a.allowed, cfg.spending.queue_cooldown_minutes * 60)
        except ClaimRefused as refused:  # a concurrent request of the same user got there first
            self._metrics.queues.labels(chan, action, "refused").inc()
            if refused.reason == "daily":
                raise ServiceError(ErrorCode.LIMIT, texts.daily_limit(a.allowed)) from None
            left = cooldown_left_seconds(cfg.spending, refused.usage.last_ms, to_ms(self._clock.now()))
            raise ServiceError(ErrorCode.COOLDOWN, texts.cooldown(left)) from None
        except DuplicateRef:
            existing = await self._store.by_ref(chan, client_ref or "")
            assert existing is not None
            return self._replay(existing, user, action, media_id)
        async with self._fulfilment.working(req.id):
            req = await self._fulfilment.charge(req)
            if req.status == "adding":
                req = await self._fulfilment.deliver(req)
        return outcome(self._config(), req)

    def _replay(self, req: MediaRequest, user: str, action: MediaAction, media_id: str) -> QueueResult:
        if req.user_key != user_key(user):
            raise ServiceError(ErrorCode.FORBIDDEN, "that request belongs to someone else")
        if req.action != action or req.media_id != media_id:
            raise ServiceError(ErrorCode.IDEMPOTENCY_CONFLICT, "client_ref was already used for another request")
        return outcome(self._config(), req)

    async def preview(self, channel: str, user: str, action: MediaAction, media_id: str) -> QueuePreview:
        chan = known_channel(self._channels, channel)
        a = await self._gate.assess(channel, chan, user, action, media_id, preview=True)
        return QueuePreview(
            eligible=a.refusal is None,
            reason_code=a.refusal.code if a.refusal else None,
            reason=a.refusal.message if a.refusal else "",
            action=action, media_id=a.item.id, title=a.item.title, duration_seconds=a.item.duration_seconds,
            tier=a.quote.tier, base_cost=a.quote.base_cost, discount_percent=a.quote.discount_percent,
            cost=a.quote.cost, balance=a.account.balance if a.account.found else None,
            queues_today=a.usage.today, queues_allowed=a.allowed, cooldown_seconds_left=a.cooldown_left,
            blackout=a.blackout.name if a.blackout else None,
            blackout_ends_ms=to_ms(a.blackout.ends) if a.blackout else None,
            needs_approval=a.needs_approval,
        )

    async def refund_state(self, channel: str, client_ref: str, user: str | None) -> QueueResult:
        """A caller's ``queue_refund``: refunds happen by themselves; this finishes one in flight and reports."""
        chan = known_channel(self._channels, channel)
        req = await self._store.by_ref(chan, client_ref)
        if req is None:
            raise ServiceError(ErrorCode.NOT_FOUND, f"no queue request {client_ref!r}")
        if user is not None and req.user_key != user_key(user):
            raise ServiceError(ErrorCode.FORBIDDEN, "only the request's own spender can be refunded")
        if req.status in ("charging", "adding", "refunding"):
            async with self._fulfilment.working(req.id) as mine:
                if mine:
                    req = await self._fulfilment.finish(req)
        if req.status == "completed":
            raise ServiceError(ErrorCode.CONFLICT, "that item reached the playlist; it is not refundable",
                               result_of(req).model_dump(mode="json"))
        if req.status == "awaiting_approval":
            raise ServiceError(ErrorCode.CONFLICT, "that force-play waits for an admin; a rejection refunds it",
                               result_of(req).model_dump(mode="json"))
        if req.status in ("charging", "adding"):
            raise ServiceError(ErrorCode.UNAVAILABLE, "that request is still in progress",
                               result_of(req).model_dump(mode="json"))
        return result_of(req)  # refunded, refunding (refund in flight) or void (nothing was taken)
