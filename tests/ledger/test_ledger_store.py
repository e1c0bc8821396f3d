"""The money path: atomic, idempotent postings; balance == SUM(journal); never negative."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from economy_ledger.migrations import MIGRATIONS
from economy_ledger.store import LedgerStore
from economy_shared.db import Database
from economy_shared.envelope import ServiceError
from economy_shared.schemas.ledger import Posting, PostingKind, PostRequest

CH = "testchan"


def req(key: str, *postings: tuple[str, int, str], on_banned: str = "reject") -> PostRequest:
    return PostRequest(
        channel=CH,
        idempotency_key=key,
        postings=[Posting(user=u, amount=a, kind=PostingKind(k)) for u, a, k in postings],
        on_banned=on_banned,  # type: ignore[arg-type]
    )


@pytest.fixture
async def store(tmp_path: Path):
    db = Database(tmp_path / "ledger.db", MIGRATIONS, synchronous="FULL")
    await db.open()
    yield LedgerStore(db)
    await db.close()


async def test_credit_creates_account_and_journal(store: LedgerStore) -> None:
    result = await store.post(req("k1", ("Alice", 100, "earn")), 1)
    assert result.balances == {"alice": 100}
    row = await store.account(CH, "ALICE")
    assert row and row["balance"] == 100 and row["lifetime_earned"] == 100 and row["display_name"] == "Alice"
    audit = await store.audit(CH)
    assert audit.ok and audit.journal_rows == 1


async def test_debit_never_goes_negative_and_changes_nothing(store: LedgerStore) -> None:
    await store.post(req("k1", ("alice", 50, "earn")), 1)
    with pytest.raises(ServiceError) as err:
        await store.post(req("k2", ("alice", -10, "spend"), ("alice", -60, "spend")), 2)
    assert err.value.code == "insufficient_funds"
    row = await store.account(CH, "alice")
    assert row and row["balance"] == 50 and row["lifetime_spent"] == 0
    assert (await store.audit(CH)).journal_rows == 1
    # the refusal is the key's stored answer: once alice can pay, a replay is still refused (and says so)
    await store.post(req("k3", ("alice", 100, "earn")), 3)
    with pytest.raises(ServiceError) as again:
        await store.post(req("k2", ("alice", -10, "spend"), ("alice", -60, "spend")), 4)
    assert again.value.code == "insufficient_funds" and again.value.data["replayed"] is True
    assert again.value.data["user"] == "alice"
    # a different body under the refused key is a conflict, not a second chance
    with pytest.raises(ServiceError) as other:
        await store.post(req("k2", ("alice", -10, "spend")), 5)
    assert other.value.code == "idempotency_conflict"
    row = await store.account(CH, "alice")
    assert row and row["balance"] == 150 and row["lifetime_spent"] == 0
    assert (await store.audit(CH)).ok


async def test_debit_of_unknown_user_is_insufficient(store: LedgerStore) -> None:
    with pytest.raises(ServiceError) as err:
        await store.post(req("k", ("nobody", -1, "spend")), 1)
    assert err.value.code == "insufficient_funds"
    assert await store.account(CH, "nobody") is None


async def test_replay_returns_first_result_and_pays_once(store: LedgerStore) -> None:
    first = await store.post(req("welcome:testchan:alice", ("alice", 100, "earn")), 1)
    again = await store.post(req("welcome:testchan:alice", ("alice", 100, "earn")), 2)
    assert not first.replayed and again.replayed
    assert again.balances == first.balances
    assert (await store.account(CH, "alice"))["balance"] == 100  # type: ignore[index]


async def test_same_key_different_body_is_conflict(store: LedgerStore) -> None:
    await store.post(req("k", ("alice", 100, "earn")), 1)
    with pytest.raises(ServiceError) as err:
        await store.post(req("k", ("alice", 999, "earn")), 2)
    assert err.value.code == "idempotency_conflict"


async def test_concurrent_replays_pay_once(store: LedgerStore) -> None:
    results = await asyncio.gather(*(store.post(req("dup", ("bob", 7, "earn")), 1) for _ in range(25)))
    assert sum(not r.replayed for r in results) == 1
    assert (await store.account(CH, "bob"))["balance"] == 7  # type: ignore[index]


async def test_concurrent_debits_never_overdraw(store: LedgerStore) -> None:
    await store.post(req("fund", ("carol", 100, "earn")), 1)

    async def spend(i: int) -> bool:
        try:
            await store.post(req(f"spend:{i}", ("carol", -10, "spend")), 2)
            return True
        except ServiceError:
            return False

    outcomes = await asyncio.gather(*(spend(i) for i in range(50)))
    assert sum(outcomes) == 10
    assert (await store.account(CH, "carol"))["balance"] == 0  # type: ignore[index]
    assert (await store.audit(CH)).ok


async def test_lifetime_counters_per_kind(store: LedgerStore) -> None:
    await store.post(req("a", ("dave", 1000, "earn")), 1)
    await store.post(req("b", ("dave", -100, "spend")), 1)
    await store.post(req("c", ("dave", 40, "refund")), 1)
    await store.post(req("d", ("dave", -50, "wager"), ("dave", 90, "payout")), 1)
    await store.post(req("e", ("dave", -30, "transfer"), ("erin", 30, "transfer")), 1)
    await store.post(req("f", ("dave", 500, "admin")), 1)
    d = await store.account(CH, "dave")
    assert d is not None
    assert d["lifetime_earned"] == 1000  # payouts, refunds, transfers and grants are not earnings
    assert d["lifetime_spent"] == 60
    assert d["lifetime_gambled_in"] == 50 and d["lifetime_gambled_out"] == 90
    assert d["tips_sent"] == 30
    assert d["balance"] == 1000 - 100 + 40 - 50 + 90 - 30 + 500
    e = await store.account(CH, "erin")
    assert e is not None and e["tips_received"] == 30 and e["lifetime_earned"] == 0


async def test_ban_rejects_or_skips_but_admin_and_refund_pass(store: LedgerStore) -> None:
    await store.post(req("fund", ("mallory", 100, "earn")), 1)
    await store.set_banned(CH, "Mallory", True, "farming", 2)
    with pytest.raises(ServiceError) as err:
        await store.post(req("x", ("mallory", 5, "earn")), 3)
    assert err.value.code == "banned"
    tick = await store.post(req("tick", ("mallory", 1, "earn"), ("trent", 1, "earn"), on_banned="skip"), 3)
    assert tick.skipped == ["mallory"] and tick.applied == 1
    await store.post(req("grant", ("mallory", 5, "admin")), 4)
    await store.post(req("refund", ("mallory", 5, "refund")), 4)
    assert (await store.account(CH, "mallory"))["balance"] == 110  # type: ignore[index]
    assert (await store.audit(CH)).ok


async def test_escrow_system_account_reconciles(store: LedgerStore) -> None:
    await store.post(req("f", ("ann", 50, "earn"), ("ben", 50, "earn")), 1)
    await store.post(req("hold", ("ann", -20, "wager"), ("ben", -20, "wager"), ("~escrow", 40, "escrow")), 2)
    await store.post(req("settle", ("~escrow", -40, "escrow"), ("ann", 36, "payout")), 3)
    audit = await store.audit(CH)
    assert audit.ok and audit.total_balance == 30 + 66  # the 4 Z rake left circulation


async def test_migrations_from_empty_and_idempotent(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db", MIGRATIONS)
    await db.open()
    assert await db.schema_version() == len(MIGRATIONS)
    await db.close()
    db = Database(tmp_path / "m.db", MIGRATIONS)
    await db.open()  # reopening applies nothing twice
    assert await db.schema_version() == len(MIGRATIONS)
    await db.close()


ops = st.lists(
    st.tuples(
        st.sampled_from(["u1", "u2", "U1", "u3"]),
        st.integers(min_value=-300, max_value=300).filter(lambda v: v != 0),
        st.sampled_from(["k1", "k2", "k3", "k4", "k5", "k6"]),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops)
async def test_invariant_holds_under_random_postings(tmp_path_factory: pytest.TempPathFactory, ops) -> None:
    db = Database(tmp_path_factory.mktemp("prop") / "l.db", MIGRATIONS)
    await db.open()
    store = LedgerStore(db)
    try:
        for i, (user, amount, key) in enumerate(ops):
            kind = "admin" if amount > 0 else "spend"
            try:
                await store.post(req(key, (user, amount, kind)), i)
            except ServiceError as err:
                assert err.code in {"insufficient_funds", "idempotency_conflict"}
        audit = await store.audit(CH)
        assert audit.ok, audit
    finally:
        await db.close()


async def test_post_many_items_are_independent_and_idempotent(store: LedgerStore) -> None:
    await store.post(req("fund", ("alice", 10, "earn")), 1)
    results = await store.post_many(
        [
            req("a", ("bob", 5, "earn")),
            req("b", ("alice", -50, "spend")),  # fails alone
            req("a", ("bob", 5, "earn")),  # same key again inside the batch: a replay
            req("c", ("alice", -10, "spend"), ("carol", 3, "earn")),
        ],
        2,
    )
    assert not isinstance(results[0], ServiceError) and results[0].balances == {"bob": 5}
    assert isinstance(results[1], ServiceError) and results[1].code == "insufficient_funds"
    assert not isinstance(results[2], ServiceError) and results[2].replayed
    assert not isinstance(results[3], ServiceError) and results[3].balances == {"alice": 0, "carol": 3}
    assert (await store.account(CH, "bob"))["balance"] == 5  # type: ignore[index]
    audit = await store.audit(CH)
    assert audit.ok and audit.journal_rows == 4
    # the refusal is stored inside the batch too: the same body replays it, another body conflicts
    again = await store.post_many([req("b", ("alice", -50, "spend")), req("b", ("alice", -5, "spend"))], 3)
    assert isinstance(again[0], ServiceError) and again[0].code == "insufficient_funds"
    assert again[0].data["replayed"] is True
    assert isinstance(again[1], ServiceError) and again[1].code == "idempotency_conflict"
    assert (await store.audit(CH)).journal_rows == 4
