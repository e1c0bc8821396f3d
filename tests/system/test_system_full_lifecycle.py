"""Issue 13, the full flow on real processes: ledger, presence, gambling, media (with the MediaCMS stand-in
over HTTP) and announcer on a real nats-server, and the fake robot — join (welcome wallet) → presence
minutes → chat trigger → spin → search + queue → tip → rank up → achievement → admin event doubles a
minute → title + greeting, greeted on a later genuine arrival → ban (a banned spin refused with one line)
/ unban → ledger audit.

The same story as tests/integration/test_full_flow.py. Presence minutes are ``presence.tick`` requests
(the schedule is an hour of a 30× clock away, so no minute pays on its own); everything else that pays
is off (integration_kit.QUIET), so every balance is derived from the config and checked after each step.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from economy_shared.config import EconomyConfig, load_config
from tests.integration.integration_kit import ADMIN, CATALOG, QUIET, merged
from tests.media.mediacms_standin import MediaCmsStandIn
from tests.system.harness import FakeRobot, SystemStack
from tests.system.vanity_kit import journal, mark, pms_since

SERVICES = ["ledger", "presence", "gambling", "media", "announcer"]
START = "2026-01-05T12:01:00+00:00"  # a Monday noon: the hourly schedule's next slot is 118 real seconds away
SPEED = 30
ABSENCE_MINUTES = 2  # four real seconds

CONFIG: dict[str, Any] = merged(QUIET, {
    "onboarding": {"welcome_wallet": 100},
    "presence": {"tick_interval_seconds": 3600, "base_rate_per_minute": 100, "active_bonus_per_minute": 0,
                 "greeting_absence_minutes": ABSENCE_MINUTES, "join_debounce_minutes": 0.5},
    "chat_triggers": {"first_message_of_day": {"enabled": True, "reward": 5}},
    "ranks": {"tiers": [{"name": "Extra", "min_lifetime_earned": 0},
                        {"name": "Grip", "min_lifetime_earned": 1500}]},
    "cytube_promotion": {"min_rank": "Grip"},
    "achievements": [{"id": "two_words", "description": "Said two things", "reward": 25, "hidden": False,
                      "announce_public": False, "condition": {"type": "lifetime_messages", "threshold": 2}}],
    "gambling": {"spin": {"payouts": [{"symbol": "🍒", "multiplier": 0.5, "probability": 1.0}]}},
    "vanity_shop": {"custom_title": {"cost": 300}, "custom_greeting": {"cost": 200}},
    "admin": {"usernames": [ADMIN]},
})


async def until(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Flow:
    """The robot plus the expected balances; every step ends with ``check``."""

    def __init__(self, robot: FakeRobot) -> None:
        self.robot = robot
        self.exp: dict[str, int] = {}

    async def check(self) -> None:
        async def settled() -> bool:
            return all([await self.robot.balance(u) == z for u, z in self.exp.items()])

        try:
            await until(settled, "the expected balances", timeout=10)
        except AssertionError:
            got = {u: await self.robot.balance(u) for u in self.exp}
            raise AssertionError(f"expected {self.exp}, got {got}; "
                                 f"journals {[await journal(self.robot, u) for u in self.exp]}") from None
        await asyncio.sleep(0.2)  # nothing more arrives late
        assert {u: await self.robot.balance(u) for u in self.exp} == self.exp

    async def minutes(self, n: int = 1) -> None:
        for _ in range(n):
            reply = await self.robot.request("presence", {"command": "presence.tick"}, timeout=10)
            assert reply["success"], reply

    async def say(self, user: str, text: str, until_text: str | None = None) -> str:
        """PM ``text`` as ``user``; the PMs they got back (once one contains ``until_text``, if given)."""
        since = mark(self.robot, user)
        await self.robot.pm(user, text)
        return await pms_since(self.robot, user, since, until=(lambda t: until_text in t) if until_text else None)

    async def account(self, user: str) -> dict[str, Any]:
        reply = await self.robot.request("ledger", {"command": "ledger.balance", "user": user})
        assert reply["success"], reply
        return dict(reply["data"])


async def test_the_full_lifecycle_on_real_processes(tmp_path: Path) -> None:  # noqa: PLR0915 - one long story
    catalog = await MediaCmsStandIn(CATALOG).start()
    stack = SystemStack(tmp_path, SERVICES, clock=f"{START}@{SPEED}", **merged(CONFIG, {
        "mediacms": {"base_url": catalog.url, "request_timeout_seconds": 1.0, "max_retries": 1}}))
    try:
        await stack.start()
        robot = stack.robot
        assert robot is not None
        cfg: EconomyConfig = load_config(stack.config_path)
        rate = int(cfg.presence.base_rate_per_minute)
        flow = Flow(robot)
        await _story(stack, robot, cfg, rate, flow)
    finally:
        await stack.stop()
        await catalog.stop()


async def _story(stack: SystemStack, robot: FakeRobot, cfg: EconomyConfig, rate: int,  # noqa: PLR0915
                 flow: Flow) -> None:
    # join: the welcome wallet, once each, told by PM
    await robot.join("alice")
    await robot.join("bob")
    await robot.wait_for_pm("alice", "Welcome")
    await robot.wait_for_pm("bob", "Welcome")

    async def both_present() -> bool:
        for user in ("alice", "bob"):
            status = await robot.request("presence", {"command": "presence.user_status", "user": user})
            if not (status["success"] and status["data"]["present"]):
                return False
        return True

    await until(both_present, "both present in the presence process")
    flow.exp = {"alice": cfg.onboarding.welcome_wallet, "bob": cfg.onboarding.welcome_wallet}
    await flow.check()

    # earn: five presence minutes
    await flow.minutes(5)
    flow.exp = {u: z + 5 * rate for u, z in flow.exp.items()}
    await flow.check()

    # chat: the first message of the day pays
    await robot.chat("alice", "good evening everyone")
    flow.exp["alice"] += cfg.chat_triggers.first_message_of_day.reward
    await flow.check()

    # gamble: the payout is read from the journal (the one-row table pays half the wager back)
    wager = cfg.gambling.spin.min_wager * 2
    rows_before = len(await journal(robot, "alice"))
    assert (await flow.say("alice", f"spin {wager}")).startswith("🎰 ")
    async def spin_rows() -> list[dict[str, Any]] | None:
        rows = (await journal(robot, "alice"))[rows_before:]
        return rows if sum(r["amount"] > 0 for r in rows) >= 1 and any(r["amount"] < 0 for r in rows) else None

    rows = await until(spin_rows, "the spin's wager and payout in the journal")
    payout = sum(r["amount"] for r in rows if r["amount"] > 0)
    assert [r["amount"] for r in rows if r["amount"] < 0] == [-wager], rows
    assert payout == int(wager * cfg.gambling.spin.payouts[0].multiplier), rows
    flow.exp["alice"] += payout - wager
    await flow.check()

    # queue: search, then queue the catalog item; the fake robot answers addvideo
    tier = cfg.spending.queue_tiers[0]
    assert '"Cat Video"' in await flow.say("alice", "search cat")
    assert 'Queued "Cat Video"' in await flow.say("alice", "queue short01", 'Queued "Cat Video"')
    addvideos = [c for c in robot.commands if c.get("command") == "addvideo"]
    assert len(addvideos) == 1 and "short01" in addvideos[0]["args"]["id"], addvideos
    flow.exp["alice"] -= tier.cost
    await flow.check()

    # tip: both told, the amount moved once
    tip = 45
    assert f"💸 You tipped bob {tip} Z." in await flow.say("alice", f"tip @bob {tip}")
    await robot.wait_for_pm("bob", f"alice tipped you {tip} Z")
    flow.exp["alice"] -= tip
    flow.exp["bob"] += tip
    await flow.check()

    # rank up: earn past the Grip threshold; the promotion is told and announced once
    grip = cfg.ranks.tiers[1]
    earned = int((await flow.account("alice"))["lifetime_earned"])
    needed = -(-(grip.min_lifetime_earned - earned) // rate)
    assert needed > 1
    await flow.minutes(needed - 1)
    flow.exp = {u: z + (needed - 1) * rate for u, z in flow.exp.items()}
    await flow.check()
    assert (await flow.account("alice"))["rank_name"] == cfg.ranks.tiers[0].name
    await flow.minutes(1)
    flow.exp = {u: z + rate for u, z in flow.exp.items()}
    await flow.check()
    assert (await flow.account("alice"))["rank_name"] == grip.name
    await robot.wait_for_pm("alice", "You're now a Grip.")
    await robot.wait_for(lambda: any("alice is now a Grip!" in c for c in robot.chats()), 10, "the rank-up line")

    # achievement: the second message, reported by presence in its next batch, unlocks it once
    goal = cfg.achievements[0]
    await robot.chat("alice", "and another thing")
    await robot.wait_for_pm("alice", f"Achievement unlocked: {goal.description}", timeout=20)
    flow.exp["alice"] += goal.reward
    await flow.check()

    # event: an admin doubles the next minute's pay for everyone present
    assert "Double started" in await flow.say(ADMIN, 'event start 2 600 "Double"', "Double started")
    await flow.minutes(1)
    flow.exp = {u: z + 2 * rate for u, z in flow.exp.items()}
    await flow.check()
    assert "Double stopped." in await flow.say(ADMIN, "event stop", "Double stopped.")

    # vanity: a title and a greeting, charged their configured price
    shop = cfg.vanity_shop
    bought = await flow.say("alice", "buy title Night Owl")
    assert bought.startswith("✅ Your title is now: Night Owl.") and f"{shop.custom_title.cost:,} Z" in bought
    bought = await flow.say("alice", "buy greeting Hello friends")
    assert bought.startswith("✅ Your greeting is now: Hello friends.")
    assert f"{shop.custom_greeting.cost:,} Z" in bought
    flow.exp["alice"] -= shop.custom_title.cost + shop.custom_greeting.cost
    await flow.check()

    # a later genuine arrival (away longer than the greeting window): greeted in chat, with the title
    await robot.leave("alice")
    await asyncio.sleep((ABSENCE_MINUTES + 0.5) * 60 / SPEED)
    await robot.join("alice")
    line = await robot.wait_for(lambda: next((c for c in robot.chats() if "Hello friends" in c), None), 10,
                                f"alice's greeting in chat: {robot.chats()}")
    assert line.startswith("👋") and "Night Owl" in line, line
    await until(both_present, "alice present again")

    # admin: ban bob (he earns nothing, a spin is refused with one line), then unban
    assert "bob is banned" in await flow.say(ADMIN, "ban @bob farming", "bob is banned")
    await robot.wait_for_pm("bob", "frozen")
    await flow.minutes(1)
    flow.exp["alice"] += rate
    await flow.check()
    since = mark(robot, "bob")
    await robot.pm("bob", f"spin {wager}")
    await pms_since(robot, "bob", since)
    await asyncio.sleep(0.5)  # a second line would have come by now
    assert robot.pms_to("bob")[since:] == ["⛔ Your economy access is restricted."], robot.pms_to("bob")[since:]
    await flow.check()
    assert "bob is unbanned" in await flow.say(ADMIN, "unban bob", "bob is unbanned")
    await flow.minutes(1)
    flow.exp = {u: z + rate for u, z in flow.exp.items()}
    await flow.check()

    assert sum("alice is now a Grip!" in c for c in robot.chats()) == 1
    assert sum("Hello friends" in c for c in robot.chats()) == 1
    assert sum(f"Achievement unlocked: {goal.description}" in m for m in robot.pms_to("alice")) == 1
    audit = await robot.audit()
    assert audit["ok"], audit
    assert stack.procs  # every process still up at the end
    for name, proc in stack.procs.items():
        assert proc.proc is not None and proc.proc.poll() is None, f"{name} died:\n{stack.logs()}"
