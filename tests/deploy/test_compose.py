"""The container deployment (issue 14): deploy/compose.yaml, deploy/Dockerfile, the compose Prometheus config.

Without a Docker engine (CI) these read the files: the compose file against the Compose
Specification's JSON schema (shipped by check-jsonschema), and every service against the config and
[project.scripts]. Where `docker info` answers, the last test builds the image and brings the stack
up until all five are healthy.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from economy_shared.config import load_config
from economy_shared.subjects import SERVICE_NAMES
from tests.deploy.compose_kit import (
    COMPOSE,
    DEPLOY,
    EXAMPLE_CONFIG,
    ROOT,
    compose_spec_schema,
    dockerfile_instructions,
    env_of,
    exec_form,
    final_stage,
    in_context,
    interpolate,
    load_compose,
    split_volume,
)

COMPOSE_PROMETHEUS = DEPLOY / "prometheus" / "compose-prometheus.yml"
HOST_SCRAPE = DEPLOY / "prometheus" / "scrape.yml"


def scripts() -> dict[str, str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]


def services() -> dict[str, Any]:
    return interpolate(load_compose())["services"]


def example_ports() -> dict[str, int]:
    return load_config(EXAMPLE_CONFIG, environ={}).metrics.ports.model_dump()


def image_workdir() -> str:
    return [args for word, args in final_stage() if word == "WORKDIR"][-1]


def image_env() -> dict[str, str]:
    return env_of(final_stage())


# ---- the schema ------------------------------------------------------------------------------------
def test_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = compose_spec_schema()
    Draft202012Validator.check_schema(schema)
    errors = [f"{e.json_path}: {e.message}" for e in Draft202012Validator(schema).iter_errors(load_compose())]
    assert errors == []


def test_the_schema_check_catches_a_typo() -> None:
    broken = copy.deepcopy(load_compose())
    broken["services"]["ledger"]["healthcheck"]["intervall"] = "15s"
    broken["services"]["presence"]["restart"] = {"policy": "always"}
    broken["services"]["gambling"]["volumes"] = "gambling-data"
    paths = {e.json_path for e in Draft202012Validator(compose_spec_schema()).iter_errors(broken)}
    assert {"$.services.ledger.healthcheck", "$.services.presence.restart", "$.services.gambling.volumes"} <= paths


def test_the_stack_is_nats_the_five_services_and_prometheus() -> None:
    assert set(services()) == {"nats", *SERVICE_NAMES, "prometheus"}
    assert "robot" not in services(), "kryten-robot is not part of this project (commented example only)"
    assert "# robot:" in COMPOSE.read_text(encoding="utf-8")


# ---- the five services -------------------------------------------------------------------------------
def test_all_five_run_the_same_image_built_from_deploy_dockerfile() -> None:
    svc = services()
    images = {svc[name]["image"] for name in SERVICE_NAMES}
    builds = [svc[name].get("build") for name in SERVICE_NAMES]
    assert len(images) == 1
    assert all(b == builds[0] for b in builds)
    context = (COMPOSE.parent / builds[0]["context"]).resolve()
    assert context == ROOT
    assert (context / builds[0]["dockerfile"]).resolve() == (DEPLOY / "Dockerfile")


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_command_is_the_services_console_script(name: str) -> None:
    command = services()[name]["command"]
    assert command == [f"kryten-economy-{name}"]
    assert command[0] in scripts()
    assert scripts()[command[0]].split(".")[0] == f"economy_{name}"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_healthcheck_gets_health_on_the_configured_port_without_curl(name: str) -> None:
    test = services()[name]["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1:3] == ["python", "-c"]
    code = test[3]
    assert "urllib.request.urlopen(" in code  # raises on 503 "degraded": the check fails
    assert re.findall(r"http://[^'\"]+", code) == [f"http://127.0.0.1:{example_ports()[name]}/health"]
    compile(code, "healthcheck", "exec")
    assert "curl" not in " ".join(test)


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_ports_are_published_on_loopback_as_configured(name: str) -> None:
    port = example_ports()[name]
    assert services()[name]["ports"] == [f"127.0.0.1:{port}:{port}"]


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_each_service_keeps_its_database_in_its_own_named_volume(name: str) -> None:
    declared = set(load_compose()["volumes"])
    mounts = [split_volume(v) for v in services()[name]["volumes"]]
    data = [(src, tgt) for src, tgt, _ in mounts if tgt == image_workdir()]
    assert data == [(f"{name}-data", image_workdir())]
    assert f"{name}-data" in declared
    others = {f"{o}-data" for o in SERVICE_NAMES if o != name}
    assert not others & {src for src, _, _ in mounts}, "a service must not mount another's database"
    # database.directory is relative ("data"): the databases land inside the volume
    directory = load_config(EXAMPLE_CONFIG, environ={}).database.directory
    resolved = (Path(image_workdir()) / directory).resolve()
    assert resolved.is_relative_to(Path(image_workdir()))


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_the_config_is_mounted_read_only_where_the_image_looks(name: str) -> None:
    svc = services()[name]
    target = image_env()["KRYTEN_ECONOMY_CONFIG"]
    assert svc["environment"]["KRYTEN_ECONOMY_CONFIG"] == target
    mounts = [split_volume(v) for v in svc["volumes"] if split_volume(v)[1] == target]
    assert len(mounts) == 1
    source, _, mode = mounts[0]
    assert mode == "ro"
    assert (COMPOSE.parent / source).resolve() == EXAMPLE_CONFIG  # the default; KRYTEN_ECONOMY_CONFIG_FILE overrides


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_environment_points_at_nats_and_binds_metrics_on_all_interfaces(name: str) -> None:
    svc = services()[name]
    env = {k: str(v) for k, v in svc["environment"].items()}
    assert env["NATS_URL"] == "nats://nats:4222"
    config = load_config(EXAMPLE_CONFIG, environ=env)
    assert config.metrics.host == "0.0.0.0"
    assert config.nats.servers == ["nats://nats:4222"]
    assert config.channel_names() == ["mychannel"]
    assert load_config(EXAMPLE_CONFIG, environ={}).metrics.host == "127.0.0.1"  # systemd installs stay local


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_restarts_and_waits_for_a_healthy_nats(name: str) -> None:
    svc = services()[name]
    assert svc["restart"] in ("unless-stopped", "always")  # exit 75 (NATS gone for good) restarts
    assert svc["depends_on"]["nats"]["condition"] == "service_healthy"


# ---- nats and prometheus ---------------------------------------------------------------------------
def test_nats_runs_jetstream_with_a_store_volume_and_a_health_check() -> None:
    nats = services()["nats"]
    command = nats["command"]
    assert "-js" in command
    store = command[command.index("-sd") + 1]
    assert (f"nats-data:{store}") in nats["volumes"]
    monitor = command[command.index("-m") + 1]
    check = " ".join(nats["healthcheck"]["test"])
    assert f"http://127.0.0.1:{monitor}/healthz" in check
    assert nats["image"].startswith("nats:")


def _job(path: Path) -> dict[str, Any]:
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    return next(j for j in config["scrape_configs"] if j["job_name"] == "kryten-economy")


def test_prometheus_scrapes_exactly_the_five_configured_ports() -> None:
    prometheus = services()["prometheus"]
    mounted = {split_volume(v)[0]: split_volume(v)[1] for v in prometheus["volumes"]}
    assert (COMPOSE.parent / "./prometheus/compose-prometheus.yml").resolve() == COMPOSE_PROMETHEUS
    assert mounted["./prometheus/compose-prometheus.yml"] == "/etc/prometheus/prometheus.yml"
    job = _job(COMPOSE_PROMETHEUS)
    targets = {(t, sc["labels"]["component"]) for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {(f"{name}:{port}", name) for name, port in example_ports().items()}
    # the same job as the host scrape config, so the Grafana dashboard works on either
    host = _job(HOST_SCRAPE)
    host_targets = {
        (t.split(":")[1], sc["labels"]["component"]) for sc in host["static_configs"] for t in sc["targets"]
    }
    assert host_targets == {(t.split(":")[1], c) for t, c in targets}
    for key in ("scrape_interval", "scrape_timeout", "metrics_path"):
        assert job[key] == host[key], key


# ---- the Dockerfile ------------------------------------------------------------------------------------
def test_dockerfile_builds_on_python_311_slim() -> None:
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] for w, a in dockerfile_instructions() if w == "ARG" and "=" in a}
    froms = [a.split()[0] for w, a in dockerfile_instructions() if w == "FROM"]
    assert {interpolate(f, args) for f in froms} == {"python:3.11-slim"}


def test_dockerfile_installs_the_project_without_test_extras_as_non_root() -> None:
    runs = " ".join(a for w, a in dockerfile_instructions() if w == "RUN")
    assert re.search(r"pip wheel .*--wheel-dir /wheels \.(\s|$)", runs)
    assert re.search(r"pip install --no-index --find-links /wheels kryten-economy(\s|$)", runs)
    assert "[test]" not in runs and "-e " not in runs
    users = [a for w, a in final_stage() if w == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_dockerfile_command_is_a_real_script() -> None:
    for word, args in dockerfile_instructions():
        if word in ("CMD", "ENTRYPOINT"):
            assert exec_form(args)[0] in scripts(), args


def test_dockerfile_volume_and_workdir_match_compose() -> None:
    volumes = [exec_form(a) for w, a in final_stage() if w == "VOLUME"]
    assert volumes == [[image_workdir()]]
    assert image_env()["KRYTEN_METRICS_HOST"] == "0.0.0.0"


def test_every_copied_path_is_in_the_build_context() -> None:
    for word, args in dockerfile_instructions():
        if word == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source
                assert in_context(source), f"{source} is excluded by deploy/Dockerfile.dockerignore"
    assert not in_context(".venv/bin/python") and not in_context("tests/helpers.py")
    assert not in_context("shared/economy_shared/__pycache__/x.pyc")


# ---- with a Docker engine ------------------------------------------------------------------------------
def _docker_skip_reason() -> str | None:
    if shutil.which("docker") is None:
        return "no docker CLI"
    if subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode != 0:
        return "no Docker engine (`docker info` fails): the compose file is checked statically above"
    if subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30).returncode != 0:
        return "no `docker compose` plugin"
    return None


OVERRIDE = """services:
  nats: {ports: !reset []}
  prometheus: {ports: !reset []}
