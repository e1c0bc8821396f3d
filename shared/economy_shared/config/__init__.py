"""Config: one YAML file read by every service, validated whole with pydantic (ARCHITECTURE §7)."""

from .loader import ConfigError, load_config, resolve_config_path
from .root import EconomyConfig

__all__ = ["ConfigError", "EconomyConfig", "load_config", "resolve_config_path"]
