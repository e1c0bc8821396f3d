"""Config reload in every service (DECISIONS 25, runtime/reload.py): ``<service>.reload`` and SIGHUP.

A valid file is swapped in as a whole; a broken one changes nothing and names the key and reason;
restart-only settings are named and keep their old values; the PM limiter and presence's join
debounce (values held by components) follow the reload.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig
from economy_shared.runtime.reload import changed_keys, one_line, plan_reload
from economy_shared.runtime.service import EconomyService
from economy_shared.subjects import ServiceName, service_subject
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.shared.reload_kit import file_config, raw_config, write_config


class Quiet(EconomyService):
    name: ClassVar[ServiceName] = "gambling"


async def started(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, cls: Any = Quiet,
                  **overrides: Any) -> tuple[Stack, Any, Path]:
    path, config = file_config(tmp_path, **overrides)
    stack = Stack(bus, config, clock)
    service = await stack.add(cls)
    service.config_path = path
    return stack, service, path


async def reload_request(stack: Stack, service: str = "gambling", **body: Any) -> dict[str, Any]:
    return await stack.request(service_subject(service),  # type: ignore[arg-type]
                               {"command": f"{service}.reload", "channel": CHANNEL, **body})


def reloads(service: EconomyService, result: str) -> float:
    value = service.metrics.registry.get_sample_value(
        "economy_config_reloads_total", {"service": service.name, "result": result})
    return value or 0.0


# ---- pure ------------------------------------------------------------------------------------------


def test_changed_keys_are_dotted_and_lists_compare_whole() -> None:
    old = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    new = {"a": {"b": 2, "c": [1, 2, 3]}, "d": 1, "e": {"f": 0}}
    assert changed_keys(old, new) == ["a.b", "a.c", "e"]
    assert changed_keys(old, old) == []


def test_plan_keeps_restart_only_sections_and_applies_the_rest(tmp_path: Path) -> None:
    _, old = file_config(tmp_path)
    _, new = file_config(tmp_path, nats={"servers": ["nats://elsewhere:4222"]}, logging={"level": "DEBUG"},
                         presence={"base_rate_per_minute": 7})
    plan = plan_reload(old, new)
    assert plan.changed_keys == ["presence.base_rate_per_minute"]
    assert plan.restart_needed == ["logging.level", "nats.servers"]
    assert plan.config.presence.base_rate_per_minute == 7
    assert plan.config.nats == old.nats and plan.config.logging == old.logging


def test_an_error_becomes_one_short_line() -> None:
    assert one_line("bad\n  in line 3\n   ^") == "bad in line 3 ^"
    assert len(one_line("x" * 1000, 50)) == 50


# ---- <service>.reload --------------------------------------------------------------------------------


async def test_a_valid_change_is_applied_as_a_whole(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack, service, path = await started(tmp_path, bus, clock)
    try:
        before = service.config
        write_config(path, raw_config(tmp_path, presence={"base_rate_per_minute": 3},
                                      currency={"name": "Bean", "symbol": "B", "plural": "Beans"}))
        reply = await reload_request(stack)
        assert reply["success"], reply
        assert reply["data"] == {
            "service": "gambling", "applied": True, "restart_needed": [],
            "changed_keys": ["currency.name", "currency.plural", "currency.symbol", "presence.base_rate_per_minute"],
        }
        assert service.config is not before
        assert service.config.presence.base_rate_per_minute == 3 and service.config.currency.symbol == "B"
        assert reloads(service, "applied") == 1
    finally:
        await stack.close()


async def test_an_unchanged_file_applies_with_no_changes(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack, _, _ = await started(tmp_path, bus, clock)
    try:
        reply = await reload_request(stack)
        assert reply["data"]["applied"] is True and reply["data"]["changed_keys"] == []
    finally:
        await stack.close()


@pytest.mark.parametrize(("content", "reason"), [
    (None, "presence.base_rate_per_minute"),  # a bad value: the key is named
    ("presence: {base_rate_per_minute: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "YAML mapping"),
    ("", "YAML mapping"),
])
async def test_a_broken_file_changes_nothing_and_says_why(tmp_path: Path, bus: InMemoryBus, clock: FakeClock,
                                                          content: str | None, reason: str) -> None:
    stack, service, path = await started(tmp_path, bus, clock)
    try:
        before = service.config
        if content is None:
            write_config(path, raw_config(tmp_path, presence={"base_rate_per_minute": -5},
                                          currency={"symbol": "B"}))
        else:
            path.write_text(content, encoding="utf-8")
        reply = await reload_request(stack)
        assert reply["success"] is False and reply["error_code"] == "bad_request"
        assert reason in reply["error"] and "\n" not in reply["error"]
        assert service.config is before  # not even the valid part (currency) was applied
        assert reloads(service, "rejected") == 1 and reloads(service, "applied") == 0
    finally:
        await stack.close()


async def test_a_missing_file_is_refused(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack, service, path = await started(tmp_path, bus, clock)
    try:
        path.unlink()
        reply = await reload_request(stack)
        assert reply["error_code"] == "bad_request" and "not found" in reply["error"]
        service.config_path = None
        reply = await reload_request(stack)
        assert "not started from a config file" in reply["error"]
    finally:
        await stack.close()


async def test_restart_needed_keys_are_named_and_keep_their_old_values(tmp_path: Path, bus: InMemoryBus,
                                                                       clock: FakeClock) -> None:
    stack, service, path = await started(tmp_path, bus, clock)
    try:
        old = service.config
        write_config(path, raw_config(
            tmp_path, nats={"servers": ["nats://other:4222"]}, database={"directory": str(tmp_path / "moved")},
            channels=[{"domain": "cytu.be", "channel": "Elsewhere"}], metrics={"enabled": True},
            rain={"enabled": False}))
        reply = await reload_request(stack)
        data = reply["data"]
        assert data["restart_needed"] == ["channels", "database.directory", "metrics.enabled", "nats.servers"]
        assert data["changed_keys"] == ["rain.enabled"]
        cfg: EconomyConfig = service.config
        assert (cfg.nats, cfg.channels, cfg.database, cfg.metrics) == (old.nats, old.channels, old.database,
                                                                      old.metrics)
        assert cfg.rain.enabled is False
    finally:
        await stack.close()


async def test_a_path_in_the_request_is_read_instead(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    stack, service, _ = await started(tmp_path, bus, clock)
    try:
        other = write_config(tmp_path / "other.yaml", raw_config(tmp_path, tipping={"enabled": False}))
        reply = await reload_request(stack, path=str(other))
        assert reply["data"]["changed_keys"] == ["tipping.enabled"]
        assert service.config.tipping.enabled is False
    finally:
        await stack.close()


# ---- SIGHUP --------------------------------------------------------------------------------------


async def test_sighup_reloads_and_a_broken_file_keeps_the_old_config(tmp_path: Path, bus: InMemoryBus,
                                                                     clock: FakeClock) -> None:
    stack, service, path = await started(tmp_path, bus, clock)
    try:
        write_config(path, raw_config(tmp_path, presence={"base_rate_per_minute": 4}))
        assert service.reloader.on_sighup() is True
        assert service.config.presence.base_rate_per_minute == 4
        good = service.config
        path.write_text("presence: {base_rate_per_minute: nope}\n", encoding="utf-8")
        assert service.reloader.on_sighup() is False  # logged, still running
        assert service.config is good
        assert (reloads(service, "applied"), reloads(service, "rejected")) == (1, 1)
    finally:
        await stack.close()


def test_the_process_runner_installs_the_sighup_handler() -> None:
    import inspect

    from economy_shared.runtime import main

    source = inspect.getsource(main.serve)
    assert "signal.SIGHUP, service.reloader.on_sighup" in source
    assert "service.config_path = config_path" in inspect.getsource(main.run)


# ---- components holding values follow the reload ---------------------------------------------------


async def test_pm_rate_limit_and_presence_debounce_follow_a_reload(tmp_path: Path, bus: InMemoryBus, clock: FakeClock,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PresenceService, "autotick", False)
    stack, presence, path = await started(tmp_path, bus, clock, PresenceService)
    try:
        assert presence.pm._limiter.per_minute == 10
        write_config(path, raw_config(tmp_path, commands={"rate_limit_per_minute": 3},
                                      presence={"join_debounce_minutes": 9}))
        reply = await reload_request(stack, "presence")
        assert reply["success"], reply
        assert presence.pm._limiter.per_minute == 3
        assert {b.debounce for b in presence.books.values()} == {timedelta(minutes=9)}
    finally:
        await stack.close()


def test_an_unexpected_loader_failure_is_still_one_refusal(tmp_path: Path) -> None:
    from prometheus_client import CollectorRegistry

    from economy_shared.config import ConfigError
    from economy_shared.runtime.logging import get_logger
    from economy_shared.runtime.reload import ConfigReloader

    path, config = file_config(tmp_path)
    swapped: list[EconomyConfig] = []

    def load(_: Path) -> EconomyConfig:
        raise RecursionError("too deep")

    reloader = ConfigReloader("ledger", lambda: config, lambda old, new: swapped.append(new), lambda: path,
                              CollectorRegistry(), get_logger("test"), load=load)
    with pytest.raises(ConfigError, match="RecursionError: too deep"):
        reloader.reload()
    assert swapped == [] and reloader.on_sighup() is False
