"""NATS gone for longer than the reconnect budget: the service exits 75 with one clear line, and the
stack launcher starts it again once NATS is back (ecosystem §4.2: kryten-py alone would stay deaf).

Budget here: 3 attempts x 1 s. Both tests together take about 20 s.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from kryten import KrytenClient

from economy_shared.runtime.main import EXIT_NATS_CLOSED
from economy_stack.processes import NatsServer, ServiceProcess, wait_ready
from tests.system.harness import CHANNEL, DOMAIN, system_config

pytestmark = pytest.mark.system

ATTEMPTS, WAIT = 3, 1
BUDGET = (ATTEMPTS + 1) * WAIT  # runtime.client.reconnect_budget: a wait before each of 1 + 3 tries
MARGIN = 3.0  # the 0.5 s poll, a clean stop, a loaded machine


def _config(tmp_path: Path, nats: NatsServer) -> Path:
    cfg = system_config(tmp_path / "data", nats.url,
                        nats={"max_reconnect_attempts": ATTEMPTS, "reconnect_time_wait": WAIT})
    path = tmp_path / "economy.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


async def _ledger_ready(url: str, timeout: float = 20.0) -> None:
    probe = KrytenClient({"nats": {"servers": [url], "max_reconnect_attempts": 5, "reconnect_time_wait": 1},
                          "channels": [{"domain": DOMAIN, "channel": CHANNEL}], "log_level": "WARNING"})
    await asyncio.wait_for(probe.connect(), 15)
    try:
        await wait_ready(probe, ["ledger"], timeout=timeout)
    finally:
        await probe.disconnect()


async def _until(predicate: Any, timeout: float, what: str) -> float:
    """Poll until ``predicate()`` is truthy; returns the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def _json_lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # the launcher's own lines are plain text
    return out


def _start_stack(config: Path, nats_url: str, out: Path) -> subprocess.Popen[bytes]:
    """``python -m economy_stack`` (what ``make run`` starts) for the ledger only, on our NATS."""
    with out.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "economy_stack", "--config", str(config), "--service", "ledger"],
            env={**ServiceProcess("ledger", "-").env, "NATS_URL": nats_url},
            stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )


async def test_service_exits_75_within_the_reconnect_budget_with_one_clear_line(tmp_path: Path) -> None:
    nats = NatsServer(store_dir=str(tmp_path / "nats")).start()
    log = tmp_path / "ledger.log"
    proc = ServiceProcess("ledger", _config(tmp_path, nats), {"NATS_URL": nats.url}, log_path=log).start()
    try:
        await _ledger_ready(nats.url)
        nats.kill()  # for good
        took = await _until(lambda: proc.exit_code is not None, BUDGET + MARGIN, "the ledger to exit")
        assert proc.exit_code == EXIT_NATS_CLOSED, log.read_text()
        assert took <= BUDGET + MARGIN
        lines = _json_lines(log.read_text())
        (closed,) = [e for e in lines if e.get("event") == "nats_connection_closed"]
        assert closed["level"] == "error" and closed["exit_code"] == EXIT_NATS_CLOSED
        assert closed["detail"].endswith("exiting so the supervisor restarts us")
        # kryten-py logs the drop itself ("NATS error: nats: unexpected EOF"); ours is the one line on the exit
        ours = [e["event"] for e in lines if e.get("level") == "error" and e.get("logger", "").startswith("economy")]
        assert ours == ["nats_connection_closed"]
    finally:
        proc.stop()
        nats.stop()


async def test_stack_launcher_restarts_it_once_nats_is_back(tmp_path: Path) -> None:
    nats = NatsServer(store_dir=str(tmp_path / "nats")).start()
    out = tmp_path / "stack.log"
    stack = _start_stack(_config(tmp_path, nats), nats.url, out)
    text = lambda: out.read_text(errors="replace")  # noqa: E731
    try:
        await _until(lambda: "stack: ready" in text() or stack.poll() is not None, 30, "the stack to be ready")
        assert stack.poll() is None, text()
        nats.kill()
        await _until(lambda: "stack: ledger exited with code 75; restarting in 1s" in text(), BUDGET + MARGIN,
                     f"the launcher to see the ledger exit:\n{text()}")
        restarted = NatsServer(port=nats.port, store_dir=nats.store_dir).start()  # NATS is back
        try:
            await _ledger_ready(restarted.url)
            assert "stack: ledger started again" in text()
            assert stack.poll() is None, text()
            stack.terminate()
            assert stack.wait(timeout=15) == 0, text()
        finally:
            restarted.stop()
    finally:
        if stack.poll() is None:
            stack.kill()
            stack.wait()
        nats.stop()
