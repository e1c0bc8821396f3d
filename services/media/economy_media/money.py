"""The two ledger requests of a queue request: its charge and its refund (DECISIONS 19, ARCHITECTURE §3).

Keys come from the request's token (a UUID written with the request before any money moves), so a
retry after a lost answer or a restart sends the same key with the same body and the ledger replays
it; a media database that was reset can never collide with old keys. Bodies are built only from the
stored request, so they are byte-for-byte the same on every attempt. The charge is a ``spend``
(counts to ``lifetime_spent``); the refund is a ``refund`` posting, which reverses it.
"""

from __future__ import annotations

from economy_shared.schemas.ledger import Posting, PostingKind

from .store import MediaRequest

REASON_LIMIT = 200


def charge_key(request: MediaRequest) -> str:
    return f"media:{request.token}:charge"


def refund_key(request: MediaRequest) -> str:
    return f"media:{request.token}:refund"


def _reason(text: str) -> str:
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def _meta(request: MediaRequest) -> dict[str, object]:
    return {"media_id": request.media_id, "request": request.id}


def charge_postings(request: MediaRequest) -> list[Posting]:
    return [Posting(user=request.display, amount=-request.cost, kind=PostingKind.SPEND,
                    trigger_id=f"media.{request.action}", reason=_reason(f"{request.action}: {request.title}"),
                    metadata=_meta(request))]


def refund_postings(request: MediaRequest) -> list[Posting]:
    why = request.refund_reason or "not queued"
    return [Posting(user=request.display, amount=request.cost, kind=PostingKind.REFUND,
                    trigger_id=f"media.{request.action}.refund",
                    reason=_reason(f"refund ({why}): {request.title}"), metadata=_meta(request))]
