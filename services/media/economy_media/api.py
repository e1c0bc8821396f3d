"""Media's request subject: ``kryten.economy.media.command`` (schemas in ``economy_shared.schemas.media``).

``media.search``, ``media.queue_preview``, ``media.queue``, ``media.queue_refund``, ``media.approvals``
and ``media.resolve_approval`` run the same use cases as the PM commands. The public
``kryten.economy.command`` forwards the original's ``spending.queue_preview`` / ``spending.queue`` /
``spending.queue_refund`` / ``approval.list`` / ``approval.resolve`` here (DECISIONS 24).
"""

from __future__ import annotations

from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.media import (
    ApprovalsRequest,
    ApprovalsResult,
    QueuePreview,
    QueuePreviewRequest,
    QueueRefundRequest,
    QueueRequest,
    QueueResult,
    ResolveApprovalRequest,
    SearchRequest,
    SearchResult,
)

from .approvals import Approvals
from .queueing import Queueing
from .searching import Searching


def register(router: RequestRouter, *, searching: Searching, queueing: Queueing, approvals: Approvals) -> None:
    @router.route(SearchRequest)
    async def search(req: SearchRequest) -> SearchResult:
        return await searching.search(req.channel, req.query, req.user)

    @router.route(QueuePreviewRequest)
    async def preview(req: QueuePreviewRequest) -> QueuePreview:
        return await queueing.preview(req.channel, req.user, req.action, req.media_id)

    @router.route(QueueRequest)
    async def queue(req: QueueRequest) -> QueueResult:
        return await queueing.request(req.channel, req.user, req.action, req.media_id, req.client_ref)

    @router.route(QueueRefundRequest)
    async def refund(req: QueueRefundRequest) -> QueueResult:
        return await queueing.refund_state(req.channel, req.client_ref, req.user)

    @router.route(ApprovalsRequest)
    async def pending(req: ApprovalsRequest) -> ApprovalsResult:
        return await approvals.pending(req.channel)

    @router.route(ResolveApprovalRequest)
    async def resolve(req: ResolveApprovalRequest) -> QueueResult:
        return await approvals.resolve(req.channel, req.approval_id, req.approved, req.resolved_by)
