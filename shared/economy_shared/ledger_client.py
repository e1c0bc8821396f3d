"""Typed access to the ledger for every other service.

Money requests come back as ``LedgerOutcome`` (see ledger_outcome.py). A request the ledger did not
answer is re-sent with the very same key and body a few times (``retries``); if it still gets no
answer the caller receives UNAVAILABLE and must keep the request (key *and* body) to send again
later — never re-post the money under a new key, because the first attempt may have committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Literal

from .envelope import Reply
from .ledger_outcome import LedgerOutcome, Status
from .runtime.requests import call
from .schemas.base import Request
from .schemas.competitions import DailyEarningsRequest, DailyEarningsResult
from .schemas.ledger import (
    AccountView,
    BalanceRequest,
    BalancesRequest,
    BalancesResult,
    BanStatusRequest,
    BanStatusResult,
    Posting,
    PostItem,
    PostManyRequest,
    PostManyResult,
    PostRequest,
    RankPerksManyRequest,
    RankPerksManyResult,
    RankPerksResult,
)
from .subjects import service_subject

SUBJECT = service_subject("ledger")


class LedgerClient:
    def __init__(self, client: Any, timeout: float = 5.0, retries: int = 2, backoff: float = 0.2) -> None:
        self._client = client
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff

    # ---- money -------------------------------------------------------------------------------------
    async def post(
        self,
        channel: str,
        key: str,
        postings: Sequence[Posting],
        *,
        on_banned: Literal["reject", "skip"] = "reject",
        want_balances: bool = True,
    ) -> LedgerOutcome:
        """Apply ``postings`` atomically, once per ``key``."""
        req = PostRequest(
            channel=channel, idempotency_key=key, postings=list(postings), on_banned=on_banned,
            want_balances=want_balances,
        )
        return LedgerOutcome.from_reply(await self._send(req))

    async def post_item(self, channel: str, item: PostItem) -> LedgerOutcome:
        """``post`` for a request kept as a ``PostItem`` (a retry sends exactly the stored body)."""
        return LedgerOutcome.from_reply(await self._send(PostRequest(channel=channel, **item.model_dump())))

    async def post_many(self, channel: str, items: Sequence[PostItem]) -> list[LedgerOutcome]:
        """Independent idempotent posts in one ledger commit: one outcome per item, in order."""
        reply = await self._send(PostManyRequest(channel=channel, items=list(items)))
        if not reply.success:
            whole = LedgerOutcome.from_reply(reply)
            if whole.status is not Status.UNAVAILABLE:  # the batch itself was refused (bad_request …)
                return [whole] * len(items)
            return [LedgerOutcome.unavailable(reply.error or "")] * len(items)
        outcomes = [LedgerOutcome.from_item(o) for o in PostManyResult.model_validate(reply.data).outcomes]
        missing = len(items) - len(outcomes)
        return outcomes[: len(items)] + [LedgerOutcome.unavailable("no outcome")] * max(0, missing)

    async def _send(self, req: Request) -> Reply:
        reply = await call(self._client, SUBJECT, req, self._timeout)
        attempt = 0
        while LedgerOutcome.unanswered(reply) and attempt < self._retries:
            attempt += 1
            await asyncio.sleep(self._backoff * attempt)
            reply = await call(self._client, SUBJECT, req, self._timeout)
        return reply

    # ---- reads (None when the ledger does not answer) ----------------------------------------------
    async def account(self, channel: str, user: str) -> AccountView | None:
        reply = await call(self._client, SUBJECT, BalanceRequest(channel=channel, user=user), self._timeout)
        return AccountView.model_validate(reply.data) if reply.success else None

    async def balances(self, channel: str, users: Sequence[str]) -> dict[str, int] | None:
        """Balances by user key; users without an account are absent (none is created)."""
        if not users:
            return {}
        reply = await call(self._client, SUBJECT, BalancesRequest(channel=channel, users=list(users)), self._timeout)
        return BalancesResult.model_validate(reply.data).balances if reply.success else None

    async def daily_earnings(self, channel: str, day: str) -> dict[str, int] | None:
        """``ledger.daily_earnings``: the day's real earnings by user key; None when the ledger does not answer."""
        reply = await call(self._client, SUBJECT, DailyEarningsRequest(channel=channel, day=day), self._timeout)
        if not reply.success:
            return None
        return {r.user: r.earned for r in DailyEarningsResult.model_validate(reply.data).users}

    async def banned(self, channel: str, users: Sequence[str]) -> set[str] | None:
        """The user keys among ``users`` that are banned from the economy."""
        if not users:
            return set()
        reply = await call(self._client, SUBJECT, BanStatusRequest(channel=channel, users=list(users)), self._timeout)
        return set(BanStatusResult.model_validate(reply.data).banned) if reply.success else None

    async def rank_perks_many(self, channel: str, users: Sequence[str]) -> dict[str, RankPerksResult] | None:
        """Rank perks by the name as asked (``ledger.rank_perks_many``, 1,000 names a request); None when the
        ledger does not answer (or is older and does not know the request)."""
        out: dict[str, RankPerksResult] = {}
        names = list(dict.fromkeys(users))
        for i in range(0, len(names), 1000):
            req = RankPerksManyRequest(channel=channel, users=names[i : i + 1000])
            reply = await call(self._client, SUBJECT, req, self._timeout)
            if not reply.success:
                return None
            try:
                out.update(RankPerksManyResult.model_validate(reply.data).perks)
            except ValueError:
                return None
        return out
