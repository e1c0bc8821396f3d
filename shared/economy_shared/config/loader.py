"""YAML loading with ``${VAR}`` / ``${VAR:-default}`` expansion, and config path resolution."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .root import EconomyConfig

ENV_VAR = "KRYTEN_ECONOMY_CONFIG"
SYSTEM_PATH = Path("/etc/kryten/kryten-economy/config.yaml")
_PATTERN = re.compile(r"\$\{([^}:]+)(?::-([^}]*))?\}")


class ConfigError(Exception):
    """A config that cannot be used, with a message an operator can act on."""


def expand_env(value: Any, environ: dict[str, str] | None = None) -> Any:
    env = os.environ if environ is None else environ
    if isinstance(value, str):
        return _PATTERN.sub(lambda m: env.get(m.group(1).strip(), m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: expand_env(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, env) for v in value]
    return value


def resolve_config_path(cli_path: str | None, environ: dict[str, str] | None = None) -> Path:
    """``--config`` first, then ``$KRYTEN_ECONOMY_CONFIG``, then the system path."""
    env = os.environ if environ is None else environ
    for candidate in (cli_path, env.get(ENV_VAR)):
        if candidate:
            return Path(candidate)
    if SYSTEM_PATH.exists():
        return SYSTEM_PATH
    raise ConfigError(f"no config file: pass --config PATH or set {ENV_VAR}")


def format_validation_error(err: ValidationError) -> str:
    lines = []
    for e in err.errors()[:20]:
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"{where}: {e['msg']}")
    return "; ".join(lines)


def parse_config(raw: Any, environ: dict[str, str] | None = None) -> EconomyConfig:
    if not isinstance(raw, dict):
        raise ConfigError("the config file must be a YAML mapping at the top level")
    try:
        return EconomyConfig.model_validate(expand_env(raw, environ))
    except ValidationError as err:
        raise ConfigError(f"invalid config: {format_validation_error(err)}") from None


def load_config(path: str | Path, environ: dict[str, str] | None = None) -> EconomyConfig:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"config file is not valid YAML: {err}") from None
    return parse_config(raw, environ)
