"""The original's media names on the public ``kryten.economy.command``, forwarded to the media service.

DECISIONS 24 keeps the original command names: ``spending.queue_preview``, ``spending.queue``,
``spending.queue_refund``, ``approval.list`` and ``approval.resolve`` (sprint 5 §9, lessons §1.5).
The ledger only translates field names and passes the media service's answer on; the rules live in
media. ``request_id`` is the caller's idempotency reference for ``spending.queue`` (the same id never
charges twice) and names the request to ``spending.queue_refund``, which refunds only the spender
who made it. The approval commands are admin commands, refused unless ``api.allow_admin_commands``.
``approval.list`` and ``approval.resolve`` also reach the announcer's GIF approvals (type ``channel_gif``,
public_vanity.py): a list without a type has both kinds, each row with its ``type``.

One difference from the original: a business "no" is ``success: false`` with an ``error_code``, never
``success: true`` with ``data.success: false``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import Field

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, Reply, ServiceError
from economy_shared.pm.liveness import CLOSED
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import Request, UserName
from economy_shared.schemas.media import (
    ApprovalsRequest,
    CatalogId,
    ClientRef,
    MediaAction,
    QueuePreviewRequest,
    QueueRefundRequest,
    QueueRequest,
    ResolveApprovalRequest,
)
from economy_shared.schemas.vanity import GifApprovalsRequest, ResolveGifRequest

from .public_gate import admit_public_admin
from .public_vanity import answered as announcer_answered

# Asks the media service; any transport failure comes back as an ``unavailable`` reply.
AskMedia = Callable[[Request, float], Awaitable[Reply]]

# A queue request waits for the ledger's charge and the robot's ``add_media`` (at least 10 s).
QUEUE_TIMEOUT_SECONDS = 30.0
READ_TIMEOUT_SECONDS = 5.0
FORCE_PLAY = "force_play"
CHANNEL_GIF = "channel_gif"


class SpendingQueuePreview(Request):
    command: Literal["spending.queue_preview"] = "spending.queue_preview"
    username: UserName
    media_id: CatalogId
    action: MediaAction = "queue"


class SpendingQueue(Request):
    command: Literal["spending.queue"] = "spending.queue"
    username: UserName
    media_id: CatalogId
    action: MediaAction = "queue"
    request_id: ClientRef | None = None  # the caller's reference: the same id never charges twice


class SpendingQueueRefund(Request):
    command: Literal["spending.queue_refund"] = "spending.queue_refund"
    request_id: ClientRef
    username: UserName | None = None  # when given, it must be the request's spender


class ApprovalList(Request):
    command: Literal["approval.list"] = "approval.list"
    type: str | None = Field(default=None, max_length=40)  # force_play (media), channel_gif (announcer), None: both


class ApprovalResolve(Request):
    command: Literal["approval.resolve"] = "approval.resolve"
    approval_id: int = Field(ge=1)
    approved: bool  # required: the original read a missing field as "reject and refund"
    resolved_by: UserName
    type: Literal["force_play", "channel_gif"] = "force_play"


def answered(reply: Reply) -> dict:
    """The media service's data, or its refusal as this subject's failure (same code, same data)."""
    if reply.success:
        return reply.data
    if reply.service != "media":  # nobody answered: the transport's own "unavailable"
        raise ServiceError(ErrorCode.UNAVAILABLE, CLOSED["media"])
    raise ServiceError(reply.error_code or ErrorCode.INTERNAL, reply.error or "the media service refused",
                       reply.data)


def register_media_forwards(router: RequestRouter, ask: AskMedia, config: Callable[[], EconomyConfig],
                            ask_announcer: AskMedia | None = None) -> None:
    @router.route(SpendingQueuePreview)
    async def preview(req: SpendingQueuePreview) -> dict:
        return answered(await ask(QueuePreviewRequest(
            channel=req.channel, user=req.username, media_id=req.media_id, action=req.action,
        ), READ_TIMEOUT_SECONDS))

    @router.route(SpendingQueue)
    async def queue(req: SpendingQueue) -> dict:
        return answered(await ask(QueueRequest(
            channel=req.channel, user=req.username, media_id=req.media_id, action=req.action,
            client_ref=req.request_id,
        ), QUEUE_TIMEOUT_SECONDS))

    @router.route(SpendingQueueRefund)
    async def refund(req: SpendingQueueRefund) -> dict:
        return answered(await ask(QueueRefundRequest(
            channel=req.channel, client_ref=req.request_id, user=req.username,
        ), QUEUE_TIMEOUT_SECONDS))

    async def force_plays(channel: str) -> list[dict]:
        data = answered(await ask(ApprovalsRequest(channel=channel), READ_TIMEOUT_SECONDS))
        return [{**row, "type": FORCE_PLAY} for row in data.get("approvals", [])]

    async def gifs(channel: str) -> list[dict]:
        if ask_announcer is None:
            return []
        data = announcer_answered(await ask_announcer(GifApprovalsRequest(channel=channel), READ_TIMEOUT_SECONDS))
        return [{**row, "approval_id": row.get("id"), "type": CHANNEL_GIF} for row in data.get("approvals", [])]

    @router.route(ApprovalList)
    async def approvals(req: ApprovalList) -> dict:
        admit_public_admin(config(), req)
        if req.type == FORCE_PLAY:
            return {"approvals": await force_plays(req.channel)}
        if req.type == CHANNEL_GIF:
            return {"approvals": await gifs(req.channel)}
        if req.type is not None:
            return {"approvals": []}  # a kind nobody has
        # both kinds; a silent service leaves its kind out and is named, unless neither answers
        found = await asyncio.gather(force_plays(req.channel), gifs(req.channel), return_exceptions=True)
        rows: list[dict] = []
        silent: list[str] = []
        for kind, got in zip((FORCE_PLAY, CHANNEL_GIF), found, strict=True):
            if isinstance(got, ServiceError) and got.code == ErrorCode.UNAVAILABLE:
                silent.append(kind)
            elif isinstance(got, BaseException):
                raise got
            else:
                rows += got
        if len(silent) == 2:
            raise ServiceError(ErrorCode.UNAVAILABLE, "nobody answered for the approvals; try again in a minute")
        return {"approvals": rows, **({"unavailable": silent} if silent else {})}

    @router.route(ApprovalResolve)
    async def resolve(req: ApprovalResolve) -> dict:
        admit_public_admin(config(), req)
        if req.type == CHANNEL_GIF:
            if ask_announcer is None:
                raise ServiceError(ErrorCode.NOT_FOUND, f"No GIF #{req.approval_id} is waiting for approval.")
            gif = announcer_answered(await ask_announcer(ResolveGifRequest(
                channel=req.channel, approval_id=req.approval_id, approved=req.approved, resolved_by=req.resolved_by,
            ), QUEUE_TIMEOUT_SECONDS))
            return {**gif, "approval_id": req.approval_id, "approved": req.approved, "type": CHANNEL_GIF}
        data = answered(await ask(ResolveApprovalRequest(
            channel=req.channel, approval_id=req.approval_id, approved=req.approved, resolved_by=req.resolved_by,
        ), QUEUE_TIMEOUT_SECONDS))
        return {"approval_id": req.approval_id, "approved": req.approved, **data}
