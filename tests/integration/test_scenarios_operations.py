"""Operations scenarios (sprint 9 §7.2): admin grant and ban, ``reload``, PM rate limiting.

All five services in one process; balances derived from the config the test wrote; a clean audit at the end.
"""

from __future__ import annotations

from pathlib import Path

from economy_shared.clock import FakeClock
from economy_shared.pm.router import SLOW_DOWN
from tests.integration.integration_kit import ADMIN, running


async def test_admin_grant_ban_and_unban(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 2}) as eco:
        rate = int(eco.config.presence.base_rate_per_minute)
        await eco.join("carol")
        await eco.minutes(1)
        reply = await eco.say(ADMIN, "grant @carol 250 good work")
        assert f"✅ Granted 250 Z to carol. Balance now {rate + 250:,} Z." in reply, reply
        assert any("🎁 An admin gave you 250 Z. Reason: good work" in m for m in await eco.inbox("carol"))
        assert "for channel admins" in await eco.say("carol", "grant @carol 5")
        assert await eco.balance("carol") == rate + 250

        reply = await eco.say(ADMIN, "ban @carol farming")
        assert "carol is banned from the economy" in reply, reply
        assert any("frozen" in m for m in await eco.inbox("carol"))
        await eco.minutes(3)  # a banned user earns nothing
        assert await eco.balance("carol") == rate + 250
        refused = await eco.pm("carol", f"spin {eco.config.gambling.spin.min_wager}")
        assert refused == ["⛔ Your economy access is restricted."], refused
        assert await eco.balance("carol") == rate + 250

        reply = await eco.say(ADMIN, "unban carol")
        assert "✅ carol is unbanned." in reply, reply
        await eco.minutes(1)  # earning again
        assert await eco.balance("carol") == 2 * rate + 250
        await eco.audit()


async def test_reload_applies_a_changed_rate_on_the_next_minute(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, presence={"base_rate_per_minute": 1}) as eco:
        old = int(eco.config.presence.base_rate_per_minute)
        await eco.join("alice")
        await eco.minutes(1)
        eco.rewrite(presence={"base_rate_per_minute": 4})
        await eco.minutes(1)  # written, not reloaded yet: the old rate
        assert "for channel admins" in await eco.say("alice", "reload")
        reply = await eco.say(ADMIN, "reload")
        assert "✅ Config reloaded by ledger, presence, gambling, media, announcer" in reply, reply
        assert "Changed: presence.base_rate_per_minute" in reply, reply
        new = int(eco.presence.config.presence.base_rate_per_minute)
        assert new == eco.raw["presence"]["base_rate_per_minute"] != old
        await eco.minutes(1)
        assert await eco.earned("alice", "presence.base") == [old, old, new]
        assert await eco.balance("alice") == 2 * old + new
        await eco.audit()


async def test_rate_limiting_says_slow_down_once(tmp_path: Path, clock: FakeClock) -> None:
    async with running(tmp_path, clock, commands={"rate_limit_per_minute": 3}) as eco:
        limit = eco.config.commands.rate_limit_per_minute
        await eco.fund("alice", 50)
        replies: list[str] = []
        for _ in range(limit + 3):
            replies += await eco.pm("alice", "balance")
        assert [r for r in replies if r == SLOW_DOWN] == [SLOW_DOWN], replies
        assert sum("💰 Balance: 50 Z" in r for r in replies) == limit, replies
        assert len(replies) == limit + 1
        assert "💰 Balance" in await eco.say("bob", "balance")  # another user is not limited
        await eco.audit()