""" + "".join(f"  {name}: {{ports: !reset []}}\n" for name in SERVICE_NAMES)


@pytest.mark.docker
def test_the_stack_builds_and_all_five_become_healthy(tmp_path: Path) -> None:
    reason = _docker_skip_reason()
    if reason:
        pytest.skip(reason)
    override = tmp_path / "no-host-ports.yaml"
    override.write_text(OVERRIDE, encoding="utf-8")  # no host ports: never clashes with a running install
    project = f"kryten-economy-test-{os.getpid()}"
    base = ["docker", "compose", "-p", project, "-f", str(COMPOSE), "-f", str(override)]

    image = f"kryten-economy:{project}"  # never retags an operator's kryten-economy:local
    env = {**os.environ, "KRYTEN_ECONOMY_IMAGE": image}

    def compose(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *args], capture_output=True, text=True, timeout=timeout, env=env)

    try:
        built = compose("build")
        assert built.returncode == 0, built.stderr[-3000:]
        up = compose("up", "-d", "--wait", "--wait-timeout", "240", timeout=400)
        assert up.returncode == 0, up.stderr[-3000:] + compose("logs", "--tail", "50").stdout[-5000:]
        for name in SERVICE_NAMES:
            cid = compose("ps", "-q", name).stdout.strip()
            health = subprocess.run(["docker", "inspect", "-f", "{{.State.Health.Status}}", cid],
                                    capture_output=True, text=True, timeout=30).stdout.strip()
            assert health == "healthy", name
        status = compose("exec", "-T", "ledger", "kryten-economy", "status", timeout=60)
        assert status.returncode == 0, status.stdout + status.stderr
    finally:
        compose("down", "-v", "--remove-orphans", timeout=180)
        subprocess.run(["docker", "image", "rm", image], capture_output=True, timeout=60)
