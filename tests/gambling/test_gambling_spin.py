"""Slots, the daily free spin and the coin flip through PM commands, with the real ledger (sprint 4 §7 rows)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from test_gambling_kit import Casino, running

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus

NO_COOLDOWN = {"cooldown_seconds": 0}
CHERRIES, LEMONS, DIAMONDS, SEVENS, PARTIAL, LOSS = 0.05, 0.12, 0.16, 0.171, 0.25, 0.5


async def rich(c: Casino, user: str = "alice", amount: int = 1000) -> None:
    await c.fund(user, amount)


async def test_spin_win_settles_wager_and_payout_in_one_request(tmp_path: Path, bus: InMemoryBus,
                                                                 clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await rich(c)
        c.rng.force(CHERRIES)
        reply = await c.say("alice", "spin 100")
        assert "WIN" in reply and "+100 Z" in reply and "1,100 Z" in reply
        assert await c.balance("alice") == 1100
        assert await c.journal(["wager", "payout"]) == [("alice", -100, "wager"), ("alice", 200, "payout")]
        acct = await c.account("alice")
        # gambling never counts as an earning (DECISIONS 5)
        assert (acct["lifetime_earned"], acct["lifetime_gambled_in"], acct["lifetime_gambled_out"]) == (0, 100, 200)


async def test_spin_loss_logs_the_wager(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await rich(c)
        c.rng.force(LOSS)
        reply = await c.say("alice", "spin 100")
        assert "Loss -100 Z" in reply and "900 Z" in reply
        assert await c.journal(["wager", "payout"]) == [("alice", -100, "wager")]
        shown = reply.split(" — ")[0].removeprefix("🎰 ")
        assert shown and shown != "7️⃣7️⃣7️⃣"


async def test_partial_is_a_push(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await rich(c)
        c.rng.force(PARTIAL)
        assert "Push" in await c.say("alice", "spin 100")
        assert await c.balance("alice") == 1000
        assert not c.announcer.announcements


async def test_jackpot_is_announced_with_the_credited_amount(tmp_path: Path, bus: InMemoryBus,
                                                             clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await rich(c)
        c.rng.force(SEVENS)
        reply = await c.say("alice", "spin 20")
        assert "7️⃣7️⃣7️⃣" in reply and "JACKPOT" in reply
        assert await c.balance("alice") == 1000 - 20 + 1000
        [ann] = c.announcer.announcements
        assert ann["template"] == "jackpot" and ann["context"]["amount"] == 1000 and ann["context"]["user"] == "alice"


async def test_big_win_threshold(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, spin={**NO_COOLDOWN, "jackpot_announce_threshold": 1000}) as c:
        await rich(c, amount=5000)
        c.rng.force(LEMONS)  # 5x of 200: net +800 stays below the threshold
        await c.say("alice", "spin 200")
        assert c.announcer.announcements == []
        c.rng.force(DIAMONDS)  # 10x of 200: net +1,800 is announced as a big win
        await c.say("alice", "spin 200")
        assert c.announcer.templates() == ["big_win"]
        assert c.announcer.announcements[0]["context"]["amount"] == 2000


async def test_spin_cooldown_then_allowed(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:  # default 30 s
        await rich(c)
        c.rng.force(LOSS)
        await c.say("alice", "spin 10")
        clock.advance(29)
        assert "cooldown: 1s" in await c.say("alice", "spin 10")
        clock.advance(1)
        c.rng.force(LOSS)
        assert "Loss" in await c.say("alice", "spin 10")
        assert await c.balance("alice") == 980


async def test_spin_daily_limit_resets_on_the_utc_day(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, spin={**NO_COOLDOWN, "daily_limit": 3}) as c:
        await rich(c)
        for _ in range(3):
            c.rng.force(LOSS)
            assert "Loss" in await c.say("alice", "spin 10")
        assert "Daily limit reached (3 spins per day)" in await c.say("alice", "spin 10")
        clock.advance(hours=12)  # 00:00 UTC the next day
        c.rng.force(LOSS)
        assert "Loss" in await c.say("alice", "spin 10")


async def test_gate_rejections_move_no_money(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, spin=NO_COOLDOWN) as c:
        await rich(c, amount=50)
        assert "Minimum spin wager: 10 Z" in await c.say("alice", "spin 5")
        assert "Maximum spin wager: 500 Z" in await c.say("alice", "spin 501")
        assert "don't have enough" in await c.say("alice", "spin 100")
        assert "e.g. spin 10" in await c.say("alice", "spin lots")
        assert "need an account" in await c.say("stranger", "spin 10")
        assert (await c.account("stranger"))["found"] is False  # never created by a lookup
        await c.ban("alice")
        assert await c.say("alice", "spin 10") == "⛔ Your economy access is restricted."
        assert await c.balance("alice") == 50
        assert await c.journal(["wager", "payout"]) == []


async def test_min_account_age(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, min_account_age_minutes=60) as c:
        await rich(c)
        assert "60 more minutes" in await c.say("alice", "spin 10")
        clock.advance(minutes=59)
        assert "1 more minute " in await c.say("alice", "spin 10")
        assert "1 more minute " in await c.say("alice", "spin")  # the free spin passes the same gate
        clock.advance(minutes=1)
        c.rng.force(LOSS)
        assert "Loss" in await c.say("alice", "spin 10")


async def test_disabled_switches_are_enforced(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, spin={"enabled": False}) as c:
        await rich(c)
        await rich(c, "bob")
        assert "spin table is closed" in await c.say("alice", "spin 10")
        c.rng.force(0.9)
        assert "Tails" in await c.say("alice", "flip 10")  # the other games still run
    async with running(tmp_path / "off", bus, clock, enabled=False) as c:
        await rich(c)
        await rich(c, "bob")
        for text in ("spin 10", "spin", "flip 10", "challenge bob 50"):
            assert "Gambling is closed" in await c.say("alice", text), text
        assert await c.balance("alice") == 1000


async def test_free_spin_pays_without_a_debit_once_per_day(tmp_path: Path, bus: InMemoryBus,
                                                           clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await rich(c)
        c.rng.force(CHERRIES)
        assert "FREE SPIN WIN! +100 Z" in await c.say("alice", "spin")  # 2x of the 50 equivalent wager
        assert await c.journal(["wager", "payout"]) == [("alice", 100, "payout")]
        again = await c.say("alice", "spin")
        assert "already used today's free spin" in again and "spin <wager>" in again
        clock.advance(hours=12)
        c.rng.force(LOSS)
        assert "no luck" in await c.say("alice", "spin")
        assert await c.balance("alice") == 1100
        stats = (await c.request("gambling.stats", user="alice"))["data"]
        assert (stats["free_spins"], stats["spins"], stats["lifetime_paid"]) == (2, 0, 100)


async def test_free_spin_jackpot_is_announced(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await rich(c)
        c.rng.force(SEVENS)
        await c.say("alice", "spin")
        assert c.announcer.templates() == ["jackpot"]
        assert c.announcer.announcements[0]["context"]["amount"] == 2500


async def test_free_spin_disabled_points_to_paid_spins(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, daily_free_spin={"enabled": False}) as c:
        await rich(c)
        reply = await c.say("alice", "spin")
        assert "Free spins are off" in reply and "min 10 Z" in reply


async def test_concurrent_free_spins_pay_once(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await rich(c)
        c.rng.force(*[CHERRIES] * 8)
        replies = await asyncio.gather(*(c.request("gambling.spin", user="alice") for _ in range(8)))
        assert sum(r["success"] for r in replies) == 1
        assert {r.get("error_code") for r in replies if not r["success"]} == {"limit_reached"}
        assert await c.balance("alice") == 1100


async def test_flip_win_loss_cooldown_and_stats(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await rich(c)
        c.rng.force(0.44)
        assert "Heads! WIN +100 Z" in await c.say("alice", "flip 100")
        assert "cooldown: 15s" in await c.say("alice", "flip 100")
        clock.advance(15)
        c.rng.force(0.45)
        assert "Tails! Loss -100 Z" in await c.say("alice", "flip 100")
        assert await c.balance("alice") == 1000
        assert "Usage: flip <wager>" in await c.say("alice", "flip")
        stats = (await c.request("gambling.stats", user="alice"))["data"]
        assert (stats["flips"], stats["net"], stats["biggest_win"], stats["biggest_loss"]) == (2, 0, 100, 100)


async def test_flip_daily_limit(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, flip={"cooldown_seconds": 0, "daily_limit": 2}) as c:
        await rich(c)
        c.rng.force(0.9, 0.9)
        await c.say("alice", "flip 10")
        await c.say("alice", "flip 10")
        assert "Daily limit reached (2 flips per day)" in await c.say("alice", "flip 10")


async def test_amounts_that_are_not_ascii_digits_get_the_usage_line(tmp_path: Path, bus: InMemoryBus,
                                                                    clock: FakeClock) -> None:
    """``²`` passes ``str.isdigit`` but not ``int``; ``１０`` passes both: neither is an amount (parse_amount)."""
    async with running(tmp_path, bus, clock, heist={"enabled": True}) as c:
        await rich(c)
        await rich(c, "bob")
        for text, usage in (("spin ²", "Usage: spin [wager] — e.g. spin 10"),
                            ("spin １０", "Usage: spin [wager] — e.g. spin 10"),
                            ("flip ２０", "Usage: flip <wager> — e.g. flip 10"),
                            ("challenge bob ⁵⁰", "Usage: challenge @user <wager>"),
                            ("heist １００", "Usage: heist [wager] | heist join")):
            reply = await c.say("alice", text)
            assert reply == usage, text
            assert "Something went wrong" not in reply
        assert (await c.balance("alice"), await c.balance("bob")) == (1000, 1000)
        assert await c.journal(["wager", "payout", "escrow"]) == []
        assert (await c.request("gambling.stats", user="alice"))["data"]["spins"] == 0
        assert c.announcer.to("bob") == []  # no challenge was made
