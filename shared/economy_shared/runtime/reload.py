"""Config reload in every service (DECISIONS 25, ARCHITECTURE §7): ``<service>.reload`` and SIGHUP.

A reload reads the WHOLE file with the loader the service started with (``load_config``) and swaps
``service.config`` as a whole, or changes nothing and says which key is wrong and why. Components
read the config through a getter at use, so the swap reaches all of them at once; a service whose
components must react further overrides ``on_config_changed(old, new)`` (called after the swap).

Restart-only settings (``RESTART_ONLY``: the NATS connection, the channels, the database files, the
metrics ports, and the logging set-up made once at start) cannot change in a running process: when
they differ they are NAMED in ``restart_needed`` and their old values are kept; everything else in
the new file applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from ..config import ConfigError, EconomyConfig, load_config
from ..config.root import RESTART_SECTIONS
from ..envelope import ErrorCode, ServiceError
from ..schemas.reload import ServiceReloadRequest, ServiceReloadResult

# configure_logging runs once at process start; a new level or format waits for a restart too.
RESTART_ONLY: tuple[str, ...] = (*RESTART_SECTIONS, "logging")
MAX_REASON = 400


def one_line(text: str, limit: int = MAX_REASON) -> str:
    """An error (YAML errors span lines) as one line an admin can read in a PM."""
    flat = " ".join(text.replace('in "<unicode string>", ', "").split())  # PyYAML's name for the text it read
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def changed_keys(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two ``model_dump(mode="json")`` trees (lists compare whole)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            out += changed_keys(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else str(key))
        return out
    return [] if old == new else [prefix or "(whole file)"]


@dataclass(frozen=True)
class ReloadPlan:
    """What a valid new file would do to a running service: the config to swap in and what it changes."""

    config: EconomyConfig
    changed_keys: list[str] = field(default_factory=list)
    restart_needed: list[str] = field(default_factory=list)


def plan_reload(old: EconomyConfig, new: EconomyConfig) -> ReloadPlan:
    """Pure: the new config, except that restart-only sections keep their old values (and are named)."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    keys = changed_keys(before, after)
    restart = [k for k in keys if k.split(".", 1)[0] in RESTART_ONLY]
    kept = {name: getattr(old, name) for name in RESTART_ONLY if getattr(old, name) != getattr(new, name)}
    merged = new.model_copy(update=kept) if kept else new
    return ReloadPlan(merged, [k for k in keys if k not in restart], restart)


def reloads_counter(registry: CollectorRegistry) -> Counter:
    return Counter("economy_config_reloads_total", "Config reloads, by service and result (applied/rejected)",
                   ["service", "result"], registry=registry)


class ConfigReloader:
    """Loads, validates and swaps one service's config. Synchronous: no await between load and swap."""

    def __init__(
        self,
        service: str,
        current: Callable[[], EconomyConfig],
        apply: Callable[[EconomyConfig, EconomyConfig], None],
        path: Callable[[], Path | None],
        registry: CollectorRegistry,
        log: Any,
        load: Callable[[Path], EconomyConfig] = load_config,
    ) -> None:
        """``apply(old, new)`` swaps the service's config and runs its ``on_config_changed`` hook."""
        self.service = service
        self._current = current
        self._apply = apply
        self._path = path
        self._load = load
        self._log = log
        self.reloads = reloads_counter(registry)

    def source(self, path: str | Path | None = None) -> Path:
        chosen = Path(path) if path else self._path()
        if chosen is None:
            raise ConfigError("this service was not started from a config file; give a path")
        return chosen

    def validate(self, path: str | Path | None = None) -> EconomyConfig:
        """Load and validate the whole file; ``ConfigError`` (one line) when it cannot be used."""
        source = self.source(path)
        try:
            return self._load(source)
        except ConfigError as err:
            raise ConfigError(one_line(str(err))) from None
        except OSError as err:  # unreadable file, a directory, permissions
            raise ConfigError(one_line(f"cannot read {source}: {err.strerror or err}")) from None
        except UnicodeDecodeError:
            raise ConfigError(f"cannot read {source}: not UTF-8 text") from None
        except Exception as err:  # anything else the loader trips on: still one line, nothing applied
            raise ConfigError(one_line(f"cannot load {source}: {type(err).__name__}: {err}")) from None

    def reload(self, path: str | Path | None = None) -> ServiceReloadResult:
        """Apply the file as a whole, or raise ``ConfigError`` and change nothing."""
        try:
            new = self.validate(path)
        except ConfigError as err:
            self.reloads.labels(self.service, "rejected").inc()
            self._log.error("config_reload_rejected", reason=str(err))
            raise
        old = self._current()
        plan = plan_reload(old, new)
        self._apply(old, plan.config)
        self.reloads.labels(self.service, "applied").inc()
        self._log.info("config_reloaded", changed_keys=plan.changed_keys, restart_needed=plan.restart_needed)
        return ServiceReloadResult(service=self.service, applied=True, changed_keys=plan.changed_keys,
                                   restart_needed=plan.restart_needed)

    async def handle(self, request: ServiceReloadRequest) -> ServiceReloadResult:
        """The ``<service>.reload`` route: a broken file is a ``bad_request`` with the key and the reason."""
        try:
            return self.reload(request.path)
        except ConfigError as err:
            raise ServiceError(ErrorCode.BAD_REQUEST, str(err)) from None

    def on_sighup(self) -> bool:
        """SIGHUP: reload from the start-up file and log the outcome; a broken file logs one error, keeps running."""
        self._log.info("config_reload_requested", trigger="SIGHUP")
        try:
            self.reload()
        except ConfigError:
            return False  # reload() logged config_reload_rejected with the reason
        return True
