"""Config files for the reload tests: the same raw shape as ``tests.helpers.make_config``, written as YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from economy_shared.config import EconomyConfig, load_config
from tests.helpers import CALENDAR_OFF, CHANNEL


def raw_config(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "channels": [{"domain": "cytu.be", "channel": CHANNEL}],
        "database": {"directory": str(tmp_path / "data")},
        "metrics": {"enabled": False},
        "bot": {"username": "ZCoinBot"},
        "ignored_users": ["OtherBot"],
        "multipliers": CALENDAR_OFF,
        "admin": {"usernames": ["Boss"]},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    return raw


def write_config(path: Path, raw: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def file_config(tmp_path: Path, **overrides: Any) -> tuple[Path, EconomyConfig]:
    """A config file and the config a service starts with from it."""
    path = write_config(tmp_path / "economy.yaml", raw_config(tmp_path, **overrides))
    return path, load_config(path)
