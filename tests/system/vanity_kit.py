"""Helpers for the vanity-shop system test (issue 12): money in, journal rows out, and PMs since a mark.

Every check reads the ledger over NATS (the source of truth) or the announcer's own requests, so the
test does not depend on the exact wording of a reply except where the issue fixes it.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

from tests.system.harness import FakeRobot

# Everything that could move a balance besides the shop is switched off, so "before − after" is the price.
QUIET_ECONOMY: dict[str, Any] = {
    "onboarding": {"welcome_wallet": 0},
    "rain": {"enabled": False},
    "streaks": {"daily": {"enabled": False}, "weekend_weekday_bridge": {"enabled": False}},
    "retention": {"welcome_back": {"enabled": False}},
    "balance_maintenance": {"mode": "none"},
    "achievements": [],
    "daily_competitions": [],
}


async def fund(robot: FakeRobot, user: str, amount: int) -> None:
    reply = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": f"fund:{user}",
                                           "postings": [{"user": user, "amount": amount, "kind": "admin"}]})
    assert reply["success"], reply


async def journal(robot: FakeRobot, user: str) -> list[dict[str, Any]]:
    """The user's journal rows, oldest first."""
    reply = await robot.request("ledger", {"command": "ledger.journal", "user": user, "limit": 500})
    assert reply["success"], reply
    return list(reversed(reply["data"]["entries"]))


async def shop_rows(robot: FakeRobot, user: str, item: str) -> list[tuple[int, str]]:
    """(amount, kind) of the user's postings whose trigger is ``vanity.<item>`` or ``vanity.<item>.*``."""
    rows = await journal(robot, user)
    return [(r["amount"], r["kind"]) for r in rows
            if (r["trigger_id"] or "") == f"vanity.{item}" or (r["trigger_id"] or "").startswith(f"vanity.{item}.")]


async def announcer(robot: FakeRobot, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
    reply = await robot.request("announcer", payload, timeout=timeout)
    assert reply["success"], reply
    return dict(reply["data"])


async def owned(robot: FakeRobot, user: str) -> dict[str, Any]:
    return await announcer(robot, {"command": "announcer.vanity_get", "user": user})


async def price_of(robot: FakeRobot, user: str, item: str) -> int:
    shop = await announcer(robot, {"command": "announcer.shop", "user": user})
    prices = {i["item"]: int(i["price"]) for i in shop["items"]}
    assert item in prices, shop
    return prices[item]


def mark(robot: FakeRobot, user: str) -> int:
    return len(robot.pms_to(user))


async def pms_since(robot: FakeRobot, user: str, since: int, *, until: Callable[[str], bool] | None = None,
                    timeout: float = 10.0) -> str:
    """The PMs to ``user`` after ``since`` joined by newlines, once there is one (and ``until`` holds)."""
    def text() -> str | None:
        new = robot.pms_to(user)[since:]
        joined = "\n".join(new)
        return joined if new and (until is None or until(joined)) else None

    try:
        return str(await robot.wait_for(text, timeout))
    except AssertionError:
        raise AssertionError(f"timed out waiting for PMs to {user}; after #{since}: {robot.pms_to(user)[since:]}"
                             ) from None


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def metrics_text(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:  # noqa: S310
        return str(resp.read().decode())
