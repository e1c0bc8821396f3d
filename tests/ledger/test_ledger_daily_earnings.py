"""``ledger.daily_earnings`` (presence's daily competitions): a day's REAL earnings per user; competition
awards (trigger ``competition.<id>``) are earnings for ranks (DECISIONS 5) but never the day's earnings."""

from __future__ import annotations

from economy_shared.subjects import service_subject
from tests.helpers import CHANNEL, Stack
from tests.ledger.tip_kit import audit_ok, start

LEDGER = service_subject("ledger")


async def post(stack: Stack, key: str, *postings: tuple[str, int, str]) -> None:
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": key,
                                     "postings": [{"user": u, "amount": z, "kind": "earn", "trigger_id": t}
                                                  for u, z, t in postings]})
    assert r["success"], r


async def day_earnings(stack: Stack, day: str) -> dict[str, int]:
    r = await stack.request(LEDGER, {"command": "ledger.daily_earnings", "channel": CHANNEL, "day": day})
    assert r["success"], r
    return {u["user"]: u["earned"] for u in r["data"]["users"]}


async def test_competition_awards_are_not_the_days_earnings(stack: Stack) -> None:
    await start(stack)
    day = stack.clock.now().date().isoformat()
    await post(stack, "p1", ("Alice", 40, "presence"), ("bob", 10, "presence"))
    # one request mixing an award and a real earning for the same user: only the real one counts
    await post(stack, "c1", ("Alice", 100, "competition.top_earner"), ("Alice", 5, "chat.first_message"))
    await post(stack, "c2", ("bob", 35, "competition.talker"))
    assert await day_earnings(stack, day) == {"alice": 45, "bob": 10}
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": "Alice"})
    assert r["data"]["balance"] == 145 and r["data"]["lifetime_earned"] == 145  # still an earning
    assert await day_earnings(stack, "2020-01-01") == {}
    assert await audit_ok(stack)


async def test_a_bad_day_is_a_bad_request(stack: Stack) -> None:
    await start(stack)
    r = await stack.request(LEDGER, {"command": "ledger.daily_earnings", "channel": CHANNEL, "day": "yesterday"})
    assert not r["success"] and r["error_code"] == "bad_request"
