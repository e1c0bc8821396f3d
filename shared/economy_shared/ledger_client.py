"""Typed access to the ledger for other services. Retries are safe: every post carries its idempotency key."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Literal

from .envelope import Reply
from .runtime.requests import call
from .schemas.base import Request
from .schemas.ledger import AccountView, BalanceRequest, Posting, PostItem, PostManyRequest, PostRequest
from .subjects import service_subject

SUBJECT = service_subject("ledger")


class LedgerClient:
    def __init__(self, client: Any, timeout: float = 5.0, retries: int = 2, backoff: float = 0.2) -> None:
        self._client = client
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff

    async def post(
        self,
        channel: str,
        key: str,
        postings: Sequence[Posting],
        *,
        on_banned: Literal["reject", "skip"] = "reject",
        want_balances: bool = True,
    ) -> Reply:
        req = PostRequest(
            channel=channel, idempotency_key=key, postings=list(postings), on_banned=on_banned,
            want_balances=want_balances,
        )
        return await self._send(req)

    async def post_many(self, channel: str, items: Sequence[PostItem]) -> Reply:
        """Independent idempotent posts in one ledger commit; ``data.outcomes`` is one per item, in order."""
        return await self._send(PostManyRequest(channel=channel, items=list(items)))

    async def _send(self, req: Request) -> Reply:
        reply = await call(self._client, SUBJECT, req, self._timeout)
        attempt = 0
        while reply.error_code == "unavailable" and attempt < self._retries:
            attempt += 1
            await asyncio.sleep(self._backoff * attempt)
            reply = await call(self._client, SUBJECT, req, self._timeout)
        return reply

    async def account(self, channel: str, user: str) -> AccountView | None:
        reply = await call(self._client, SUBJECT, BalanceRequest(channel=channel, user=user), self._timeout)
        return AccountView.model_validate(reply.data) if reply.success else None
