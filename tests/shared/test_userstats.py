"""Alias-aware self-exclusion through kryten-userstats ``alias.find``, cached, with a name fallback."""

from __future__ import annotations

import asyncio
from typing import Any

from economy_shared.testing import InMemoryBus, MockKrytenClient
from economy_shared.userstats import AliasResolver

ALIASES = {"kc": "KevinChrist", "kev": "KevinChrist"}


class Tick:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def userstats(bus: InMemoryBus, calls: list[dict[str, Any]]) -> None:
    async def handler(req: dict[str, Any]) -> dict[str, Any]:
        calls.append(req)
        if req.get("command") != "alias.find":
            return {"service": "userstats", "command": req.get("command"), "success": False, "error": "Unknown"}
        owner = ALIASES.get(str(req.get("alias", "")).lower())
        data = {"alias": req["alias"], "username": owner, "found": owner is not None}
        return {"service": "userstats", "command": "alias.find", "success": True, "data": data}

    bus.add_responder("kryten.userstats.command", handler)


async def test_alias_of_the_other_is_the_same_person() -> None:
    bus, calls = InMemoryBus(), []
    userstats(bus, calls)
    resolver = AliasResolver(MockKrytenClient(bus))
    assert await resolver.same_person("kc", "KevinChrist")
    assert await resolver.same_person("KevinChrist", "KC")
    assert await resolver.same_person("kc", "kev")  # two aliases of one owner
    assert not await resolver.same_person("kc", "alice")
    assert calls[0] == {"service": "userstats", "command": "alias.find", "alias": "kc"}


async def test_answers_are_cached() -> None:
    bus, calls = InMemoryBus(), []
    userstats(bus, calls)
    clock = Tick()
    resolver = AliasResolver(MockKrytenClient(bus), ttl_seconds=60, monotonic=clock)
    for _ in range(5):
        await resolver.same_person("kc", "bob")
    assert resolver.lookups == 2
    clock.t += 61
    await resolver.same_person("kc", "bob")
    assert resolver.lookups == 4


async def test_concurrent_lookups_of_one_name_share_a_request() -> None:
    bus, calls = InMemoryBus(), []
    userstats(bus, calls)
    resolver = AliasResolver(MockKrytenClient(bus))
    owners = await asyncio.gather(*(resolver.owner("kc") for _ in range(10)))
    assert owners == ["kevinchrist"] * 10
    assert len(calls) == 1


async def test_without_userstats_names_are_compared_case_insensitively() -> None:
    clock = Tick()
    resolver = AliasResolver(MockKrytenClient(InMemoryBus()), down_seconds=30, monotonic=clock)
    assert await resolver.same_person("Alice", "alice")
    assert not await resolver.same_person("kc", "KevinChrist")
    assert not resolver.available
    sent = resolver.lookups
    await resolver.same_person("x", "y")
    assert resolver.lookups == sent  # not asked again while down
    clock.t += 31
    assert resolver.available


async def test_timeout_and_garbage_replies_fall_back() -> None:
    class Slow:
        async def nats_request(self, subject: str, request: dict[str, Any], timeout: float = 5.0) -> Any:
            raise TimeoutError

    class Garbage:
        async def nats_request(self, subject: str, request: dict[str, Any], timeout: float = 5.0) -> Any:
            return {"error": "Internal error"}

    assert await AliasResolver(Slow()).owner("kc") is None
    assert await AliasResolver(Garbage()).owner("kc") is None
    assert not await AliasResolver(Garbage()).same_person("kc", "KevinChrist")
