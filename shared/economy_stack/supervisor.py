"""The launcher's restart policy: like systemd's ``Restart=on-failure`` with a start limit.

A service that exits non-zero (a crash, or code 75 after NATS closed for good) is started again
after a back-off (1 s, 2 s, 4 s … capped); a run that lasted ``healthy_after`` resets the back-off.
More than ``max_restarts`` restarts within ``window`` means a crash loop: the launcher gives up.
A service that exits 0 was stopped on purpose (SIGTERM) and stays stopped.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    max_restarts: int = 5
    window: float = 300.0
    healthy_after: float = 60.0

    def delay(self, attempt: int) -> float:
        """Back-off before restart number ``attempt`` (1-based) of a streak."""
        return float(min(self.max_delay, self.first_delay * 2 ** max(0, attempt - 1)))


class RestartBudget:
    """One service's restart history under a policy."""

    def __init__(self, policy: RestartPolicy, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._now = monotonic
        self._restarts: deque[float] = deque()
        self._streak = 0
        self.started_at = monotonic()

    def started(self) -> None:
        self.started_at = self._now()

    def on_exit(self, code: int) -> float | None:
        """Seconds to wait before starting again, or None: do not restart (clean exit, or crash loop)."""
        if code == 0:
            return None
        now = self._now()
        if now - self.started_at >= self.policy.healthy_after:
            self._streak = 0
        while self._restarts and now - self._restarts[0] >= self.policy.window:
            self._restarts.popleft()
        if len(self._restarts) >= self.policy.max_restarts:
            return None
        self._restarts.append(now)
        self._streak += 1
        return self.policy.delay(self._streak)


class Child(Protocol):
    """What the supervisor needs of a process (``processes.ServiceProcess``)."""

    name: str

    @property
    def exit_code(self) -> int | None: ...

    def start(self) -> object: ...


class Supervisor:
    """Polled by the launcher's loop: notices exits, waits the back-off, starts the child again."""

    def __init__(self, children: list[Child], policy: RestartPolicy | None = None,
                 monotonic: Callable[[], float] = time.monotonic, say: Callable[[str], None] | None = None) -> None:
        self.policy = policy or RestartPolicy()
        self._children = children
        self._now = monotonic
        self._say = say or _say
        self._budgets = {c.name: RestartBudget(self.policy, monotonic) for c in children}
        self._due: dict[str, float] = {}
        self._done: set[str] = set()
        self.restarts = 0

    def check(self) -> bool:
        """One pass over the children; False once one of them is in a crash loop (stop the stack)."""
        now = self._now()
        for child in self._children:
            if child.name in self._done:
                continue
            due = self._due.get(child.name)
            if due is not None:
                if now >= due:
                    del self._due[child.name]
                    child.start()
                    self._budgets[child.name].started()
                    self.restarts += 1
                    self._say(f"stack: {child.name} started again")
                continue
            code = child.exit_code
            if code is None:
                continue
            delay = self._budgets[child.name].on_exit(code)
            if delay is not None:
                self._say(f"stack: {child.name} exited with code {code}; restarting in {delay:g}s")
                self._due[child.name] = now + delay
            elif code == 0:
                self._say(f"stack: {child.name} stopped cleanly (exit 0); not restarting it")
                self._done.add(child.name)
            else:
                p = self.policy
                self._say(f"stack: {child.name} exited with code {code} after {p.max_restarts} restarts within "
                          f"{p.window:g}s; giving up")
                return False
        return True


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
