"""Achievement stats from gambling (stat_reporter.py): total wagered and the biggest single net win,
reported in one batch after games settle, only when something changed."""

from __future__ import annotations

from pathlib import Path

from test_gambling_kit import running
from test_gambling_stats import play_a_bit

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL


async def test_settled_games_are_reported_once_with_absolute_values(tmp_path: Path, bus: InMemoryBus,
                                                                     clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as c:
        await play_a_bit(c)
        assert await c.gambling.stat_reporter.report_once() == 2  # alice and bob, one request
        rows = await c.ledger.database.fetchall(
            "SELECT user_key, stat, value FROM achievement_stats WHERE channel=? ORDER BY user_key, stat",
            (CHANNEL.lower(),))
        got = {(r[0], r[1]): r[2] for r in rows}
        assert got == {("alice", "gambling_biggest_win"): 100, ("alice", "lifetime_gambled"): 500,
                       ("bob", "gambling_biggest_win"): 0, ("bob", "lifetime_gambled"): 100}
        assert await c.gambling.stat_reporter.report_once() == 0  # nothing new settled
        c.rng.force(0.9)
        await c.say("bob", "flip 50")
        assert await c.gambling.stat_reporter.report_once() == 1
        row = await c.ledger.database.fetchone(
            "SELECT value FROM achievement_stats WHERE user_key='bob' AND stat='lifetime_gambled'")
        assert row is not None and row[0] == 150
