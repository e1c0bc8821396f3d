"""Journal retention: old per-minute rows fold into one row per account/trigger/day; sums never change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from economy_ledger.rollup import day_bounds, last_foldable_day
from economy_ledger.service import LedgerService
from economy_shared.clock import FakeClock, to_ms
from economy_shared.schemas.ledger import Posting, PostingKind, PostRequest
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack, make_config

DAY0 = datetime(2026, 1, 1, tzinfo=UTC)


def minute(user: str, n: int, amount: int = 1, trigger: str = "presence.base") -> PostRequest:
    return PostRequest(channel=CHANNEL, idempotency_key=f"presence:{CHANNEL}:{user}:{trigger}:{n}",
                       postings=[Posting(user=user, amount=amount, kind=PostingKind.EARN, trigger_id=trigger)])


async def rows(ledger: LedgerService, trigger: str | None = None) -> int:
    sql, params = "SELECT COUNT(*) FROM journal", ()
    if trigger:
        sql, params = sql + " WHERE trigger_id=?", (trigger,)
    row = await ledger.database.fetchone(sql, params)
    return int(row[0])


def test_day_arithmetic() -> None:
    assert last_foldable_day(date(2026, 2, 1), 30) == date(2026, 1, 1)
    start, end = day_bounds(date(2026, 1, 1))
    assert end - start == 86_400_000 and start == to_ms(DAY0)


async def test_fold_keeps_every_balance_and_is_idempotent(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(DAY0 + timedelta(days=40))
    stack = Stack(bus, make_config(tmp_path, journal={"rollup_after_days": 30}), clock)
    try:
        ledger = await stack.add(LedgerService)
        await ledger.rollup.stop()  # drive it by hand
        for day in range(3):  # 3 days × 2 users × 60 minutes, plus one chat reward a day
            for m in range(60):
                when = to_ms(DAY0 + timedelta(days=day, minutes=m))
                for user in ("alice", "bob"):
                    await ledger.store.post(minute(user, day * 1000 + m), when)
            await ledger.store.post(minute("alice", day, 5, "chat.long_message"), to_ms(DAY0 + timedelta(days=day)))
        recent = to_ms(clock.now() - timedelta(days=1))
        await ledger.store.post(minute("alice", 99_999), recent)  # too recent to fold
        before = {u: (await ledger.store.account(CHANNEL, u))["balance"] for u in ("alice", "bob")}  # type: ignore[index]
        assert await rows(ledger, "presence.base") == 3 * 2 * 60 + 1

        folded = await ledger.rollup.run_due()
        assert [(f.day, f.rows_folded, f.rows_written) for f in folded if f.rows_folded] == [
            (date(2026, 1, d), 120, 2) for d in (1, 2, 3)
        ]
        assert await rows(ledger, "presence.base") == 3 * 2 + 1  # one row per user per day + the recent one
        assert await rows(ledger, "chat.long_message") == 3  # other triggers untouched
        after = {u: (await ledger.store.account(CHANNEL, u))["balance"] for u in ("alice", "bob")}  # type: ignore[index]
        assert after == before
        audit = await ledger.store.audit(CHANNEL)
        assert audit.ok, audit
        history = await ledger.store.journal(CHANNEL, "bob", 10)
        assert [h["amount"] for h in history] == [60, 60, 60]
        assert all(h["reason"] == "rollup of 60 rows" for h in history)

        assert await ledger.rollup.run_due() == []  # nothing left to do
        again = await ledger.rollup.fold(CHANNEL, date(2026, 1, 1))  # a forced re-run changes nothing
        assert (again.rows_folded, again.rows_written) == (0, 0)
        assert await rows(ledger, "presence.base") == 7
        assert (await ledger.store.audit(CHANNEL)).ok
    finally:
        await stack.close()


async def test_rollup_off_keeps_every_row(tmp_path: Path, bus: InMemoryBus) -> None:
    clock = FakeClock(DAY0 + timedelta(days=400))
    stack = Stack(bus, make_config(tmp_path, journal={"rollup_after_days": 0}), clock)
    try:
        ledger = await stack.add(LedgerService)
        await ledger.store.post(minute("alice", 1), to_ms(DAY0))
        assert await ledger.rollup.run_due() == []
        assert await rows(ledger) == 1
    finally:
        await stack.close()
