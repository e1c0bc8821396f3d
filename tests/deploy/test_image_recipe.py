"""deploy/Dockerfile's install recipe and compose's runtime, without Docker (about 40 s here).

The build context is made the way docker makes it (the repository through
deploy/Dockerfile.dockerignore), then, as in the Dockerfile: `pip wheel --wheel-dir wheels .` in
the context and `pip install --no-index --find-links wheels kryten-economy` into a new venv (it
needs the package index, as `docker build` does). The second test then runs what compose.yaml
runs — nats-server with `-js -sd -m`, each service by its compose command from that venv, with the
image's and compose's environment, in a working directory like the image's — and passes each
service's own compose health check (the exact `python -c` command; only the port is moved to a free
one, so a running install is never disturbed).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from economy_shared.config import load_config
from economy_shared.subjects import SERVICE_NAMES
from economy_stack.processes import free_port, nats_server_binary
from tests.deploy.compose_kit import (
    EXAMPLE_CONFIG,
    copy_build_context,
    dockerfile_instructions,
    env_of,
    final_stage,
    interpolate,
    load_compose,
)


def _run(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(argv)}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The Dockerfile's steps: the build context, the wheels, a fresh venv with the project installed."""
    tmp = tmp_path_factory.mktemp("image")
    context = tmp / "context"
    copied = copy_build_context(context)
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "-q", "wheel", "--wheel-dir", str(tmp / "wheels"), "."], cwd=context, env=_base_env())
    _run([*pip, "-q", "install", "--no-index", "--find-links", str(tmp / "wheels"), "kryten-economy"], env=_base_env())
    return {"tmp": tmp, "context": context, "copied": copied, "venv": venv, "bin": venv / "bin", "pip": pip}


def test_the_dockerfile_recipe_installs_working_scripts_in_a_fresh_venv(image: dict[str, Any]) -> None:
    context, bin_dir = image["context"], image["bin"]
    assert not [p for p in image["copied"] if p.startswith(("tests/", ".venv/", "data/"))]
    for word, args in dockerfile_instructions():  # every COPY source is in the context
        if word == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (context / source).exists(), f"{source} is not in the build context"
    installed = _run([*image["pip"], "list", "--format=freeze"], env=_base_env()).stdout.lower()
    assert re.search(r"^kryten-economy==", installed, re.M)
    assert not re.search(r"^(pytest|hypothesis|ruff|check-jsonschema)==", installed, re.M), "test extras leaked in"

    example = str(context / "config/economy.example.yaml")
    env = {**_base_env(), **env_of(final_stage()), "KRYTEN_ECONOMY_CONFIG": example}
    for name in SERVICE_NAMES:
        out = _run([str(bin_dir / f"kryten-economy-{name}"), "--validate-config"], cwd=image["tmp"], env=env)
        assert "Config is valid." in out.stdout
    _run([str(bin_dir / "kryten-economy"), "--help"], cwd=image["tmp"], env=env)
    _run([str(bin_dir / "kryten-economy"), "validate-config", env["KRYTEN_ECONOMY_CONFIG"]], cwd=image["tmp"], env=env)
    where = _run([str(bin_dir / "python"), "-c", "import economy_ledger; print(economy_ledger.__file__)"],
                 cwd=image["tmp"], env=env).stdout
    assert str(image["venv"]) in where, "the installed code must be the wheel's, not this checkout's"


def _config_on_ports(target: Path, ports: dict[str, int]) -> None:
    """The example config with `metrics.ports` moved (the rest, metrics.host included, untouched)."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for name, port in ports.items():
        text, n = re.subn(rf"(?m)^(    {name}:\s*)\d+", rf"\g<1>{port}", text, count=1)
        assert n == 1, name
    target.write_text(text, encoding="utf-8")


def _listens_on_all_interfaces(port: int) -> bool:
    """From /proc/net/tcp: a LISTEN socket on 0.0.0.0:port (what docker's port publishing and Prometheus need)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            return address == "00000000"
    return False


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.system
def test_the_compose_services_pass_their_own_health_checks(image: dict[str, Any]) -> None:
    compose = interpolate(load_compose())["services"]
    tmp, bin_dir = image["tmp"], image["bin"]
    configured = load_config(EXAMPLE_CONFIG, environ={}).metrics.ports.model_dump()
    ports = {name: free_port() for name in SERVICE_NAMES}
    config = tmp / "economy.yaml"
    _config_on_ports(config, ports)

    nats_cmd = compose["nats"]["command"]
    assert nats_cmd[0] == "nats-server"
    client_port, monitor = free_port(), free_port()
    args = [a if a != nats_cmd[nats_cmd.index("-sd") + 1] else str(tmp / "jetstream") for a in nats_cmd[1:]]
    args[args.index("-m") + 1] = str(monitor)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(subprocess.Popen([nats_server_binary(), *args, "-a", "127.0.0.1", "-p", str(client_port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        healthz = f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true"  # what the nats health check gets

        def nats_ok() -> bool:
            try:
                return urllib.request.urlopen(healthz, timeout=2).status == 200
            except OSError:
                return False

        _wait(nats_ok, 15, "nats /healthz")
        workdir = tmp / "var-lib-kryten-economy"  # the image's WORKDIR, the service's volume
        workdir.mkdir()
        for name in SERVICE_NAMES:
            svc = compose[name]
            env = {**_base_env(), **env_of(final_stage()), **{k: str(v) for k, v in svc["environment"].items()},
                   "KRYTEN_ECONOMY_CONFIG": str(config), "NATS_URL": f"nats://127.0.0.1:{client_port}"}
            log = (tmp / f"{name}.log").open("wb")
            procs.append(subprocess.Popen([str(bin_dir / svc["command"][0]), *svc["command"][1:]], cwd=workdir,
                                          env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        for name in SERVICE_NAMES:
            test = compose[name]["healthcheck"]["test"]
            code = test[3].replace(f":{configured[name]}/", f":{ports[name]}/")
            assert code != test[3]

            def healthy(python: str = str(bin_dir / test[1]), code: str = code) -> bool:
                return subprocess.run([python, "-c", code], capture_output=True).returncode == 0

            try:
                _wait(healthy, 60, f"{name}'s compose health check")
            except AssertionError:
                raise AssertionError((tmp / f"{name}.log").read_text(errors="replace")[-3000:]) from None
            assert (workdir / "data" / f"{name}.db").is_file(), "the database must land in the volume"
            if Path("/proc/net/tcp").exists():
                assert _listens_on_all_interfaces(ports[name]), f"{name} must bind 0.0.0.0 in a container"
        for proc in procs[1:]:
            os.kill(proc.pid, signal.SIGTERM)  # `docker compose stop`
        for proc in procs[1:]:
            assert proc.wait(timeout=30) == 0  # within stop_grace_period
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
