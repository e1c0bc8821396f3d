"""``history [n]`` through PM, ``ledger.history`` and the public ``transactions.list``, in process."""

from __future__ import annotations

from economy_shared.subjects import PUBLIC_COMMAND
from tests.helpers import CHANNEL, Stack
from tests.ledger.tip_kit import LEDGER, account, audit_ok, fund, pm_reply, start


async def post(stack: Stack, key: str, user: str, amount: int, kind: str, reason: str = "") -> None:
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": key,
                                     "postings": [{"user": user, "amount": amount, "kind": kind,
                                                   "reason": reason}]})
    assert r["success"], r


async def test_an_empty_history_creates_no_account(stack: Stack) -> None:
    await start(stack)
    assert await pm_reply(stack, "nobody", "history") == "📜 No transactions yet. Stick around and earn some!"
    assert (await account(stack, "nobody"))["found"] is False


async def test_history_in_words_newest_first_with_signs_and_the_other_person(stack: Stack) -> None:
    await start(stack)
    await fund(stack, Alice=1_000, Bob=5)  # Monday 12:00 UTC
    stack.clock.advance(minutes=31)
    await post(stack, "q1", "alice", -250, "spend", "queue: Cat Video")
    stack.clock.advance(minutes=1)
    await post(stack, "r1", "alice", 250, "refund")  # no reason: named by its kind
    stack.clock.advance(minutes=1)
    await pm_reply(stack, "alice", "tip @bob 300")
    reply = await pm_reply(stack, "alice", "history")
    assert reply.splitlines() == [
        "📜 Your last 4 transactions (UTC, newest first):",
        "-300 Z · tip to Bob · Jan 05 12:33",
        "+250 Z · refund · Jan 05 12:32",
        "-250 Z · queue: Cat Video · Jan 05 12:31",
        "+1,000 Z · admin adjustment · Jan 05 12:00",
    ]
    assert (await pm_reply(stack, "bob", "history 1")).splitlines()[1] == "+300 Z · tip from Alice · Jan 05 12:33"
    assert len((await pm_reply(stack, "alice", "history 2")).splitlines()) == 3
    assert await audit_ok(stack)


async def test_history_is_capped_at_25_rows_and_split_for_cytube(stack: Stack) -> None:
    stack.config = stack.config.model_copy(update={
        "commands": stack.config.commands.model_copy(update={"rate_limit_per_minute": 600})})
    await start(stack)
    for i in range(30):
        await post(stack, f"e{i}", "carol", i + 1, "earn", f"chat reward number {i + 1}")
    before = len(stack.bus.pms_to("carol"))
    await stack.pm("carol", "history 100")
    chunks = stack.bus.pms_to("carol")[before:]
    assert len(chunks) > 1 and all(len(c) <= 240 for c in chunks)  # the voice splits at 240 characters
    lines = "\n".join(chunks).splitlines()
    assert lines[0] == "📜 Your last 25 transactions (UTC, newest first):"
    assert lines[1].startswith("+30 Z · chat reward number 30") and lines[25].startswith("+6 Z ·")
    assert len((await pm_reply(stack, "carol", "history lots")).splitlines()) == 11  # not a number: the default 10


async def test_history_and_transactions_on_the_request_subjects(stack: Stack) -> None:
    await start(stack)
    for i in range(5):
        await post(stack, f"d{i}", "dave", 10 * (i + 1), "earn", f"bonus {i}")
    r = await stack.request(LEDGER, {"command": "ledger.history", "channel": CHANNEL, "user": "Dave", "limit": 2})
    assert r["success"], r
    assert [e["amount"] for e in r["data"]["entries"]] == [50, 40]
    assert r["data"]["text"].splitlines()[1].startswith("+50 Z · bonus 4")
    too_many = await stack.request(LEDGER, {"command": "ledger.history", "channel": CHANNEL, "user": "dave",
                                            "limit": 26})
    assert (too_many["success"], too_many["error_code"]) == (False, "bad_request")

    seen: list[int] = []
    before = None
    for _ in range(3):
        q = {"command": "transactions.list", "channel": CHANNEL, "username": "dave", "limit": 2}
        page = await stack.request(PUBLIC_COMMAND, {**q, "before_id": before} if before else q)
        assert page["success"], page
        seen += [t["amount"] for t in page["data"]["transactions"]]
        before = page["data"]["next_before_id"]
        if before is None:
            break
    assert seen == [50, 40, 30, 20, 10] and before is None
    first = (await stack.request(PUBLIC_COMMAND, {"command": "transactions.list", "channel": CHANNEL,
                                                  "username": "dave", "limit": 1}))["data"]["transactions"][0]
    assert (first["type"], first["reason"], first["created_at"]) == ("earn", "bonus 4", "2026-01-05T12:00:00+00:00")
