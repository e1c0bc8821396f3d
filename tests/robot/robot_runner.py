"""Start the real kryten-robot (from its own venv, ``$KRYTEN_ROBOT_VENV``) against the fake CyTube.

kryten-robot and kryten-py both install the top-level package ``kryten`` (ecosystem.md §0.10), so the robot
runs from ``.venv-robot`` (``make test-robot`` creates it) as a separate process; this module only writes its
JSON config and manages the process. Nothing of the robot is patched: it fetches the socket config over HTTPS
from the fake, trusting the fake's self-signed certificate through ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

ROBOT_VENV_ENV = "KRYTEN_ROBOT_VENV"


def robot_executable() -> Path | None:
    """``<venv>/bin/kryten-robot`` when ``$KRYTEN_ROBOT_VENV`` names a venv that has it, else None."""
    venv = os.environ.get(ROBOT_VENV_ENV, "")
    if not venv:
        return None
    exe = Path(venv) / "bin" / "kryten-robot"
    return exe if exe.exists() else None


def robot_config(*, domain: str, channel: str, user: str, password: str, nats_url: str,
                 log_dir: Path) -> dict[str, Any]:
    return {
        "cytube": {"domain": domain, "channel": channel, "user": user, "password": password, "guest_mode": False},
        "nats": {"servers": [nats_url], "connect_timeout": 10, "reconnect_time_wait": 1,
                 "max_reconnect_attempts": 10, "allow_reconnect": True},
        "health": {"enabled": False},
        "commands": {"enabled": True},
        "logging": {"base_path": str(log_dir)},
        "log_level": "INFO",
    }


class RobotProcess:
    """The kryten-robot process, its config file and its log."""

    def __init__(self, exe: Path, config: dict[str, Any], workdir: Path, cert: Path) -> None:
        self.exe = exe
        self.workdir = workdir
        self.config_path = workdir / "robot.json"
        self.log_path = workdir / "robot.log"
        self.config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        self.env = {**os.environ, "SSL_CERT_FILE": str(cert), "PYTHONUNBUFFERED": "1"}
        for leak in ("PYTHONPATH", "VIRTUAL_ENV"):  # the robot must not see the economy's venv or sources
            self.env.pop(leak, None)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RobotProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen([str(self.exe), "--config", str(self.config_path)], cwd=self.workdir,
                                         env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def log(self, tail: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:] if self.log_path.exists() else ""

    async def wait_ready(self, client: Any, timeout: float = 30.0) -> None:
        """Until the robot's own command handler (started last) answers ``system.ping``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"kryten-robot exited with {self.proc.returncode}:\n{self.log()}")
            try:
                reply = await client.nats_request("kryten.robot.command", {"command": "system.ping", "args": {}},
                                                  timeout=1.0)
                if reply.get("success"):
                    return
            except Exception:
                pass
            await asyncio.sleep(0.2)
        raise AssertionError(f"kryten-robot not ready after {timeout}s:\n{self.log()}")

    def terminate(self) -> None:
        """Ask for the robot's graceful shutdown (SIGTERM) without waiting."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        self.terminate()
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
