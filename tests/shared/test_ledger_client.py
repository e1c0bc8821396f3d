"""LedgerClient + LedgerOutcome against a real ledger service on the in-memory bus.

The money contract (issue "foundations"): one typed outcome; a lost answer is retried under the same
key with the same body (so it can only replay); refusals are stored as the key's answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock
from economy_shared.envelope import ErrorCode
from economy_shared.ledger_client import LedgerClient
from economy_shared.ledger_outcome import Status
from economy_shared.schemas.ledger import Posting, PostingKind, PostItem
from economy_shared.testing import InMemoryBus, MockKrytenClient
from tests.helpers import CHANNEL, Stack, make_config


class LossyClient:
    """Delivers a request, then loses the answer ``drop`` times (the ledger committed; we never hear)."""

    def __init__(self, inner: MockKrytenClient, drop: int = 0) -> None:
        self.inner = inner
        self.drop = drop
        self.sent: list[dict[str, Any]] = []

    async def nats_request(self, subject: str, request: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        self.sent.append(request)
        reply = await self.inner.nats_request(subject, request, timeout=timeout)
        if self.drop > 0:
            self.drop -= 1
            raise TimeoutError("reply lost")
        return reply


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    s = Stack(InMemoryBus(), make_config(tmp_path), FakeClock())
    await s.add(LedgerService)
    yield s
    await s.close()


def earn(user: str, amount: int) -> Posting:
    return Posting(user=user, amount=amount, kind=PostingKind.EARN, trigger_id="test")


def spend(user: str, amount: int) -> Posting:
    return Posting(user=user, amount=-amount, kind=PostingKind.SPEND, trigger_id="test")


async def test_applied_then_replayed(stack: Stack) -> None:
    ledger = LedgerClient(stack.robot, backoff=0)
    first = await ledger.post(CHANNEL, "k1", [earn("alice", 10)])
    again = await ledger.post(CHANNEL, "k1", [earn("alice", 10)])
    assert first.status is Status.APPLIED and first.applied and first.moved
    assert again.status is Status.REPLAYED and not again.applied and again.moved
    assert first.balance_of("Alice") == 10 and again.balance_of("alice") == 10


async def test_lost_answer_is_retried_with_the_same_key_and_body_and_pays_once(stack: Stack) -> None:
    lossy = LossyClient(stack.robot, drop=1)
    ledger = LedgerClient(lossy, backoff=0)
    outcome = await ledger.post(CHANNEL, "k-lost", [earn("alice", 25)])
    assert outcome.status is Status.REPLAYED  # the first attempt committed; the retry can only replay
    assert len(lossy.sent) == 2 and lossy.sent[0] == lossy.sent[1]
    view = await LedgerClient(stack.robot).account(CHANNEL, "alice")
    assert view is not None and view.balance == 25


async def test_no_answer_at_all_is_unavailable_and_changes_nothing(stack: Stack) -> None:
    lossy = LossyClient(stack.robot, drop=10)
    ledger = LedgerClient(lossy, retries=2, backoff=0)
    outcome = await ledger.post(CHANNEL, "k-dark", [earn("bob", 5)])
    assert outcome.status is Status.UNAVAILABLE and not outcome.answered and not outcome.moved
    assert len(lossy.sent) == 3 and all(r == lossy.sent[0] for r in lossy.sent)
    # later, with the ledger reachable again, the kept request is sent as it was: a replay, paid once
    later = await LedgerClient(stack.robot).post(CHANNEL, "k-dark", [earn("bob", 5)])
    assert later.status is Status.REPLAYED and later.balance_of("bob") == 5


async def test_nobody_listening_is_unavailable(tmp_path: Path) -> None:
    client = MockKrytenClient(InMemoryBus(), channel=CHANNEL)
    outcome = await LedgerClient(client, retries=1, backoff=0).post(CHANNEL, "k", [earn("a", 1)])
    assert outcome.status is Status.UNAVAILABLE
    assert await LedgerClient(client).account(CHANNEL, "a") is None
    assert await LedgerClient(client).banned(CHANNEL, ["a"]) is None


async def test_refusal_is_stored_and_replayed_even_after_the_user_can_pay(stack: Stack) -> None:
    ledger = LedgerClient(stack.robot, backoff=0)
    refused = await ledger.post(CHANNEL, "buy:1", [spend("carol", 30)])
    assert refused.status is Status.REFUSED and refused.insufficient and not refused.replayed_refusal
    assert refused.code == ErrorCode.INSUFFICIENT_FUNDS and refused.short_user == "carol"
    await ledger.post(CHANNEL, "fund", [earn("carol", 100)])
    replay = await ledger.post(CHANNEL, "buy:1", [spend("carol", 30)])
    assert replay.insufficient and replay.replayed_refusal
    assert (await ledger.account(CHANNEL, "carol")).balance == 100  # type: ignore[union-attr]


async def test_conflict_and_banned(stack: Stack) -> None:
    ledger = LedgerClient(stack.robot, backoff=0)
    await ledger.post(CHANNEL, "k", [earn("dave", 1)])
    assert (await ledger.post(CHANNEL, "k", [earn("dave", 2)])).status is Status.CONFLICT
    service: LedgerService = stack.hosts[0].service  # type: ignore[assignment]
    await service.store.set_banned(CHANNEL, "dave", True, "test", 1)
    outcome = await ledger.post(CHANNEL, "k2", [earn("dave", 1)])
    assert outcome.banned and outcome.status is Status.REFUSED
    assert await ledger.banned(CHANNEL, ["Dave", "erin"]) == {"dave"}
    skipped = await ledger.post(CHANNEL, "k3", [earn("dave", 1), earn("erin", 1)], on_banned="skip")
    assert skipped.applied and skipped.skipped == ["dave"]


async def test_post_many_gives_one_outcome_per_item(stack: Stack) -> None:
    ledger = LedgerClient(stack.robot, backoff=0)
    items = [
        PostItem(idempotency_key="m1", postings=[earn("frank", 10)]),
        PostItem(idempotency_key="m2", postings=[spend("frank", 50)]),
        PostItem(idempotency_key="m1", postings=[earn("frank", 10)]),
    ]
    outcomes = await ledger.post_many(CHANNEL, items)
    assert [o.status for o in outcomes] == [Status.APPLIED, Status.REFUSED, Status.REPLAYED]
    assert outcomes[1].insufficient
    again = await ledger.post_many(CHANNEL, items[1:2])
    assert again[0].insufficient and again[0].replayed_refusal
    assert (await ledger.post_item(CHANNEL, items[0])).status is Status.REPLAYED
    assert await ledger.balances(CHANNEL, ["frank", "nobody"]) == {"frank": 10}


async def test_post_many_with_nobody_listening_is_unavailable_for_every_item() -> None:
    client = MockKrytenClient(InMemoryBus(), channel=CHANNEL)
    items = [PostItem(idempotency_key=f"x{i}", postings=[earn("a", 1)]) for i in range(3)]
    outcomes = await LedgerClient(client, retries=0).post_many(CHANNEL, items)
    assert [o.status for o in outcomes] == [Status.UNAVAILABLE] * 3
