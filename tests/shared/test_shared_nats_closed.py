"""A service whose NATS connection closed for good exits non-zero with one clear line (ecosystem §4.2)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any, ClassVar

import structlog

from economy_shared.runtime.client import nats_is_closed, reconnect_budget
from economy_shared.runtime.main import EXIT_NATS_CLOSED, serve
from economy_shared.runtime.service import EconomyService, ServiceHost, startup_wait
from economy_shared.subjects import ServiceName
from economy_shared.testing import InMemoryBus, MockKrytenClient
from tests.helpers import make_config


class FakeNats:
    """The two flags of nats-py's ``Client`` the runtime reads."""

    def __init__(self) -> None:
        self.is_connected = True
        self.is_closed = False


class Quiet(EconomyService):
    name: ClassVar[ServiceName] = "presence"


def _service(tmp_path: Path, **nats: Any) -> tuple[Quiet, MockKrytenClient]:
    client = MockKrytenClient(InMemoryBus())
    client._nats = FakeNats()  # type: ignore[attr-defined]
    cfg = make_config(tmp_path, nats={"max_reconnect_attempts": 3, "reconnect_time_wait": 1, **nats})
    return Quiet(cfg, client), client


async def _until(predicate: Any, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_serve_exits_75_with_one_line_when_nats_closes_for_good(tmp_path: Path) -> None:
    with structlog.testing.capture_logs() as logs:
        service, client = _service(tmp_path)
        running = asyncio.create_task(serve(service))
        await _until(lambda: service.started)
        client._nats.is_connected = False  # type: ignore[attr-defined]  # an outage: reconnecting
        await asyncio.sleep(1.2)  # a few polls
        assert not running.done()  # still within the budget: stay up, nats-py may reconnect
        client._nats.is_closed = True  # type: ignore[attr-defined]  # attempts exhausted
        code = await asyncio.wait_for(running, 3)
    assert code == EXIT_NATS_CLOSED
    assert not client.connected and not service.started  # stopped cleanly on the way out
    (line,) = [e for e in logs if e["event"] == "nats_connection_closed"]
    assert line["log_level"] == "error" and line["exit_code"] == 75
    assert line["detail"] == "gave up after 3 reconnect attempts 1s apart; exiting so the supervisor restarts us"
    assert [e for e in logs if e["log_level"] == "error"] == [line]


async def test_sigterm_exits_0_and_is_not_an_outage(tmp_path: Path) -> None:
    with structlog.testing.capture_logs() as logs:
        service, client = _service(tmp_path)
        running = asyncio.create_task(serve(service))
        await _until(lambda: service.started)
        os.kill(os.getpid(), signal.SIGTERM)  # serve() installed its handler on this loop
        assert await asyncio.wait_for(running, 3) == 0
    assert not client.connected
    assert not [e for e in logs if e["log_level"] == "error"]


def test_closed_means_nats_py_gave_up_not_before_connect_or_after_our_disconnect() -> None:
    client = MockKrytenClient()
    assert not nats_is_closed(client)  # no _nats at all (never connected)
    client._nats = None  # type: ignore[attr-defined]  # kryten-py's disconnect() leaves this
    assert not nats_is_closed(client)
    client._nats = FakeNats()  # type: ignore[attr-defined]
    client._nats.is_connected = False  # type: ignore[attr-defined]  # reconnecting is not closed
    assert not nats_is_closed(client)
    client._nats.is_closed = True  # type: ignore[attr-defined]
    assert nats_is_closed(client)


def test_a_start_waits_for_nats_as_long_as_a_reconnect(tmp_path: Path) -> None:
    service, _ = _service(tmp_path, max_reconnect_attempts=60, reconnect_time_wait=2.5, connect_timeout=5)
    assert reconnect_budget(service.config) == 122.0  # 61 tries; kryten-py takes whole seconds: 2.5 -> 2
    assert startup_wait(service.config) == 132.0
    assert ServiceHost(service).connect_timeout == 132.0
    small, _ = _service(tmp_path)
    assert startup_wait(small.config) == 15.0  # never less than before
