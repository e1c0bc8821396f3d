"""Money rules of presence: one credit path, retries reuse their key and body, admin rain, tick_now.

The proof of the double-payment fix: the ledger commits, its reply is lost (``LosingReplies``), and
presence keeps the request and re-sends it as it was until the ledger answers; each user is paid
exactly once per minute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from economy_ledger.service import LedgerService
from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus, MockKrytenClient
from tests.helpers import CHANNEL, Stack
from tests.presence.test_timed_helpers import (
    LEDGER,
    PRESENCE,
    FakeAnnouncer,
    audit_ok,
    balance,
    earnings,
    join,
    ledger_down,
    ledger_up,
    make_stack,
    restart,
    start,
    tick,
)

MONEY = ("ledger.post", "ledger.post_many")


class LosingReplies:
    """Forwards every request to the real ledger; while ``losing`` (or ``drop`` > 0), the money replies are lost.

    The ledger commits; presence only sees a timeout: the case that used to pay people twice.
    """

    def __init__(self, inner: MockKrytenClient) -> None:
        self.inner = inner
        self.losing = False
        self.drop = 0
        self.sent: list[dict[str, Any]] = []

    async def nats_request(self, subject: str, request: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        reply = await self.inner.nats_request(subject, request, timeout=timeout)
        if request.get("command") in MONEY:
            self.sent.append(request)
            if self.losing or self.drop > 0:
                self.drop = max(0, self.drop - 1)
                raise TimeoutError("reply lost")
        return reply


def lossy_presence(retries: int) -> tuple[type[PresenceService], list[LosingReplies]]:
    made: list[LosingReplies] = []

    class LossyPresence(PresenceService):
        ledger_retries = retries

        def ledger_transport(self) -> Any:
            made.append(LosingReplies(self.client))
            return made[-1]

    return LossyPresence, made


async def account(stack: Stack, user: str) -> dict[str, Any]:
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
    assert r["success"], r
    return r["data"]


async def kept(presence: PresenceService) -> int:
    return len(await presence.store.kept())


async def test_lost_replies_never_pay_a_minute_twice(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    service, made = lossy_presence(retries=0)
    stack = make_stack(tmp_path, bus, clock, onboarding={"welcome_wallet": 100},
                       presence={"night_watch": {"enabled": False}})
    try:
        presence = await start(stack, service)
        lossy = made[0]
        await tick(stack, presence, 2)  # nobody yet
        lossy.losing = True
        await join(stack, "alice", "bob")  # the welcome wallets commit; their replies are lost
        await tick(stack, presence, 4)  # every tick commits; every reply is lost
        assert await kept(presence) >= 4
        keys = [r["items"][0]["idempotency_key"] for r in lossy.sent if r["command"] == "ledger.post_many"]
        assert len(keys) > len(set(keys))  # the same requests went out again (same key) ...
        lossy.losing = False
        await tick(stack, presence, 2)  # ... and now the ledger answers them: replays, nothing new
        assert await kept(presence) == 0
        for user in ("alice", "bob"):
            paid = await earnings(stack, user, "presence.")
            assert paid == [("presence.base", 1)] * 6, (user, paid)  # one Z per minute, each minute once
            assert await earnings(stack, user, "onboarding.") == [("onboarding.wallet", 100)]
            assert await balance(stack, user) == 106
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_a_retry_sends_the_very_same_body(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    service, made = lossy_presence(retries=0)
    stack = make_stack(tmp_path, bus, clock)
    try:
        presence = await start(stack, service)
        await join(stack, "alice")
        made[0].losing = True
        await tick(stack, presence)
        made[0].losing = False
        await tick(stack, presence)
        lost_key = made[0].sent[0]["items"][0]["idempotency_key"]
        first = [i for r in made[0].sent for i in r["items"] if i["idempotency_key"] == lost_key]
        assert len(first) == 2 and first[0] == first[1]  # sent twice, byte for byte the same item
    finally:
        await stack.close()


async def test_ledger_down_three_ticks_then_back_pays_every_minute_once(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    stack = make_stack(tmp_path, bus, clock, presence={"night_watch": {"enabled": False}})
    try:
        presence = await start(stack, lossy_presence(retries=0)[0])
        await join(stack, "alice", "bob")
        await tick(stack, presence, 2)
        ledger_down(stack)
        await tick(stack, presence, 3)
        assert await kept(presence) == 3
        await ledger_up(stack)
        await tick(stack, presence, 2)
        for user in ("alice", "bob"):
            assert await earnings(stack, user, "presence.") == [("presence.base", 1)] * 7
        r = await stack.request(PRESENCE, {"command": "presence.user_status", "channel": CHANNEL, "user": "alice"})
        assert r["data"]["minutes_today"] == 7
        assert await kept(presence) == 0 and await audit_ok(stack)
    finally:
        await stack.close()


async def test_kept_requests_survive_a_restart_and_are_sent_at_start_up(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    stack = make_stack(tmp_path, bus, clock, presence={"night_watch": {"enabled": False}})
    presence = await start(stack, lossy_presence(retries=0)[0])
    await join(stack, "alice")
    ledger_down(stack)
    await tick(stack, presence, 2)
    assert await kept(presence) == 2
    stack2, presence2 = await restart(stack, ["alice"])  # the ledger is back with the new stack
    try:
        assert await kept(presence2) == 0  # re-sent at start-up, as they were
        assert await earnings(stack2, "alice", "presence.") == [("presence.base", 1)] * 2
        assert await audit_ok(stack2)
    finally:
        await stack2.close()


async def test_a_lost_bonus_reply_is_resent_as_it_was_and_told_once(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    announcer = FakeAnnouncer(bus)
    service, made = lossy_presence(retries=0)
    stack = make_stack(tmp_path, bus, clock,
                       streaks={"daily": {"enabled": False}, "weekend_weekday_bridge": {"enabled": False}})
    try:
        presence = await start(stack, service)
        await join(stack, "alice")
        await tick(stack, presence, 59)
        made[0].losing = True
        await tick(stack, presence)  # the 1-hour milestone commits; the reply is lost
        assert await presence.timed.store.owed_count() == 1
        made[0].losing = False
        clock.advance(minutes=5)  # past the back-off
        await tick(stack, presence)
        assert await presence.timed.store.owed_count() == 0
        assert await earnings(stack, "alice", "dwell.") == [("dwell.1h", 10)]
        assert len([m for m in announcer.pms("alice") if "milestone" in m]) == 1
    finally:
        await stack.close()


# ---- tick_now -----------------------------------------------------------------------------------
async def test_tick_now_never_makes_the_schedule_skip_a_slot(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    stack = make_stack(tmp_path, bus, clock, presence={"night_watch": {"enabled": False}})
    try:
        presence = await start(stack)
        await join(stack, "alice")
        await tick(stack, presence)  # scheduled slot S
        r = await stack.request(PRESENCE, {"command": "presence.tick", "channel": CHANNEL})
        assert r["success"] and r["data"]["credited"] == 1, r
        r2 = await stack.request(PRESENCE, {"command": "presence.tick", "channel": CHANNEL})
        assert r2["data"]["tick_id"] == r["data"]["tick_id"] + 1
        await tick(stack, presence)  # scheduled slot S+1 still pays
        assert await balance(stack, "alice") == 4
        slot = presence.ticker.last_slot
        assert await presence.ticker.scheduled(slot, clock.now()) == []  # and a slot is still paid once
        assert await balance(stack, "alice") == 4
        assert await audit_ok(stack)
    finally:
        await stack.close()


# ---- admin rain ---------------------------------------------------------------------------------
async def test_admin_rain_is_an_admin_posting_and_skips_banned_users(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, admin={"usernames": ["Boss"]})
    try:
        await start(stack)
        ledger: LedgerService = stack.hosts[0].service  # type: ignore[assignment]
        await ledger.store.set_banned(CHANNEL, "bob", True, "test", 1)
        await join(stack, "alice", "bob", "boss")
        await stack.pm("boss", "rain 1000000")
        assert announcer.pms("boss") == ["☔ Rained 1,000,000 Z on 1 user."]
        alice = await account(stack, "alice")
        assert alice["balance"] == 1_000_000 and alice["lifetime_earned"] == 0  # no rank bought with a gift
        assert (await account(stack, "bob"))["balance"] == 0
        assert await audit_ok(stack)
    finally:
        await stack.close()


async def test_admin_rain_counts_a_replayed_bucket_as_paid(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    announcer = FakeAnnouncer(bus)
    service, made = lossy_presence(retries=1)
    stack = make_stack(tmp_path, bus, clock, admin={"usernames": ["Boss"]})
    try:
        await start(stack, service)
        await join(stack, "alice", "bob", "carl", "boss")
        made[0].drop = 1  # the rain commits, its reply is lost; the client's retry gets REPLAYED
        await stack.pm("boss", "rain 100")
        assert announcer.pms("boss") == ["☔ Rained 100 Z on 3 users."]
        assert sorted([await balance(stack, u) for u in ("alice", "bob", "carl")]) == [33, 33, 34]
        assert len(announcer.announcements("rain")) == 1
    finally:
        await stack.close()


async def test_admin_rain_without_answer_is_kept_and_paid_once(
    tmp_path: Path, bus: InMemoryBus, clock: FakeClock
) -> None:
    announcer = FakeAnnouncer(bus)
    service, made = lossy_presence(retries=0)
    stack = make_stack(tmp_path, bus, clock, admin={"usernames": ["Boss"]})
    try:
        presence = await start(stack, service)
        await join(stack, "alice", "bob", "boss")
        made[0].losing = True
        await stack.pm("boss", "rain 10")
        assert "hasn't confirmed" in announcer.pms("boss")[-1]
        made[0].losing = False
        await tick(stack, presence, 2)
        for user in ("alice", "bob"):
            assert await earnings(stack, user, "rain.") == [("rain.admin", 5)]
        assert await kept(presence) == 0 and await audit_ok(stack)
    finally:
        await stack.close()


async def test_admin_rain_rejects_non_ascii_amounts(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    announcer = FakeAnnouncer(bus)
    stack = make_stack(tmp_path, bus, clock, admin={"usernames": ["Boss"]})
    try:
        await start(stack)
        await join(stack, "alice", "boss")
        for typed in ("rain ²", "rain １０", "rain 0", "rain 5 6"):
            await stack.pm("boss", typed)
            assert announcer.pms("boss")[-1] == "Usage: rain <amount>", typed
        assert await balance(stack, "alice") == 0
        assert await earnings(stack, "alice") == []
    finally:
        await stack.close()
