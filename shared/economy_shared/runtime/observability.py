"""Per-service Prometheus registry and the ``/metrics`` + ``/health`` HTTP endpoint."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

HealthCallback = Callable[[], Awaitable[dict[str, Any]]]
RefreshCallback = Callable[[], Awaitable[Any]]


class ServiceMetrics:
    """Metrics every service has; a service adds its own on ``registry``."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "economy_requests_total", "Requests handled, by command and outcome",
            ["service", "command", "outcome"], registry=self.registry,
        )
        self.request_seconds = Histogram(
            "economy_request_seconds", "Request handling time", ["service", "command"], registry=self.registry,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.pm_commands = Counter(
            "economy_pm_commands_total", "PM commands answered", ["service", "command"], registry=self.registry
        )
        self.events = Counter(
            "economy_events_total", "CyTube events handled", ["service", "event"], registry=self.registry
        )
        self.nats_connected = Gauge(
            "economy_nats_connected", "1 while the NATS connection is up", ["service"], registry=self.registry
        )
        self.scrape_refresh_errors = Counter(
            "economy_scrape_refresh_errors_total", "Gauge refreshes that failed during a /metrics scrape",
            ["service"], registry=self.registry,
        )

    def observe_request(self, command: str, outcome: str, seconds: float) -> None:
        self.requests.labels(self.service, command, outcome).inc()
        self.request_seconds.labels(self.service, command).observe(seconds)


class HttpEndpoint:
    """Serves ``GET /metrics`` and ``GET /health`` (200 healthy, 503 otherwise)."""

    def __init__(self, metrics: ServiceMetrics, health: HealthCallback, host: str, port: int,
                 refresh: RefreshCallback | None = None) -> None:
        self._metrics = metrics
        self._health = health
        self._refresh = refresh  # store-derived gauges are read fresh on each scrape
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._serve_metrics)
        app.router.add_get("/health", self._serve_health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server  # aiohttp exposes the bound socket only here
        sockets = getattr(server, "sockets", None) or []
        self.bound_port = sockets[0].getsockname()[1] if sockets else self._port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _serve_metrics(self, _: web.Request) -> web.Response:
        if self._refresh is not None:
            try:
                await self._refresh()
            except Exception:  # a failed refresh leaves the last values; the scrape still answers
                self._metrics.scrape_refresh_errors.labels(self._metrics.service).inc()
        body = generate_latest(self._metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _serve_health(self, _: web.Request) -> web.Response:
        try:
            details = await self._health()
        except Exception:
            return web.json_response({"service": self._metrics.service, "status": "error"}, status=500)
        status = 200 if details.get("status") == "healthy" else 503
        return web.json_response({"service": self._metrics.service, **details}, status=status)
