"""Media requests on ``kryten.economy.media.command``: catalog search, queue preview, paid queueing,
force-play approvals (sprint 5 §8-9, DECISIONS 19).

A business "no" (blackout, limit, cooldown, unknown item, not enough money) is a failure reply with an
``ErrorCode``; its ``error`` is the line a user is shown. A queue request that was charged and then
refunded (the robot refused or did not answer) is a failure too, and carries the request's
``QueueResult`` in ``data`` so the caller sees the refund.

The user's rank discount and extra queues come from the ledger's ``ledger.rank_perks``
(``schemas/ledger.py``, DECISIONS 17).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .base import Request, Result, UserName

MediaAction = Literal["queue", "playnext", "forcenow"]

# A MediaCMS ``friendly_token`` (what users type after ``queue``); safe to put in a URL path.
CatalogId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                             pattern=r"^[A-Za-z0-9_-]+$")]
ClientRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

# What a caller sees of a request's life: pending (money or robot answer in flight), awaiting_approval
# (charged, an admin decides), queued (on the playlist), refunding / refunded (given back), refused
# (the ledger said no; nothing was taken).
RequestStatus = Literal["pending", "awaiting_approval", "queued", "refunding", "refunded", "refused"]


# ---- search -------------------------------------------------------------------------------------
class SearchRequest(Request):
    """Search the catalog; with ``user`` the prices include that user's rank discount."""

    command: Literal["media.search"] = "media.search"
    query: str = Field(min_length=1, max_length=200)
    user: UserName | None = None


class CatalogEntry(Result):
    id: str
    title: str
    duration_seconds: int
    tier: str
    base_cost: int  # the queue price before the discount
    cost: int  # what ``queue <id>`` charges this user


class SearchResult(Result):
    query: str
    discount_percent: int = 0
    results: list[CatalogEntry] = Field(default_factory=list)


# ---- queueing -----------------------------------------------------------------------------------
class QueuePreviewRequest(Request):
    """Price and eligibility of one queue action, without side effects (the original's ``spending.queue_preview``)."""

    command: Literal["media.queue_preview"] = "media.queue_preview"
    user: UserName
    media_id: CatalogId
    action: MediaAction = "queue"


class QueuePreview(Result):
    eligible: bool
    reason_code: str | None = None  # an ErrorCode when not eligible
    reason: str = ""  # the line a user would be shown
    action: MediaAction
    media_id: str
    title: str
    duration_seconds: int
    tier: str
    base_cost: int
    discount_percent: int = 0
    cost: int
    balance: int | None = None
    queues_today: int = 0
    queues_allowed: int = 0
    cooldown_seconds_left: int = 0
    blackout: str | None = None
    blackout_ends_ms: int | None = None
    needs_approval: bool = False


class QueueRequest(Request):
    """Charge ``user`` and put the item on the playlist (``forcenow`` may wait for an admin).

    ``client_ref`` makes the call idempotent for a caller (the original's ``spending.queue`` request_id):
    the same ref returns that request's current state and never charges twice.
    """

    command: Literal["media.queue"] = "media.queue"
    user: UserName
    media_id: CatalogId
    action: MediaAction = "queue"
    client_ref: ClientRef | None = None


class QueueResult(Result):
    request_id: int
    status: RequestStatus
    action: MediaAction
    user: str
    media_id: str
    title: str
    duration_seconds: int
    base_cost: int
    discount_percent: int = 0
    cost: int
    rank_name: str = ""
    balance: int | None = None
    uid: int | str | None = None  # the playlist uid the robot gave the item
    played_now: bool = False  # forcenow: the robot was told to jump to it
    refunded: int = 0
    error: str = ""  # why it was refused or refunded


class QueueRefundRequest(Request):
    """The refund state of a ``client_ref`` request (the original's ``spending.queue_refund``).

    Refunds are automatic (DECISIONS 19): a request whose item never reached the playlist is
    refunded to its original spender only; this pushes a refund that is still in flight and reports
    it. A request whose item was queued is never refunded here.
    """

    command: Literal["media.queue_refund"] = "media.queue_refund"
    client_ref: ClientRef
    user: UserName | None = None  # when given, it must be the request's spender


# ---- force-play approvals -----------------------------------------------------------------------
class ApprovalsRequest(Request):
    command: Literal["media.approvals"] = "media.approvals"


class PendingApproval(Result):
    approval_id: int
    user: str
    media_id: str
    title: str
    duration_seconds: int
    cost: int
    requested_ms: int


class ApprovalsResult(Result):
    approvals: list[PendingApproval] = Field(default_factory=list)


class ResolveApprovalRequest(Request):
    """Approve (play it now) or reject (refund it). ``approved`` is required: a missing field is a bad request."""

    command: Literal["media.resolve_approval"] = "media.resolve_approval"
    approval_id: int = Field(ge=1)
    approved: bool
    resolved_by: UserName
