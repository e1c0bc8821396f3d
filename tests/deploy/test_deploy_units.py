"""Deployment artifacts under deploy/: systemd units, NATS permissions, Prometheus, Grafana (seed §8, §10.7)."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from economy_shared.config.core import ServicePorts
from economy_shared.subjects import PUBLIC_COMMAND, SERVICE_NAMES, service_subject

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
NATS_CONF = DEPLOY / "nats" / "nats-server.conf"
DASHBOARD = DEPLOY / "grafana" / "kryten-economy.json"
SCRAPE = DEPLOY / "prometheus" / "scrape.yml"

VENV_BIN = "/opt/kryten/kryten-economy/.venv/bin"
CONFIG_PATH = "/etc/kryten/kryten-economy/config.yaml"
STATE_DIR = "/var/lib/kryten-economy"
TARGET = "kryten-economy.target"
SERVICE_UNITS = [f"kryten-economy-{name}.service" for name in SERVICE_NAMES]
TRUE = {"true", "yes", "1", "on"}


# ---- helpers -------------------------------------------------------------------------------------
def parse_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def all_values(path: Path, section: str, key: str) -> list[str]:
    """Every value of a key that systemd allows to repeat (configparser keeps only the last)."""
    values: list[str] = []
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        if current == section and "=" in line:
            k, v = line.split("=", 1)
            if k.strip() == key:
                values.append(v.strip())
    return values


def words(path: Path, section: str, key: str) -> set[str]:
    """Space-separated list keys (After=, Wants=, ...) merged over repeated lines."""
    return {w for v in all_values(path, section, key) for w in v.split()}


def unit(name: str) -> Path:
    return SYSTEMD / f"kryten-economy-{name}.service"


def project_scripts() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["scripts"]


def without_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def braced(text: str, opener: str) -> str:
    """The text between the ``{`` that follows ``opener`` and its matching ``}``."""
    match = re.search(re.escape(opener) + r"\s*[=:]?\s*\{", text)
    assert match, f"{opener!r} block not found"
    depth, start = 1, match.end()
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start:i]
    raise AssertionError(f"{opener!r} block is not closed")


def allow_list(block: str, direction: str) -> set[str]:
    inner = braced(block, direction)
    match = re.search(r"allow\s*:\s*\[(.*?)\]", inner, re.S)
    assert match, f"no {direction}.allow list"
    return set(re.findall(r'"([^"]+)"', match.group(1)))


def source_text() -> str:
    parts = []
    for top in ("shared", "services"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


# ---- systemd -------------------------------------------------------------------------------------
def test_five_service_units_and_the_target_exist() -> None:
    present = {p.name for p in SYSTEMD.iterdir()}
    for name in [*SERVICE_UNITS, TARGET]:
        assert name in present, name


def test_every_unit_parses_with_the_expected_sections() -> None:
    for name in SERVICE_UNITS:
        parser = parse_unit(SYSTEMD / name)
        assert set(parser.sections()) == {"Unit", "Service", "Install"}, name
        assert parser["Unit"].get("Description"), name
    assert set(parse_unit(SYSTEMD / TARGET).sections()) == {"Unit", "Install"}


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_exec_start_runs_the_console_script_with_config(name: str) -> None:
    service = parse_unit(unit(name))["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == f"{VENV_BIN}/kryten-economy-{name}"
    assert "--config" in argv
    assert argv[argv.index("--config") + 1] == CONFIG_PATH
    assert len(all_values(unit(name), "Service", "ExecStart")) == 1


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_console_script_is_declared_in_pyproject(name: str) -> None:
    script = Path(shlex.split(parse_unit(unit(name))["Service"]["ExecStart"])[0]).name
    assert script == f"kryten-economy-{name}"
    scripts = project_scripts()
    assert script in scripts, f"{script} missing from [project.scripts]"
    module = scripts[script].split(":", 1)[0]
    assert module.split(".")[0] == f"economy_{name}"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_runs_as_kryten_in_its_state_directory(name: str) -> None:
    path = unit(name)
    service = parse_unit(path)["Service"]
    assert service["User"] == "kryten"
    assert service["WorkingDirectory"] == STATE_DIR
    assert service["StateDirectory"] == "kryten-economy"
    assert service["Restart"] == "on-failure"
    assert service["RestartSec"] == "5"
    assert "PYTHONUNBUFFERED=1" in all_values(path, "Service", "Environment")
    env_files = all_values(path, "Service", "EnvironmentFile")
    assert "-/etc/kryten/kryten-economy/env" in env_files
    assert all(f.startswith("-") for f in env_files), "environment files must be optional"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_hardening(name: str) -> None:
    path = unit(name)
    service = parse_unit(path)["Service"]
    for key in (
        "NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
        "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "RestrictNamespaces",
        "LockPersonality", "MemoryDenyWriteExecute", "RestrictRealtime", "RestrictSUIDSGID",
    ):
        assert service.get(key, "").lower() in TRUE, f"{name}: {key}"
    assert service["ProtectSystem"] == "strict"
    assert service["SystemCallArchitectures"] == "native"
    assert set(service["RestrictAddressFamilies"].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert STATE_DIR in words(path, "Service", "ReadWritePaths")
    assert service.get("CapabilityBoundingSet", None) == "", "no capabilities"
    assert service["User"] != "root"
    # resource limits
    assert re.fullmatch(r"\d+[KMG]", service["MemoryMax"]), service["MemoryMax"]
    assert 16 <= int(service["TasksMax"]) <= 4096
    assert re.fullmatch(r"\d+%", service["CPUQuota"])


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_ordering_and_grouping(name: str) -> None:
    path = unit(name)
    parser = parse_unit(path)
    after = words(path, "Unit", "After")
    assert {"network-online.target", "nats-server.service"} <= after
    assert "network-online.target" in words(path, "Unit", "Wants")
    assert parser["Unit"]["PartOf"] == TARGET
    assert parser["Install"]["WantedBy"] == TARGET
    hard = words(path, "Unit", "Requires") | words(path, "Unit", "BindsTo") | words(path, "Unit", "Requisite")
    assert "kryten-economy-ledger.service" not in hard, "degrade when the ledger is down, do not stop with it"
    if name == "ledger":
        assert not any(u.startswith("kryten-economy-") for u in after), "the ledger starts first"
    else:
        assert "kryten-economy-ledger.service" in after


def test_target_wants_all_five() -> None:
    path = SYSTEMD / TARGET
    parser = parse_unit(path)
    assert words(path, "Unit", "Wants") == set(SERVICE_UNITS)
    assert "nats-server.service" in words(path, "Unit", "After")
    assert parser["Install"]["WantedBy"] == "multi-user.target"


# ---- NATS ----------------------------------------------------------------------------------------
def test_nats_conf_mentions_every_internal_subject() -> None:
    text = NATS_CONF.read_text(encoding="utf-8")
    for name in SERVICE_NAMES:
        assert service_subject(name) in text, name
    assert PUBLIC_COMMAND in text
    assert re.search(r"^listen:\s*127\.0\.0\.1:4222\s*$", text, re.M)
    assert re.search(r"^max_payload:", text, re.M)
    assert re.search(r"^jetstream\s*\{", text, re.M)


def test_nats_permissions_keep_internal_subjects_internal() -> None:
    text = without_comments(NATS_CONF.read_text(encoding="utf-8"))
    internal = {service_subject(n) for n in SERVICE_NAMES}
    callers: dict[str, set[str]] = {s: set() for s in internal}
    for name in SERVICE_NAMES:
        block = braced(text, f"ECONOMY_{name.upper()}_PERMS")
        subscribe = allow_list(block, "subscribe")
        publish = allow_list(block, "publish")
        # answers only its own subject (plus the public API for the ledger) — nobody can impersonate it
        assert subscribe & internal == {service_subject(name)}, name
        assert (PUBLIC_COMMAND in subscribe) == (name == "ledger"), name
        assert {"kryten.events.cytube.>", "kryten.lifecycle.>", "_INBOX.>"} <= subscribe, name
        # answers with allow_responses, never a blanket right to publish replies (forgery)
        assert "_INBOX.>" not in publish, name
        assert re.search(r"^\s*allow_responses:\s*true\s*$", block, re.M), name
        assert service_subject(name) not in publish, f"{name} calls itself?"
        assert not {">", "kryten.>", "kryten.economy.>"} & (publish | subscribe), name
        assert f"kryten.lifecycle.economy-{name}.>" in publish, name
        for subject in publish & internal:
            callers[subject].add(name)
        assert re.search(rf"user:\s*economy-{name}\b.*permissions:\s*\$ECONOMY_{name.upper()}_PERMS", text), name
    for subject, who in callers.items():
        assert who, f"nobody may call {subject}"
    assert "ledger" in callers[service_subject("presence")]

    public = braced(text, "PUBLIC_PERMS")
    assert allow_list(public, "publish") == {PUBLIC_COMMAND}
    assert not allow_list(public, "subscribe") & (internal | {PUBLIC_COMMAND})
    robot = braced(text, "ROBOT_PERMS")
    assert not (allow_list(robot, "publish") | allow_list(robot, "subscribe")) & (internal | {PUBLIC_COMMAND})
    assert re.search(r"user:\s*public\b.*permissions:\s*\$PUBLIC_PERMS", text)
    assert re.search(r"user:\s*kryten-robot\b.*permissions:\s*\$ROBOT_PERMS", text)
    assert "no_auth_user" not in text


def test_nats_outside_clients_live_in_their_own_account() -> None:
    """Replies stay in the requester's account: `public` imports the public API and nothing else."""
    text = without_comments(NATS_CONF.read_text(encoding="utf-8"))
    accounts = braced(text, "accounts")
    main, public = braced(accounts, "KRYTEN"), braced(accounts, "PUBLIC")
    assert re.search(r"^\s*jetstream:\s*enabled\s*$", main, re.M)
    listed = re.search(r"exports:\s*\[(.*?)\]", main, re.S)
    assert listed, "KRYTEN exports nothing"
    exports = re.findall(r"\{\s*service:\s*\"([^\"]+)\"", listed.group(1))
    assert exports == [PUBLIC_COMMAND]
    listed = re.search(r"imports:\s*\[(.*?)\]", public, re.S)
    assert listed, "PUBLIC imports nothing"
    imports = re.findall(r"service:\s*\{([^}]*)\}", listed.group(1))
    assert len(imports) == 1 and re.search(r"account:\s*KRYTEN\b", imports[0]), imports
    assert f'subject: "{PUBLIC_COMMAND}"' in imports[0]
    assert re.search(r"user:\s*public\b.*\$PUBLIC_PERMS", public)
    assert not re.search(r"\b(exports|jetstream)\b", public), "PUBLIC shares nothing and has no JetStream"
    assert not re.search(r"user:\s*public\b", main)
    # in the main account nobody may publish into "_INBOX.>"; those who answer use allow_responses
    for perms in re.findall(r"^([A-Z_]+_PERMS)\s*=", text, re.M):
        block = braced(text, perms)
        assert "_INBOX.>" not in allow_list(block, "publish"), perms
        if perms != "PUBLIC_PERMS":
            assert re.search(r"^\s*allow_responses:", block, re.M), perms
    for perms in ("ROBOT_PERMS", "USERSTATS_PERMS"):
        assert "_INBOX.>" in allow_list(braced(text, perms), "subscribe"), f"{perms}: JetStream replies"
    assert {"$JS.API.>", "$KV.>"} <= allow_list(braced(text, "ROBOT_PERMS"), "publish")


