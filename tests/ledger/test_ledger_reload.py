"""``reload`` everywhere (DECISIONS 25, config_reload.py): the ledger validates once, then every service swaps.

PM ``reload`` (admin only) and the public ``admin.reload`` / ``config.reload`` (only with
``api.allow_admin_commands``) reach the same use case; a broken file changes nothing anywhere; a
service that does not answer is named; restart-only keys are named and keep their old values.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from economy_announcer.service import AnnouncerService
from economy_gambling.service import GamblingService
from economy_ledger.config_reload import ConfigReload
from economy_ledger.reload_commands import LINE, listed, summary_text
from economy_ledger.service import LedgerService
from economy_media.service import MediaService
from economy_presence.service import PresenceService
from economy_shared.clock import FakeClock
from economy_shared.config import ConfigError, EconomyConfig
from economy_shared.envelope import ErrorCode, Reply, ServiceError
from economy_shared.schemas.base import Request
from economy_shared.schemas.reload import ReloadSummary, ServiceReloadResult
from economy_shared.subjects import PUBLIC_COMMAND, ServiceName, service_subject
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack
from tests.ledger.tip_kit import pm_reply
from tests.shared.reload_kit import file_config, raw_config, write_config

ALL: tuple[ServiceName, ...] = ("ledger", "presence", "gambling", "media", "announcer")


# ---- the use case with stand-ins -------------------------------------------------------------------


def result(name: str, changed: list[str], restart: list[str] | None = None) -> ServiceReloadResult:
    return ServiceReloadResult(service=name, applied=True, changed_keys=changed, restart_needed=restart or [])


def use_case(tmp_path: Path, answers: dict[str, Reply | None], *, broken: str | None = None,
             asked: list[str] | None = None) -> tuple[ConfigReload, list[str]]:
    _, cfg = file_config(tmp_path, reload={"service_timeout_seconds": 0.25})
    calls: list[str] = asked if asked is not None else []
    local: list[str] = []

    def validate() -> EconomyConfig:
        if broken:
            raise ConfigError(broken)
        return cfg

    def reload_self() -> ServiceReloadResult:
        local.append("ledger")
        return result("ledger", ["presence.base_rate_per_minute"])

    async def ask(name: ServiceName, request: Request, timeout: float) -> Reply:
        calls.append(f"{name}:{request.command}:{timeout}")
        reply = answers.get(name)
        if reply is None:
            return Reply(command=request.command, success=False, error="did not answer",
                         error_code=ErrorCode.UNAVAILABLE)
        return reply

    return ConfigReload(validate, reload_self, ask, lambda: cfg), local


def answered(name: str, changed: list[str], restart: list[str] | None = None) -> Reply:
    return Reply(service=name, command=f"{name}.reload", success=True,
                 data=result(name, changed, restart).model_dump(mode="json"))


async def test_every_service_is_asked_with_the_timeout_and_the_answers_are_summed(tmp_path: Path) -> None:
    asked: list[str] = []
    answers: dict[str, Reply | None] = {
        "presence": answered("presence", ["presence.base_rate_per_minute"], ["nats.servers"]),
        "gambling": answered("gambling", ["presence.base_rate_per_minute", "gambling.spin.cost"]),
        "media": None,  # down
        "announcer": Reply(service="announcer", command="announcer.reload", success=False,
                           error="invalid config: bot.username: too short", error_code=ErrorCode.BAD_REQUEST),
    }
    reload, local = use_case(tmp_path, answers, asked=asked)
    summary = await reload.reload(CHANNEL, "Boss")
    assert sorted(asked) == ["announcer:announcer.reload:0.25", "gambling:gambling.reload:0.25",
                             "media:media.reload:0.25", "presence:presence.reload:0.25"]
    assert local == ["ledger"]
    assert summary.applied == ["ledger", "presence", "gambling"]
    assert summary.not_answered == ["media"]
    assert summary.refused == {"announcer": "invalid config: bot.username: too short"}
    assert summary.changed_keys == ["presence.base_rate_per_minute", "gambling.spin.cost"]
    assert summary.restart_needed == ["nats.servers"]


async def test_a_broken_file_is_refused_before_any_service_is_asked(tmp_path: Path) -> None:
    asked: list[str] = []
    reload, local = use_case(tmp_path, {}, broken="invalid config: presence.base_rate_per_minute: too small",
                             asked=asked)
    with pytest.raises(ServiceError) as caught:
        await reload.reload(CHANNEL, "Boss")
    assert caught.value.code == ErrorCode.BAD_REQUEST
    assert "presence.base_rate_per_minute" in caught.value.message
    assert asked == [] and local == []


def test_every_reply_line_fits_a_pm() -> None:
    many = [f"section{i}.some_rather_long_key_name" for i in range(40)]
    s = ReloadSummary(applied=list(ALL), not_answered=["media"], refused={"gambling": "x" * 500},
                      changed_keys=many, restart_needed=many)
    text = summary_text(s)
    assert all(len(line) <= LINE for line in text.splitlines())
    assert "+" in text and "more" in text
    assert listed("Changed: ", ["a", "b"]) == "Changed: a, b"


# ---- in process: PM and public requests -------------------------------------------------------------


async def stack_of(tmp_path: Path, bus: InMemoryBus, clock: FakeClock, names: tuple[ServiceName, ...],
                   monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> tuple[Stack, dict[str, Any], Path]:
    monkeypatch.setattr(PresenceService, "autotick", False)
    monkeypatch.setattr(GamblingService, "autoresolve", False)
    monkeypatch.setattr(MediaService, "autoresolve", False)
    classes = {"ledger": LedgerService, "presence": PresenceService, "gambling": GamblingService,
               "media": MediaService, "announcer": AnnouncerService}
    path, config = file_config(tmp_path, reload={"service_timeout_seconds": 0.5}, **overrides)
    stack = Stack(bus, config, clock)
    services = {}
    for name in names:
        services[name] = await stack.add(classes[name])
        services[name].config_path = path
    return stack, services, path


async def test_pm_reload_applies_everywhere_and_names_each_service(tmp_path: Path, bus: InMemoryBus, clock: FakeClock,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    stack, services, path = await stack_of(tmp_path, bus, clock, ALL, monkeypatch)
    try:
        write_config(path, raw_config(tmp_path, reload={"service_timeout_seconds": 0.5},
                                      presence={"base_rate_per_minute": 2}, nats={"servers": ["nats://x:4222"]}))
        text = await pm_reply(stack, "Boss", "reload")
        assert "✅ Config reloaded by ledger, presence, gambling, media, announcer" in text
        assert "Changed: presence.base_rate_per_minute" in text
        assert "Needs a restart (old values kept): nats.servers" in text
        assert "No answer" not in text
        for service in services.values():
            assert service.config.presence.base_rate_per_minute == 2
            assert service.config.nats.servers == ["nats://127.0.0.1:4222"]
    finally:
        await stack.close()


async def test_pm_reload_with_a_broken_file_changes_nothing_anywhere(tmp_path: Path, bus: InMemoryBus,
                                                                     clock: FakeClock,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    stack, services, path = await stack_of(tmp_path, bus, clock, ("ledger", "presence", "announcer"), monkeypatch)
    try:
        before = {name: s.config for name, s in services.items()}
        write_config(path, raw_config(tmp_path, presence={"base_rate_per_minute": "lots"}))
        text = await pm_reply(stack, "Boss", "reload")
        assert text.startswith("❌ Config not reloaded, nothing changed: ")
        assert "presence.base_rate_per_minute" in text and len(text) <= LINE
        assert all(s.config is before[name] for name, s in services.items())
    finally:
        await stack.close()


async def test_a_service_that_does_not_answer_is_named(tmp_path: Path, bus: InMemoryBus, clock: FakeClock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    stack, _, _ = await stack_of(tmp_path, bus, clock, ("ledger", "presence", "announcer"), monkeypatch)

    async def hangs(_: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(30)
        return {}

    bus.add_responder(service_subject("gambling"), hangs)  # alive on NATS but stuck; media is not running
    try:
        text = await pm_reply(stack, "Boss", "reload")
        assert "✅ Config reloaded by ledger, presence, announcer" in text
        assert "No answer (still on the old config): gambling, media" in text
    finally:
        await stack.close()


async def test_reload_is_for_admins_only(tmp_path: Path, bus: InMemoryBus, clock: FakeClock,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    stack, services, path = await stack_of(tmp_path, bus, clock, ("ledger", "announcer"), monkeypatch)
    try:
        before = services["ledger"].config
        write_config(path, raw_config(tmp_path, presence={"base_rate_per_minute": 2}))
        text = await pm_reply(stack, "alice", "reload")
        assert "Config" not in text
        assert services["ledger"].config is before
    finally:
        await stack.close()


@pytest.mark.parametrize("command", ["admin.reload", "config.reload"])
async def test_public_reload_needs_allow_admin_commands(tmp_path: Path, bus: InMemoryBus, clock: FakeClock,
                                                        monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    stack, services, path = await stack_of(tmp_path, bus, clock, ("ledger", "presence"), monkeypatch)
    try:
        body = {"command": command, "channel": CHANNEL}
        refused = await stack.request(PUBLIC_COMMAND, body)
        assert refused["error_code"] == "forbidden"
        write_config(path, raw_config(tmp_path, api={"allow_admin_commands": True},
                                      presence={"base_rate_per_minute": 2}))
        assert services["presence"].config.presence.base_rate_per_minute == 1  # nothing happened yet
        services["ledger"].reloader.reload()  # an operator's SIGHUP to the ledger turns the API on
        reply = await stack.request(PUBLIC_COMMAND, body)
        assert reply["success"], reply
        assert reply["data"]["applied"] == ["ledger", "presence"]
        assert reply["data"]["not_answered"] == ["gambling", "media", "announcer"]
        assert services["presence"].config.presence.base_rate_per_minute == 2
        write_config(path, raw_config(tmp_path, api={"allow_admin_commands": True}, bogus_key=1))
        broken = await stack.request(PUBLIC_COMMAND, body)
        assert broken["error_code"] == "bad_request" and "bogus_key" in broken["error"]
    finally:
        await stack.close()
