"""GIF approvals on the announcer's request subject: ``announcer.gif_approvals`` → GifApprovalsResult and
``announcer.resolve_gif`` (by ``approval_id`` or ``user``; ``approved`` required) → ResolveGifResult.
Failures: ``not_found`` (nothing pending), ``conflict`` (already resolved), ``bad_request``. The same
use case as the PM words (approvals.py)."""

from __future__ import annotations

from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.vanity import GifApprovalsRequest, GifApprovalsResult, ResolveGifRequest, ResolveGifResult

from .approvals import GifApprovals


def register(router: RequestRouter, approvals: GifApprovals) -> None:

    @router.route(GifApprovalsRequest)
    async def gif_approvals(req: GifApprovalsRequest) -> GifApprovalsResult:
        return await approvals.pending(req.channel)

    @router.route(ResolveGifRequest)
    async def resolve_gif(req: ResolveGifRequest) -> ResolveGifResult:
        return await approvals.resolve(req.channel, approved=req.approved, admin=req.resolved_by,
                                       approval_id=req.approval_id, user=req.user)