def test_nats_conf_is_accepted_by_nats_server(tmp_path: Path) -> None:
    from economy_stack.processes import nats_server_binary

    try:
        binary = nats_server_binary()
    except RuntimeError as err:
        pytest.skip(str(err))
    text = NATS_CONF.read_text(encoding="utf-8")
    env = dict(os.environ)
    for var in set(re.findall(r"password:\s*\$([A-Z0-9_]+)", text)):
        env[var] = f"x{var.lower()}secret"
    conf = tmp_path / "nats-server.conf"
    conf.write_text(text.replace("/var/lib/nats/jetstream", str(tmp_path / "js")), encoding="utf-8")
    result = subprocess.run([binary, "-t", "-c", str(conf)], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


# ---- Prometheus and Grafana ----------------------------------------------------------------------
def test_prometheus_scrapes_the_five_default_ports() -> None:
    config = yaml.safe_load(SCRAPE.read_text(encoding="utf-8"))
    jobs = config["scrape_configs"]
    job = next(j for j in jobs if j["job_name"] == "kryten-economy")
    targets = {t for sc in job["static_configs"] for t in sc["targets"]}
    assert {f"127.0.0.1:{port}" for port in ServicePorts().model_dump().values()} == targets
    for sc in job["static_configs"]:
        assert "service" not in sc.get("labels", {}), "would clash with the metrics' own service label"


def _dashboard_queries(dashboard: dict) -> list[str]:
    queries = []

    def walk(panels: list[dict]) -> None:
        for panel in panels:
            queries.extend(t["expr"] for t in panel.get("targets", []) if "expr" in t)
            walk(panel.get("panels", []))

    walk(dashboard["panels"])
    for var in dashboard["templating"]["list"]:
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if isinstance(query, str):
            queries.append(query)
    return queries


def test_grafana_dashboard_parses_and_uses_a_datasource_variable() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    ids = []
    for panel in dashboard["panels"]:
        ids.append(panel["id"])
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
            assert panel["targets"], panel["title"]
    assert len(ids) == len(set(ids)), "panel ids must be unique"


def test_grafana_dashboard_uses_only_metrics_that_exist() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    used = {m for q in _dashboard_queries(dashboard) for m in re.findall(r"\beconomy_[a-z0-9_]+", q)}
    for wanted in (
        "economy_requests_total", "economy_request_seconds_bucket", "economy_presence_tick_seconds_bucket",
        "economy_active_users", "economy_z_earned_total", "economy_ledger_postings_total", "economy_ledger_z_total",
        "economy_total_circulation", "economy_nats_connected", "economy_pm_commands_total",
    ):
        assert wanted in used, wanted
    source = source_text()
    missing = []
    for metric in sorted(used):
        base = re.sub(r"_(bucket|sum|count|created)$", "", metric)
        candidates = {metric, base, re.sub(r"_total$", "", base)}
        if not any(f'"{c}"' in source or f"'{c}'" in source for c in candidates):
            missing.append(metric)
    assert not missing, f"dashboard uses metrics that no service defines: {missing}"
