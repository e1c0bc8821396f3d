"""One rate-limit window per user across the economy: four PmRouters fed the same ``pm`` events."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from economy_shared.pm.liveness import ServiceLiveness
from economy_shared.pm.ratelimit import RateLimiter, Verdict
from economy_shared.pm.router import SLOW_DOWN, PmContext, PmRouter
from economy_shared.subjects import ServiceName
from tests.helpers import make_config

WORDS: dict[ServiceName, str] = {"ledger": "balance", "presence": "rewards", "gambling": "spin", "announcer": "quiet"}


class Tick:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Event:
    username: str
    message: str
    channel: str = "testchan"
    shadow: bool = False


class Said:
    """Every line any service sends, as (service, user, text)."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str]] = []

    def voice(self, service: str) -> Any:
        said = self

        class _Voice:
            async def reply(self, channel: str, user: str, text: str) -> bool:
                said.lines.append((service, user, text))
                return True

        return _Voice()

    def answers(self) -> list[tuple[str, str, str]]:
        return [line for line in self.lines if line[2] != SLOW_DOWN]

    def slow_downs(self) -> list[str]:
        return [service for service, _, text in self.lines if text == SLOW_DOWN]


class NoAdmins:
    async def is_admin(self, channel: str, user: str) -> bool:
        return False


class Economy:
    """Routers of several services, each wired like ``EconomyService.enable_pm`` does."""

    def __init__(self, tmp_path: Path, services: list[ServiceName], per_minute: int = 10) -> None:
        cfg = make_config(tmp_path, commands={"rate_limit_per_minute": per_minute})
        self.tick = Tick()
        self.said = Said()
        self._tasks: list[asyncio.Task[Any]] = []
        self.routers: dict[str, PmRouter] = {}
        for name in services:
            router = PmRouter(name, lambda: cfg, self.said.voice(name), NoAdmins(),  # type: ignore[arg-type]
                              self._spawn, monotonic=self.tick)
            router.command(WORDS[name])(self._answer)
            self.routers[name] = router

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.append(task)
        return task

    @staticmethod
    async def _answer(ctx: PmContext) -> str:
        return f"ok {ctx.word}"

    async def pm(self, user: str, text: str) -> None:
        """One ``pm`` event: every service sees it, as on NATS (no queue groups)."""
        for router in self.routers.values():
            await router.on_pm(Event(user, text))
        await asyncio.gather(*self._tasks)
        self._tasks.clear()


async def test_one_user_flooding_four_services_gets_ten_answers_a_minute_and_one_slow_down(tmp_path: Path) -> None:
    eco = Economy(tmp_path, list(WORDS))
    words = list(WORDS.values())
    for i in range(40):  # 40 commands in 40 s, round-robin over the four services' words
        await eco.pm("alice", words[i % 4])
        eco.tick.t += 1.0
    assert len(eco.said.answers()) == 10  # not 10 per service (40)
    assert {w for *_, text in eco.said.answers() for w in [text.removeprefix("ok ")]} == set(words)
    # the 11th command (words[10 % 4] = "spin") crossed the limit: only its owner says so
    assert eco.said.slow_downs() == ["gambling"]

    eco.tick.t = 1000.0 + 60.0 + 9.5  # the first ten hits (t = 0..9) have left the window
    for _ in range(12):
        await eco.pm("ALICE", "quiet")  # same user, however she types her name
    assert len(eco.said.answers()) == 20
    assert eco.said.slow_downs() == ["gambling", "announcer"]  # once more in the new window, by one service
    await eco.pm("bob", "balance")  # another user has a window of his own
    assert eco.said.answers()[-1] == ("ledger", "bob", "ok balance")


async def test_words_not_in_the_catalog_are_not_counted(tmp_path: Path) -> None:
    eco = Economy(tmp_path, list(WORDS), per_minute=3)
    for _ in range(20):
        await eco.pm("alice", "hello there")
    for word in ("spin", "balance", "rewards"):
        await eco.pm("alice", word)
    assert len(eco.said.answers()) == 3 and eco.said.slow_downs() == []


async def test_front_desk_speaks_for_a_down_owner_within_the_shared_window(tmp_path: Path) -> None:
    eco = Economy(tmp_path, ["ledger", "presence", "announcer"])  # no casino process
    liveness = ServiceLiveness(monotonic=eco.tick)
    liveness.gone("gambling")
    eco.routers["ledger"].liveness = liveness
    for _ in range(15):
        await eco.pm("alice", "spin 5")
    closed = liveness.closed_text("gambling")
    assert eco.said.answers() == [("ledger", "alice", closed)] * 10
    assert eco.said.slow_downs() == ["ledger"]

    liveness.seen("gambling")  # back up: its words are its own again, the front desk stays quiet
    await eco.pm("bob", "spin 5")
    assert len(eco.said.lines) == 11


async def test_a_non_live_word_counts_and_its_owner_says_slow_down(tmp_path: Path) -> None:
    eco = Economy(tmp_path, list(WORDS), per_minute=2)
    for _ in range(4):
        await eco.pm("alice", "history")  # reserved ledger word: no handler anywhere, still a command
    assert eco.said.answers() == [] and eco.said.slow_downs() == ["ledger"]
    await eco.pm("alice", "spin")
    assert eco.said.answers() == []  # the window is full


def test_limiter_prunes_idle_users_by_itself() -> None:
    rl = RateLimiter(per_minute=10)
    peak = 0
    for second in range(600):  # ten new users a second for ten minutes, one command each
        for n in range(10):
            assert rl.check(f"user{second}-{n}", float(second)) is Verdict.ALLOW
        peak = max(peak, len(rl))
    assert peak <= 2 * 60 * 10  # at most two windows of users, not all 6000
    rl.check("late", 10_000.0)
    assert len(rl) == 1


def test_pruning_keeps_a_warned_user_until_the_warning_expires() -> None:
    rl = RateLimiter(per_minute=1)
    assert rl.check("alice", 0.0) is Verdict.ALLOW
    assert rl.check("alice", 59.0) is Verdict.WARN
    rl.forget_idle(59.5)
    assert rl.check("alice", 59.9) is Verdict.DROP  # still remembered: no second warning
    rl.forget_idle(60.0)
    assert len(rl) == 0
