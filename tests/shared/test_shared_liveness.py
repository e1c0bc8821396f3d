"""The front desk knows when a service is down: shutdown at once, silence after the grace period."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from economy_ledger.service import LedgerService
from economy_shared.pm.liveness import ServiceLiveness
from tests.helpers import Stack


@dataclass
class Msg:
    subject: str
    data: bytes = b"{}"


class Tick:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def test_shutdown_marks_down_heartbeat_marks_up_silence_times_out() -> None:
    tick = Tick()
    live = ServiceLiveness(grace=75, monotonic=tick)
    assert not live.is_down("gambling")  # never heard of yet, but we only just started
    await live.on_lifecycle(Msg("kryten.lifecycle.economy-gambling.shutdown"))
    assert live.is_down("gambling")
    await live.on_lifecycle(Msg("kryten.lifecycle.economy-gambling.startup"))
    assert not live.is_down("gambling")
    tick.t += 60
    await live.on_lifecycle(Msg("kryten.lifecycle.economy-gambling.heartbeat"))
    tick.t += 74
    assert not live.is_down("gambling")
    tick.t += 2
    assert live.is_down("gambling")  # SIGKILL: no shutdown, the heartbeats just stop
    await live.on_lifecycle(Msg("kryten.lifecycle.robot.shutdown"))  # not ours: ignored
    await live.on_lifecycle(Msg("kryten.lifecycle.economy-nonsense.shutdown"))
    assert live.is_down("media")  # never heard from, and the grace period since start has passed


async def test_ledger_answers_for_a_down_casino_once_per_command(stack: Stack, tmp_path: Path) -> None:
    ledger = await stack.add(LedgerService)
    assert ledger.pm.liveness is not None
    ledger.pm.liveness.gone("gambling")
    await stack.pm("alice", "spin 10")
    await stack.pm("alice", "nonsense words")  # unknown words stay ignored
    assert stack.bus.pms_to("alice") == ["🎰 The casino is closed for a moment. Try again in a minute!"]
    ledger.pm.liveness.seen("gambling")
    await stack.pm("alice", "spin 10")  # the casino is back: the ledger stays quiet
    assert len(stack.bus.pms_to("alice")) == 1
