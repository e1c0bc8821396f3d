"""The launcher's restart policy: back-off, reset after a healthy run, give up on a crash loop."""

from __future__ import annotations

from economy_stack.supervisor import RestartPolicy, Supervisor


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class FakeChild:
    def __init__(self, name: str) -> None:
        self.name = name
        self.code: int | None = None
        self.starts = 0

    @property
    def exit_code(self) -> int | None:
        return self.code

    def start(self) -> FakeChild:
        self.code = None
        self.starts += 1
        return self


def _setup(**policy: float) -> tuple[Clock, FakeChild, FakeChild, Supervisor, list[str]]:
    clock, said = Clock(), []
    ledger, presence = FakeChild("ledger"), FakeChild("presence")
    sup = Supervisor([ledger, presence], RestartPolicy(**policy), monotonic=clock, say=said.append)
    return clock, ledger, presence, sup, said


def test_exit_75_is_restarted_after_a_growing_back_off_and_others_are_left_alone() -> None:
    clock, ledger, presence, sup, said = _setup()
    clock.t = 100.0
    ledger.code = 75
    assert sup.check() and ledger.starts == 0
    assert said == ["stack: ledger exited with code 75; restarting in 1s"]
    clock.t = 100.9
    assert sup.check() and ledger.starts == 0  # still backing off
    clock.t = 101.0
    assert sup.check() and ledger.starts == 1 and said[-1] == "stack: ledger started again"
    clock.t = 104.0
    ledger.code = 75  # NATS still away: the next start gave up too
    sup.check()
    assert said[-1].endswith("restarting in 2s")
    assert presence.starts == 0 and sup.restarts == 1


def test_a_healthy_run_resets_the_back_off() -> None:
    clock, ledger, _, sup, said = _setup(healthy_after=60)
    for exited_at, restarted_at in ((10.0, 11.0), (20.0, 22.0)):  # two quick failures in a row
        clock.t, ledger.code = exited_at, 1
        sup.check()
        clock.t = restarted_at
        sup.check()
    assert ledger.starts == 2
    assert [line[-2:] for line in said if "restarting" in line] == ["1s", "2s"]
    clock.t, ledger.code = 200.0, 1  # this run lasted three minutes
    sup.check()
    assert said[-1].endswith("restarting in 1s")


def test_a_crash_loop_stops_the_stack_and_a_clean_exit_is_not_restarted() -> None:
    clock, ledger, presence, sup, said = _setup(max_restarts=3, window=300, max_delay=4)
    presence.code = 0
    for _ in range(3):
        ledger.code = 2
        assert sup.check()
        clock.t += 10
        assert sup.check()
    assert ledger.starts == 3 and presence.starts == 0
    assert "stack: presence stopped cleanly (exit 0); not restarting it" in said
    ledger.code = 2
    assert not sup.check()
    assert said[-1] == "stack: ledger exited with code 2 after 3 restarts within 300s; giving up"


def test_back_off_is_capped() -> None:
    policy = RestartPolicy(first_delay=1, max_delay=30)
    assert [policy.delay(n) for n in (1, 2, 3, 5, 6, 10)] == [1, 2, 4, 16, 30, 30]
