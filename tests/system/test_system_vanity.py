"""Issue 12, the vanity shop on real processes: ledger, announcer and presence on a real nats-server with the
fake robot and a scaled clock (60×: one real second is one minute, so the greeting window needs no long sleep).

``shop`` lists the items; ``buy greeting`` charges the listed price; a return inside
``greeting_absence_minutes`` is not greeted and a genuine arrival after it is, in public chat; a greeting
that starts with ``/`` never reaches chat as a command; ``fortune`` charges once a day; an unknown item and
an unaffordable one change nothing; a rejected GIF is refunded once; a SIGKILLed announcer mid-purchase
leaves the purchase applied or refunded, never charged twice or lost; ``audit`` clean.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
from pathlib import Path
from typing import Any

from tests.system.harness import CHANNEL, FakeRobot, SystemStack
from tests.system.vanity_kit import (
    QUIET_ECONOMY,
    announcer,
    eventually,
    fund,
    journal,
    mark,
    metrics_text,
    owned,
    pms_since,
    price_of,
    shop_rows,
)

START = "2026-01-05T12:00:00+00:00"  # a Monday noon: no night watch, the UTC day lasts 12 real minutes
SPEED = 60
ABSENCE_MINUTES = 3  # three real seconds
USAGES = ("buy greeting", "buy title", "buy color", "buy gif", "buy shoutout", "buy rename", "fortune")


async def test_the_vanity_shop_end_to_end(tmp_path: Path) -> None:
    stack = await SystemStack(
        tmp_path, ["ledger", "announcer", "presence"], clock=f"{START}@{SPEED}",
        presence={"tick_interval_seconds": 60, "base_rate_per_minute": 0, "active_bonus_per_minute": 0,
                  "join_debounce_minutes": 0.5, "greeting_absence_minutes": ABSENCE_MINUTES,
                  "hourly_milestones": {}, "night_watch": {"enabled": False}},
        admin={"usernames": ["Boss"]}, commands={"rate_limit_per_minute": 600}, **QUIET_ECONOMY,
    ).start()
    robot = stack.robot
    assert robot is not None
    try:
        for user, amount in (("alice", 10_000), ("carol", 1_000), ("erin", 20), ("frank", 5_000)):
            await fund(robot, user, amount)
        await robot.join("alice")
        await robot.join("carol")
        await robot.leave("carol")  # carol's absence starts now: she will come back after the window

        # shop lists every item with its price
        since = mark(robot, "alice")
        await robot.pm("alice", "shop")
        listing = await pms_since(robot, "alice", since, until=lambda t: all(u in t for u in USAGES))
        offered = (await announcer(robot, {"command": "announcer.shop", "user": "alice"}))["items"]
        assert {i["item"] for i in offered} >= {"greeting", "title", "color", "gif", "shoutout", "rename", "fortune"}
        assert all(f"{i['price']:,}" in listing for i in offered), (offered, listing)
        greeting_price = await price_of(robot, "alice", "greeting")
        assert greeting_price == 500, offered

        # buy greeting charges exactly the listed price, once, and stores the text
        before = await robot.balance("alice")
        since = mark(robot, "alice")
        await robot.pm("alice", "buy greeting Hello from the balcony")
        await pms_since(robot, "alice", since)
        assert before - await robot.balance("alice") == greeting_price
        assert await shop_rows(robot, "alice", "greeting") == [(-greeting_price, "spend")]
        assert (await owned(robot, "alice"))["greeting"] == "Hello from the balcony"

        # a greeting that starts with "/" is stored without it and can never be a chat command
        since = mark(robot, "carol")
        await robot.pm("carol", "buy greeting /kick everyone")
        await pms_since(robot, "carol", since)
        carol_greeting = (await owned(robot, "carol"))["greeting"]
        assert carol_greeting and not carol_greeting.startswith("/"), carol_greeting

        # alice returns 1.5 minutes after leaving: a genuine arrival (debounce 0.5 min) inside the window
        await robot.leave("alice")
        await asyncio.sleep(1.5)
        await robot.join("alice")
        # carol, away longer than the window, arrives just after: her greeting is the marker that
        # arrivals have been handled — alice's would be in the same line or before it
        await asyncio.sleep(max(0.0, ABSENCE_MINUTES + 0.5 - 1.5))
        await robot.join("carol")
        await robot.wait_for(lambda: any(carol_greeting in c for c in robot.chats()), 10, "carol's greeting")
        await asyncio.sleep(0.5)
        assert not any("Hello from the balcony" in c for c in robot.chats()), robot.chats()

        # away longer than the window: greeted, in public chat, through the template, with her new title
        since = mark(robot, "alice")
        await robot.pm("alice", "buy title Balcony Queen")
        await pms_since(robot, "alice", since)
        await robot.leave("alice")
        await asyncio.sleep(ABSENCE_MINUTES + 0.5)
        await robot.join("alice")
        line = await robot.wait_for(lambda: next((c for c in robot.chats() if "Hello from the balcony" in c), None),
                                    10, f"alice's greeting in chat: {robot.chats()}")
        assert line.startswith("👋") and "Balcony Queen" in line, line
        assert sum("Hello from the balcony" in c for c in robot.chats()) == 1
        assert not any(c.lstrip().startswith("/") for c in robot.chats()), robot.chats()
        metrics = metrics_text(stack.metrics_port("announcer"))
        assert "economy_greetings_posted_total 2.0" in metrics  # carol, then alice
        assert 'economy_greetings_skipped_total{reason="too_soon"} 1.0' in metrics  # alice's quick return

        await _fortune_once_a_day(robot)
        await _nothing_changes(robot)
        await _rejected_gif_refunded_once(robot)
        await _title_shoutout_and_currency_name(robot)
        await _announcer_killed_mid_purchase(stack, robot)

        assert not any(c.lstrip().startswith("/") for c in robot.chats()), robot.chats()
        audit = await robot.audit()
        assert audit["ok"], audit
    finally:
        await stack.stop()


async def _fortune_once_a_day(robot: FakeRobot) -> None:
    price = await price_of(robot, "alice", "fortune")
    before = await robot.balance("alice")
    since = mark(robot, "alice")
    await robot.pm("alice", "fortune")
    first = await pms_since(robot, "alice", since)
    assert before - await robot.balance("alice") == price == 10
    since = mark(robot, "alice")
    await robot.pm("alice", "fortune")
    second = await pms_since(robot, "alice", since)
    assert before - await robot.balance("alice") == price  # the second one is free: the same fortune again
    text = re.match(r"🔮 (.+) \(Charged ", first)
    assert text and text.group(1) in second, (first, second)
    again = await robot.request("announcer", {"command": "announcer.fortune", "user": "alice"})
    assert again["error_code"] == "conflict" and text.group(1) in again["error"], again  # the request says the same
    assert before - await robot.balance("alice") == price
    assert await shop_rows(robot, "alice", "fortune") == [(-price, "spend")]
    assert (await owned(robot, "alice"))["fortune_today"] is True


async def _nothing_changes(robot: FakeRobot) -> None:
    """An unknown item and an unaffordable one: a reply, the same balance, no new journal rows, no item."""
    for user, text in (("alice", "buy unicorn sparkles"), ("erin", "buy title Lord of Everything")):
        balance, rows = await robot.balance(user), await journal(robot, user)
        since = mark(robot, user)
        await robot.pm(user, text)
        await pms_since(robot, user, since)
        assert await robot.balance(user) == balance
        assert await journal(robot, user) == rows
    assert (await owned(robot, "erin"))["title"] == ""


async def _rejected_gif_refunded_once(robot: FakeRobot) -> None:
    before = await robot.balance("alice")
    price = await price_of(robot, "alice", "gif")
    since = mark(robot, "alice")
    await robot.pm("alice", "buy gif https://example.com/cat.gif")
    await pms_since(robot, "alice", since)
    assert before - await robot.balance("alice") == price == 5_000
    assert (await owned(robot, "alice"))["gif_pending"] == "https://example.com/cat.gif"
    pending = await announcer(robot, {"command": "announcer.gif_approvals"})
    assert [(a["user"].casefold(), a["status"]) for a in pending["approvals"]] == [("alice", "pending")], pending

    since = mark(robot, "Boss")
    await robot.pm("Boss", "reject_gif @alice")
    await pms_since(robot, "Boss", since)
    await eventually(lambda: _balance_is(robot, "alice", before), 10, "the GIF refund")
    since = mark(robot, "Boss")
    await robot.pm("Boss", "reject_gif @alice")  # nothing left to reject
    await pms_since(robot, "Boss", since)
    await asyncio.sleep(0.3)
    assert await robot.balance("alice") == before
    rows = await shop_rows(robot, "alice", "gif")
    assert sorted(rows) == sorted([(-price, "spend"), (price, "refund")]), rows
    state = await owned(robot, "alice")
    assert state["gif_pending"] == "" and state["gif_url"] == "", state


async def _title_shoutout_and_currency_name(robot: FakeRobot) -> None:
    """A shoutout is posted once, with the buyer's title; a second waits for the cooldown, charging nothing;
    a personal currency name reads in another service's reply (the ledger's ``balance``); the public
    ``vanity.get``; ``profile``."""
    before = await robot.balance("alice")
    price = await price_of(robot, "alice", "shoutout")
    await robot.pm("alice", "buy shoutout Free popcorn at the back")
    line = await robot.wait_for(lambda: next((c for c in robot.chats() if "Free popcorn" in c), None), 10,
                                "the shoutout")
    assert line.startswith("📢") and "Balcony Queen" in line, line  # shown with her title
    since = mark(robot, "alice")
    await robot.pm("alice", "buy shoutout Again!")
    await pms_since(robot, "alice", since)
    assert before - await robot.balance("alice") == price
    assert await shop_rows(robot, "alice", "shoutout") == [(-price, "spend")]

    since = mark(robot, "alice")
    await robot.pm("alice", "buy rename Bobux")
    await pms_since(robot, "alice", since)
    since = mark(robot, "alice")
    await robot.pm("alice", "balance")
    assert "Bobux" in await pms_since(robot, "alice", since)
    public = await robot.client.nats_request("kryten.economy.command", {"command": "vanity.get", "channel": CHANNEL,
                                                                        "username": "alice"}, timeout=10)
    assert public["success"], public
    assert (public["data"]["title"], public["data"]["currency_name"]) == ("Balcony Queen", "Bobux"), public
    since = mark(robot, "alice")
    await robot.pm("alice", "profile")
    assert "Balcony Queen" in await pms_since(robot, "alice", since, until=lambda t: "Balcony Queen" in t)


async def _announcer_killed_mid_purchase(stack: SystemStack, robot: FakeRobot) -> None:
    """SIGKILL mid-purchase, then restart: applied or refunded, never charged twice or lost.

    First on purpose: the ledger is paused (SIGSTOP) until the purchase is stored as ``charging`` with its
    spend on the way, then the announcer is killed and the ledger resumed — the spend applies with nobody
    waiting for it. Then the request path: ``announcer.buy`` with a ``request_id``, the announcer killed
    right after, the same request re-sent after the restart.
    """
    price = await price_of(robot, "frank", "title")
    ledger = stack.procs["ledger"].proc
    assert ledger is not None
    os.kill(ledger.pid, signal.SIGSTOP)
    try:
        await robot.pm("frank", "buy title The Brave")
        await eventually(lambda: _purchase_states(stack, "frank", "The Brave", {"charging"}), 15,
                         "the purchase stored as charging")
        stack.procs["announcer"].kill()
    finally:
        os.kill(ledger.pid, signal.SIGCONT)
    since = mark(robot, "frank")
    await _restart_announcer(stack)
    (charged,) = await eventually(lambda: _settled(robot, "frank", price, "The Brave"), 15, "the PM purchase settled")
    assert charged in (0, price)
    assert await _purchase_states(stack, "frank", "The Brave", {"applied", "refunded"})
    spends = [row for row in await shop_rows(robot, "frank", "title") if row[1] == "spend"]
    assert spends == [(-price, "spend")], spends  # the paused spend applied once, its re-send was a replay
    told = await pms_since(robot, "frank", since)  # the recovery tells the buyer how it ended
    assert ("went through after all" in told) == (charged == price), told

    request = {"command": "announcer.buy", "user": "frank", "item": "title", "value": "The Bold",
               "request_id": "kill-test-1"}
    first = asyncio.ensure_future(robot.request("announcer", request, timeout=3))
    await asyncio.sleep(0.05)
    stack.procs["announcer"].kill()
    await asyncio.gather(first, return_exceptions=True)
    await _restart_announcer(stack)
    again = await robot.request("announcer", request, timeout=10)
    assert again["success"], again
    status = again["data"]["status"]
    assert status in ("stored", "refunded"), again
    spent = charged + (price if status == "stored" else 0)
    await eventually(lambda: _settled(robot, "frank", spent, "The Bold" if status == "stored" else None,
                                      total=True), 15, "the request purchase settled")
    replay = await robot.request("announcer", request, timeout=10)
    assert replay["success"] and replay["data"]["status"] == status and replay["data"]["replayed"], replay
    assert 5_000 - await robot.balance("frank") == spent


async def _purchase_states(stack: SystemStack, user: str, value: str, states: set[str]) -> bool:
    """Whether the announcer's stored purchase of ``value`` is in one of ``states`` (read-only)."""
    db = sqlite3.connect(f"file:{stack.tmp / 'data' / 'announcer.db'}?mode=ro", uri=True, timeout=5)
    try:
        rows = db.execute("SELECT state FROM purchases WHERE user_key = ? AND value = ?", (user, value)).fetchall()
    finally:
        db.close()
    return len(rows) == 1 and rows[0][0] in states


async def _restart_announcer(stack: SystemStack) -> None:
    stack.start_service("announcer")
    await stack.ready(["announcer"])


async def _balance_is(robot: FakeRobot, user: str, amount: int) -> bool:
    return await robot.balance(user) == amount


async def _settled(robot: FakeRobot, user: str, price: int, title: str | None, *, total: bool = False) -> Any:
    """``(net title charge,)`` when it matches the stored title (charged ⇔ stored), else None (still settling).

    Without ``total`` the net charge must be 0 or one price; with it, exactly ``price`` in all.
    """
    net = -sum(amount for amount, _ in await shop_rows(robot, user, "title"))
    stored = (await owned(robot, user))["title"]
    if total:
        ok = net == price and (stored == title if title else True)
    elif net == price:
        ok = stored == title
    else:
        ok = net == 0 and stored == ""
    assert net in (0, price) or total, f"charged {net} for one title of {price}"
    return (net,) if ok else None
