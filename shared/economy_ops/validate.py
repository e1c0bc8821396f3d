"""``kryten-economy validate-config <file>``: the services' own loader, every error with its key path."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from economy_shared.config import ConfigError, EconomyConfig, load_config
from economy_shared.config.loader import expand_env


def config_errors(path: str | Path) -> list[str]:
    """[] when the file loads exactly as a service would load it, else one line per problem."""
    try:
        load_config(path)
        return []
    except ConfigError as err:
        detailed = _validation_lines(Path(path))
        return detailed or [str(err)]


def _validation_lines(path: Path) -> list[str]:
    """Re-validate to list every pydantic error (the loader's message keeps only a joined summary)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            return []
        EconomyConfig.model_validate(expand_env(raw))
    except ValidationError as err:
        return [f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in err.errors()]
    except (OSError, yaml.YAMLError):
        return []
    return []
