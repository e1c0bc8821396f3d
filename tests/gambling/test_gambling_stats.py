"""Personal records, the house report and the request routes (sprint 4 §7 test_gambling_stats)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_gambling_kit import Casino, running, start_casino

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import Stack, make_config

CHERRIES, LOSS = 0.05, 0.5


async def play_a_bit(c: Casino) -> None:
    await c.fund("alice", 1000)
    await c.fund("bob", 1000)
    c.rng.force(CHERRIES)
    await c.say("alice", "spin 100")  # +100
    c.rng.force(0.9)
    await c.say("alice", "flip 300")  # -300
    await c.say("alice", "challenge bob 100")
    c.rng.force(0.3)
    await c.say("bob", "accept")  # alice +90 net


async def test_no_gambling_yet(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        assert "haven't gambled yet" in await c.say("alice", "gambling")


async def test_record_combines_every_game(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await play_a_bit(c)
        text = await c.say("alice", "stats")
        assert "Spins: 1 (+0 free)" in text and "Flips: 1" in text and "Challenges: 1" in text
        assert "Biggest win: 100 Z" in text and "Biggest loss: 300 Z" in text
        assert "net -110 Z" in text
        assert "net +90 Z" not in text
        bob = await c.say("bob", "gambling")
        assert "Challenges: 1" in bob and "net -100 Z" in bob


async def test_net_positive_shows_a_plus(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await c.fund("alice", 1000)
        c.rng.force(CHERRIES)
        await c.say("alice", "spin 100")
        assert "net +100 Z" in await c.say("alice", "gambling")


async def test_stats_route_for_achievements(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await play_a_bit(c)
        r = await c.request("gambling.stats", user="ALICE")
        assert r["success"], r
        d = r["data"]
        assert (d["lifetime_wagered"], d["lifetime_paid"], d["biggest_win"], d["biggest_loss"]) == (500, 390, 100, 300)
        assert d["games"]["flip"] == {"plays": 1, "wagered": 300, "paid": 0}
        account = await c.account("alice")  # the ledger's counters agree with the service's record
        assert (account["lifetime_gambled_in"], account["lifetime_gambled_out"]) == (500, 390)


async def test_house_report_and_admin_command(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    cfg = make_config(tmp_path, admin={"usernames": ["Boss"]}, commands={"rate_limit_per_minute": 600},
                      gambling={"min_account_age_minutes": 0})
    stack = Stack(bus, cfg, clock)
    c = await start_casino(stack)
    try:
        await play_a_bit(c)
        r = await c.request("gambling.summary")
        assert r["success"], r
        games = {g["game"]: g for g in r["data"]["games"]}
        assert games["spin"]["configured_return"] == pytest.approx(0.9)
        assert games["spin"]["actual_return"] == 2.0
        assert games["challenge"]["configured_return"] == pytest.approx(0.95)
        assert (games["challenge"]["wagered"], games["challenge"]["paid"]) == (200, 190)
        assert (r["data"]["total_wagered"], r["data"]["total_paid"], r["data"]["house_net"]) == (600, 390, 210)
        assert r["data"]["active_gamblers_24h"] == 2
        report = await c.say("Boss", "econ:gambling")
        assert "House report" in report and "House net +210 Z" in report
        assert "spin: 1 plays by 1" in report and "configured 10.0%" in report
        assert "channel admins" not in report
        assert "channel admins" in await c.say("alice", "econ:gambling")
    finally:
        await stack.close()
        await c.announcer.client.disconnect()


async def test_request_validation(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await c.fund("alice", 1000)
        assert (await c.request("gambling.spin", user="alice", wager=0))["error_code"] == "bad_request"
        assert (await c.request("gambling.flip", user="alice"))["error_code"] == "bad_request"
        r = await c.stack.request("kryten.economy.gambling.command",
                                  {"command": "gambling.stats", "channel": "elsewhere", "user": "alice"})
        assert r["error_code"] == "not_found"
        r = await c.request("gambling.flip", user="OtherBot", wager=10)
        assert r["error_code"] == "forbidden"
        c.rng.force(0.1)
        r = await c.request("gambling.flip", user="alice", wager=50)
        assert r["success"] and r["data"]["payout"] == 100 and r["data"]["balance"] == 1050
