"""The one credit path of presence-and-earning: post earnings, report each ``LedgerOutcome``, keep what
got no answer.

Money contract (ARCHITECTURE §3): a request the ledger did not answer (UNAVAILABLE) may have committed,
so it is kept — key *and* exact body, a ``PostItem``'s JSON, in presence's database — and re-sent as it
is (``resend``: at every tick and at start-up) until the ledger answers; it is never re-posted under a
new key. Whoever posts decides whether the path keeps an unanswered request (``keep=True``) or keeps it
itself (owed bonus rows, ambient rain, a tick's chunks stored in the tick's own transaction).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from economy_shared.clock import Clock, to_ms
from economy_shared.ledger_client import LedgerClient
from economy_shared.ledger_outcome import LedgerOutcome, Status
from economy_shared.schemas.ledger import Posting, PostingKind, PostItem
from economy_shared.users import user_key

from .batching import CreditBatcher
from .eligibility import EarningGate
from .metrics import PresenceMetrics
from .store import KeptRequest, PresenceStore

POSTINGS_PER_ITEM = 1000  # a PostItem's limit
POSTINGS_PER_REQUEST = 2000  # ~250 KB: well under NATS's 1 MB default payload


def earning(
    user: str, amount: int, trigger_id: str, reason: str = "", metadata: dict[str, Any] | None = None
) -> Posting:
    return Posting(user=user, amount=amount, kind=PostingKind.EARN, trigger_id=trigger_id, reason=reason[:200],
                   metadata=metadata)


def kept_request(channel: str, item: PostItem, source: str) -> KeptRequest:
    return KeptRequest(channel, item.idempotency_key, source, item.model_dump_json())


def paid_amount(item: PostItem, outcome: LedgerOutcome) -> int:
    """Z this item's answer says were credited (banned users skipped by the ledger are not)."""
    if not outcome.moved:
        return 0
    skipped = set(outcome.skipped)
    return sum(p.amount for p in item.postings if not skipped or user_key(p.user) not in skipped)


def request_groups(items: Sequence[PostItem], limit: int = POSTINGS_PER_REQUEST) -> list[list[PostItem]]:
    """Items in order, grouped into ``ledger.post_many`` requests of about ``limit`` postings."""
    groups: list[list[PostItem]] = []
    size = 0
    for item in items:
        n = len(item.postings)
        if not groups or (size + n > limit and groups[-1]) or len(groups[-1]) >= 1000:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += n
    return groups


# What a gated credit answers, without asking the ledger: a final "no" (nothing to keep or re-send).
NOT_ELIGIBLE = LedgerOutcome(Status.REFUSED, code="not_eligible", message="below the onboarding minimums")


