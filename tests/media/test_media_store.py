"""The request store: the claim checks the cooldown and allowance atomically; refunds give slots back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from economy_media.store import MIGRATIONS, ClaimRefused, DuplicateRef, NewRequest, RequestStore
from economy_shared.db import Database

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def new(user: str = "Alice", ref: str | None = None, action: str = "queue") -> NewRequest:
    return NewRequest(channel="testchan", user=user, action=action, media_id="abc", title="T",  # type: ignore[arg-type]
                      duration=60, cytube_type="cm", cytube_id="https://m/abc.json", tier="Short", base_cost=250,
                      discount=0, cost=250, rank_name="", needs_approval=False, client_ref=ref)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[RequestStore]:
    db = Database(tmp_path / "media.db", MIGRATIONS)
    await db.open()
    yield RequestStore(db)
    await db.close()


async def test_cooldown_then_daily_allowance(store: RequestStore) -> None:
    first = await store.claim(new(), NOON, allowance=2, cooldown_seconds=600)
    assert first.status == "charging" and len(first.token) == 32
    with pytest.raises(ClaimRefused) as refused:
        await store.claim(new("ALICE"), NOON + timedelta(seconds=599), allowance=2, cooldown_seconds=600)
    assert refused.value.reason == "cooldown"  # the same user, whatever the case
    await store.claim(new("bob"), NOON, allowance=2, cooldown_seconds=600)  # another user is not held up
    await store.claim(new(), NOON + timedelta(seconds=600), allowance=2, cooldown_seconds=600)
    with pytest.raises(ClaimRefused) as limit:
        await store.claim(new(), NOON + timedelta(hours=1), allowance=2, cooldown_seconds=600)
    assert limit.value.reason == "daily" and limit.value.usage.today == 2
    tomorrow = datetime(2026, 1, 6, 0, 0, tzinfo=UTC)  # a new UTC day
    assert (await store.claim(new(), tomorrow, allowance=2, cooldown_seconds=600)).status == "charging"


async def test_refunded_and_void_requests_give_their_slot_back(store: RequestStore) -> None:
    a = await store.claim(new(), NOON, allowance=1, cooldown_seconds=3600)
    assert await store.move(a.id, ("charging",), "adding", NOON) is not None
    with pytest.raises(ClaimRefused):
        await store.claim(new(), NOON, allowance=1, cooldown_seconds=3600)
    assert await store.move(a.id, ("adding",), "refunding", NOON) is not None  # refund decided: slot is back
    b = await store.claim(new(), NOON, allowance=1, cooldown_seconds=3600)
    assert await store.move(b.id, ("charging",), "void", NOON, error="no money") is not None
    usage = await store.usage("testchan", "alice", NOON)
    assert (usage.today, usage.last_ms) == (0, None)


async def test_concurrent_claims_of_one_user_pass_once(store: RequestStore) -> None:
    results = await asyncio.gather(
        *(store.claim(new(), NOON, allowance=5, cooldown_seconds=60) for _ in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, ClaimRefused) for r in results if isinstance(r, Exception))


async def test_moves_are_conditional_on_the_status_left(store: RequestStore) -> None:
    a = await store.claim(new(), NOON, allowance=5, cooldown_seconds=0)
    moved = await store.move(a.id, ("charging",), "adding", NOON, balance=750)
    assert moved is not None and (moved.status, moved.balance) == ("adding", 750)
    assert await store.move(a.id, ("charging",), "void", NOON) is None  # it already left charging
    done = await store.move(a.id, ("adding",), "completed", NOON, uid=101, played_now=True)
    assert done is not None and (done.uid, done.played_now, done.public_status) == (101, True, "queued")
    with pytest.raises(ValueError):
        await store.move(a.id, ("completed",), "void", NOON, status="x")


async def test_client_ref_is_unique_per_channel(store: RequestStore) -> None:
    a = await store.claim(new(ref="web-1"), NOON, allowance=5, cooldown_seconds=0)
    with pytest.raises(DuplicateRef):
        await store.claim(new(ref="web-1"), NOON, allowance=5, cooldown_seconds=0)
    found = await store.by_ref("testchan", "web-1")
    assert found is not None and found.id == a.id


async def test_in_flight_lists_only_unconfirmed_requests(store: RequestStore) -> None:
    a = await store.claim(new("a"), NOON, allowance=5, cooldown_seconds=0)
    b = await store.claim(new("b"), NOON, allowance=5, cooldown_seconds=0)
    c = await store.claim(new("c"), NOON, allowance=5, cooldown_seconds=0)
    await store.move(b.id, ("charging",), "awaiting_approval", NOON)
    await store.move(c.id, ("charging",), "void", NOON)
    assert [r.id for r in await store.in_flight(10**15)] == [a.id]
    assert [r.id for r in await store.awaiting_approval("testchan")] == [b.id]
    assert await store.open_counts() == {"charging": 1, "awaiting_approval": 1}
