"""Request routing, the reply envelope, schema round trips, the voice's fallback, schedules, templates."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

import economy_shared.schemas.announcer as announcer_schemas
import economy_shared.schemas.ledger as ledger_schemas
import economy_shared.schemas.presence as presence_schemas
from economy_shared.envelope import ErrorCode, ServiceError, parse_reply
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schedule import boundary_index, next_boundary
from economy_shared.schemas.base import Request
from economy_shared.schemas.ledger import BalanceRequest
from economy_shared.templating import safe_format
from economy_shared.testing import InMemoryBus, MockKrytenClient
from economy_shared.voice import Voice
from tests.helpers import make_config


def _request_models() -> list[type[Request]]:
    out = []
    for mod in (ledger_schemas, presence_schemas, announcer_schemas):
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, Request) and obj is not Request and obj.__module__ == mod.__name__:
                out.append(obj)
    return out


def test_every_request_schema_has_a_unique_command_and_round_trips() -> None:
    models = _request_models()
    commands = [m.model_fields["command"].default for m in models]
    assert len(commands) == len(set(commands)), commands
    for m in models:
        fields = {"channel": "c"}
        for name, f in m.model_fields.items():
            if f.is_required() and name != "channel":
                fields[name] = _sample(name, f.annotation)
        req = m.model_validate(fields)
        wire = req.model_dump(mode="json")
        assert m.model_validate(wire) == req


def _sample(name: str, annotation: object) -> object:
    if name in ("users",):
        return ["a"]
    if name == "postings":
        return [{"user": "a", "amount": 1, "kind": "earn"}]
    if name == "amount":
        return 1
    if name == "reports":  # ledger.report_stats (achievements)
        return [{"user": "a", "stats": {"lifetime_messages": 1}}]
    if name == "items":
        return [{"idempotency_key": "k", "postings": [{"user": "a", "amount": 1, "kind": "earn"}]}]
    return "x"


async def test_router_validates_and_never_leaks_internals() -> None:
    router = RequestRouter("ledger")

    @router.route(BalanceRequest)
    async def handler(req: BalanceRequest) -> dict:
        if req.user == "boom":
            raise RuntimeError("secret database path /var/x")
        if req.user == "nope":
            raise ServiceError(ErrorCode.NOT_FOUND, "no such user")
        return {"user": req.user}

    ok = await router.dispatch({"command": "ledger.balance", "channel": "c", "user": "al", "service": "ledger"})
    assert ok == {"service": "ledger", "command": "ledger.balance", "success": True, "data": {"user": "al"}}
    bad = await router.dispatch({"command": "ledger.balance", "channel": "c"})
    assert bad["success"] is False and bad["error_code"] == "bad_request" and "user" in bad["error"]
    extra = await router.dispatch({"command": "ledger.balance", "channel": "c", "user": "a", "typo": 1})
    assert extra["error_code"] == "bad_request"
    boom = await router.dispatch({"command": "ledger.balance", "channel": "c", "user": "boom"})
    assert boom["error_code"] == "internal_error" and "secret" not in boom["error"]
    nope = await router.dispatch({"command": "ledger.balance", "channel": "c", "user": "nope"})
    assert nope["error_code"] == "not_found"
    assert (await router.dispatch({"command": "what"}))["error_code"] == "unknown_command"
    for junk in (None, [], "x", {"command": 5}):
        assert (await router.dispatch(junk))["error_code"] == "bad_request"


def test_parse_reply_handles_kryten_wrapper_errors() -> None:
    assert parse_reply({"error": "Internal error"}).success is False
    assert parse_reply("nonsense").success is False
    assert parse_reply({"success": True, "data": {"a": 1}}).data == {"a": 1}


async def test_voice_falls_back_to_direct_pm_for_replies_only(tmp_path: Path) -> None:
    bus = InMemoryBus()
    client = MockKrytenClient(bus)
    cfg = make_config(tmp_path)
    voice = Voice(client, lambda: cfg, "ledger", timeout=0.5)
    assert await voice.reply("testchan", "alice", "a" * 300)  # no announcer: direct, split at 240
    assert [len(m) for m in bus.pms_to("alice")] == [240, 60]
    assert not await voice.notify("testchan", "alice", "unsolicited")  # never around the outbox
    assert len(bus.pms_to("alice")) == 2


def test_schedule_boundaries_do_not_drift() -> None:
    t = datetime(2026, 1, 5, 12, 0, 59, 900000, tzinfo=UTC)
    assert next_boundary(t, 60) == datetime(2026, 1, 5, 12, 1, tzinfo=UTC)
    assert boundary_index(next_boundary(t, 60), 60) == boundary_index(t, 60) + 1


def test_safe_format() -> None:
    assert safe_format("{a} and {b}", a=1) == "1 and {b}"
    assert safe_format("{a!x}", a=1) == "{a!x}"
    assert safe_format("{0}") == "{0}"


class _M(BaseModel):
    x: int


def test_pydantic_models_used_at_boundaries() -> None:
    with pytest.raises(ValueError):
        ledger_schemas.Posting(user="a", amount=0, kind="earn")
    with pytest.raises(ValueError):
        ledger_schemas.Posting(user="a", amount=-1, kind="earn")
    with pytest.raises(ValueError):
        ledger_schemas.Posting(user="alice", amount=5, kind="escrow")