class CreditPath:
    def __init__(
        self,
        ledger: LedgerClient,
        batcher: CreditBatcher,
        store: PresenceStore,
        metrics: PresenceMetrics,
        clock: Clock,
        log: Any,
    ) -> None:
        self._ledger = ledger
        self._batcher = batcher
        self._store = store
        self._metrics = metrics
        self._clock = clock
        self._log = log
        self._resending = asyncio.Lock()
        self.gate: EarningGate | None = None  # onboarding minimums (eligibility.py); set by the service

    def _admits(self, channel: str, posting: Posting) -> bool:
        """Earnings of users below the onboarding minimums are refused; admin grants (the admin ``rain``,
        split exactly as the admin chose) are not earnings (DECISIONS 5, 11) and always pass."""
        gate = self.gate
        return (gate is None or not gate.active or posting.kind != PostingKind.EARN
                or gate.allows(channel, user_key(posting.user), self._clock.now()))

    async def credit(
        self, channel: str, key: str, posting: Posting, source: str, *, keep: bool = True, gated: bool = True
    ) -> LedgerOutcome:
        """One earning under ``key`` (batched with other single credits); ``keep``: the path keeps it if unanswered.

        ``gated``: refused (nothing sent) while the user is below the onboarding minimums; the welcome
        wallet passes ``gated=False``.
        """
        if gated and not self._admits(channel, posting):
            return NOT_ELIGIBLE
        item = PostItem(idempotency_key=key, postings=[posting])
        outcome = await self._batcher.post(channel, item)
        self._observe(channel, source, item, outcome)
        if not outcome.answered and keep:
            await self.keep(channel, [item], source)
        return outcome

    async def post_items(
        self, channel: str, items: Sequence[PostItem], source: str, *, keep: bool = False
    ) -> list[LedgerOutcome]:
        """Many independent items, a few ``ledger.post_many`` requests; one outcome per item, in order.

        Postings of users below the onboarding minimums are dropped first; an item left empty is not sent
        (its outcome is ``NOT_ELIGIBLE``). Callers that keep unanswered items themselves filter first (the
        tick and ambient rain only see admitted users), so what they keep is what was sent.
        """
        items = self._admitted(channel, items)
        sent = [i for i in items if i is not None]
        answers: list[LedgerOutcome] = []
        for group in request_groups(sent):
            answers += await self._ledger.post_many(channel, group)
        it = iter(answers)
        outcomes = [NOT_ELIGIBLE if i is None else next(it) for i in items]
        lost = []
        for item, outcome in zip(sent, answers, strict=True):
            self._observe(channel, source, item, outcome)
            if not outcome.answered:
                lost.append(item)
        if lost and keep:
            await self.keep(channel, lost, source)
        return outcomes

    def _admitted(self, channel: str, items: Sequence[PostItem]) -> list[PostItem | None]:
        """``items`` without the postings of gated users (None: nothing left); the items themselves when
        the gate is off or admits everyone."""
        gate = self.gate
        if gate is None or not gate.active:
            return list(items)
        out: list[PostItem | None] = []
        for item in items:
            kept = [p for p in item.postings if self._admits(channel, p)]
            if len(kept) == len(item.postings):
                out.append(item)
            else:
                out.append(item.model_copy(update={"postings": kept}) if kept else None)
        return out

    async def keep(self, channel: str, items: Sequence[PostItem], source: str) -> None:
        await self._store.keep([kept_request(channel, i, source) for i in items], to_ms(self._clock.now()))
        self._log.warning("ledger_unanswered_kept", channel=channel, requests=len(items), source=source)

    async def resend(self) -> int:
        """Re-send every kept request with its own key and body; forget those answered. Returns how many remain."""
        async with self._resending:
            kept = await self._store.kept()
            if not kept:
                self._metrics.kept_requests.set(0)
                return 0
            by_channel: dict[str, list[KeptRequest]] = {}
            for k in kept:
                by_channel.setdefault(k.channel, []).append(k)
            answered: list[KeptRequest] = []
            unanswered: list[KeptRequest] = []
            for channel, rows in by_channel.items():
                row_of = {r.key: r for r in rows}
                items = [PostItem.model_validate_json(r.body) for r in rows]
                for group in request_groups(items):
                    outcomes = await self._ledger.post_many(channel, group)
                    for item, outcome in zip(group, outcomes, strict=True):
                        row = row_of[item.idempotency_key]
                        self._observe(channel, row.source, item, outcome)
                        (answered if outcome.answered else unanswered).append(row)
                    if not any(o.answered for o in outcomes):
                        break  # the ledger is still not answering: try again later
            await self._store.settle_kept(answered, unanswered)
            left = len(kept) - len(answered)
            self._metrics.kept_requests.set(left)
            if answered:
                self._log.info("ledger_unanswered_resent", answered=len(answered), left=left)
            return left

    def _observe(self, channel: str, source: str, item: PostItem, outcome: LedgerOutcome) -> None:
        if outcome.status is Status.APPLIED:
            self._metrics.earned(channel, source, paid_amount(item, outcome))
        elif outcome.status is Status.CONFLICT:
            self._log.error("ledger_key_conflict", channel=channel, key=item.idempotency_key)
        elif outcome.refused and not outcome.banned:
            self._log.warning("credit_refused", channel=channel, key=item.idempotency_key, code=str(outcome.code))
