"""Metrics hygiene (issue 11): store gauges refreshed on each /metrics scrape (the ledger's circulation and
median balance), request latency labelled only by known commands (no unbounded label values)."""

from __future__ import annotations

from typing import Any

import aiohttp

from economy_ledger.service import LedgerService
from economy_shared.runtime.observability import HttpEndpoint, ServiceMetrics
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import PingRequest
from tests.helpers import CHANNEL, Stack
from tests.ledger.tip_kit import fund


async def test_request_metrics_label_unknown_commands_as_one_series() -> None:
    metrics = ServiceMetrics("ledger")
    router = RequestRouter("ledger", observe=metrics.observe_request)

    async def pong(_: PingRequest) -> dict[str, Any]:
        return {"pong": True}

    router.add(PingRequest, pong)
    await router.dispatch({"command": "system.ping", "channel": "c"})
    for i in range(5):
        await router.dispatch({"command": f"random.{i}", "channel": "c"})
    await router.dispatch({"channel": "c"})
    sample = metrics.registry.get_sample_value
    assert sample("economy_requests_total", {"service": "ledger", "command": "system.ping", "outcome": "ok"}) == 1
    assert sample("economy_requests_total", {"service": "ledger", "command": "unknown",
                                             "outcome": "unknown_command"}) == 5
    assert sample("economy_request_seconds_count", {"service": "ledger", "command": "unknown"}) == 5
    assert sample("economy_request_seconds_count", {"service": "ledger", "command": "?"}) == 1
    assert sample("economy_requests_total", {"service": "ledger", "command": "random.0",
                                             "outcome": "unknown_command"}) is None


async def test_a_scrape_refreshes_gauges_and_survives_a_failing_refresh() -> None:
    metrics = ServiceMetrics("media")
    calls: list[int] = []

    async def refresh() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database is locked")

    async def health() -> dict[str, Any]:
        return {"status": "healthy"}

    http = HttpEndpoint(metrics, health, "127.0.0.1", 0, refresh=refresh)
    await http.start()
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(2):
                async with session.get(f"http://127.0.0.1:{http.bound_port}/metrics") as resp:
                    assert resp.status == 200
                    body = await resp.text()
    finally:
        await http.stop()
    assert len(calls) == 2
    assert 'economy_scrape_refresh_errors_total{service="media"} 1.0' in body


async def test_ledger_circulation_and_median_balance_are_read_at_scrape_time(stack: Stack) -> None:
    ledger = await stack.add(LedgerService)
    sample = ledger.metrics.registry.get_sample_value
    await fund(stack, alice=100, bob=300, carol=1_000)
    await ledger.refresh_metrics()
    assert sample("economy_median_balance", {"channel": CHANNEL}) == 300
    assert sample("economy_total_circulation", {"channel": CHANNEL}) == 1_400
    await fund(stack, dave=500)  # even count: the mean of the middle two
    await ledger.refresh_metrics()
    assert sample("economy_median_balance", {"channel": CHANNEL}) == 400
    assert sample("economy_ledger_accounts", {"channel": CHANNEL}) == 4
