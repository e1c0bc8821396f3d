"""The base of every economy service and the host that runs one as a process.

Order at start: open storage and register handlers (``setup``), connect to NATS, subscribe the
request subjects and flush, serve metrics/health, then start background work (``start``).
Stop runs it backwards. A service never imports another service; it calls it by request.

Once connected the host watches for the connection closing for good (nats-py gave up after
``max_reconnect_attempts``). It never reopens, so the process must exit and be restarted by its
supervisor (``runtime.main.serve`` does that).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .. import __version__
from ..clock import Clock, SystemClock
from ..config import EconomyConfig
from ..schemas.base import PingRequest
from ..schemas.reload import RELOAD_REQUESTS
from ..subjects import ServiceName, service_subject
from .client import connect, flush, nats_is_connected, reconnect_budget, wait_closed
from .logging import get_logger
from .observability import HttpEndpoint, ServiceMetrics
from .reload import ConfigReloader
from .requests import RequestRouter

if TYPE_CHECKING:
    from ..pm.router import PmRouter


class EconomyService:
    name: ClassVar[ServiceName]

    def __init__(self, config: EconomyConfig, client: Any, clock: Clock | None = None) -> None:
        self.config = config
        self.client = client
        self.clock: Clock = clock or SystemClock()
        self.metrics = ServiceMetrics(self.name)
        self.router = RequestRouter(self.name, observe=self.metrics.observe_request)
        self.log = get_logger(f"economy.{self.name}", service=self.name)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.started = False
        self.router.add(PingRequest, self._ping)
        # config reload (runtime/reload.py, DECISIONS 25): ``<service>.reload`` and SIGHUP re-read this file
        self.config_path: Path | None = None
        self.reloader = ConfigReloader(self.name, lambda: self.config, self._swap_config, lambda: self.config_path,
                                       self.metrics.registry, self.log)
        self.router.add(RELOAD_REQUESTS[self.name], self.reloader.handle)

    async def _ping(self, _: PingRequest) -> dict[str, Any]:
        return {"pong": True, "service": self.name, "version": __version__, "ready": self.started}

    # ---- hooks a service overrides -------------------------------------------------------------
    async def setup(self) -> None:
        """Open storage, register request routes and event handlers. Runs before connect."""

    async def start(self) -> None:
        """Start background work. Runs once connected and subscribed."""

    async def stop(self) -> None:
        """Stop background work and close storage."""

    async def health_details(self) -> dict[str, Any]:
        return {}

    async def refresh_metrics(self) -> None:
        """Before each ``/metrics`` scrape: by default the health details, which refresh the store gauges."""
        await self.health_details()

    def on_config_changed(self, old: EconomyConfig, new: EconomyConfig) -> None:
        """After a reload swapped ``self.config``: for components that must react beyond reading the getter."""
        pm = getattr(self, "pm", None)
        if pm is not None:
            pm.reconfigure()  # the PM rate limiter keeps its per-minute limit

    def _swap_config(self, old: EconomyConfig, new: EconomyConfig) -> None:
        self.config = new  # as a whole: every getter sees the new file from here on
        try:
            self.on_config_changed(old, new)
        except Exception:  # the new config is in place; a hook must not turn the reload into a failure
            self.log.exception("on_config_changed_failed")

    def extra_subjects(self) -> dict[str, RequestRouter]:
        """Further request subjects this service answers (the ledger answers the public one)."""
        return {}

    # ---- PM commands --------------------------------------------------------------------------
    def enable_pm(self, voice: Any = None) -> PmRouter:
        """Give this service a voice, the admin directory and a PM router wired to ``pm`` events.

        ``voice`` defaults to the announcer's outbox over NATS; the announcer passes its local one.
        """
        from ..pm.identity import UserDirectory
        from ..pm.router import PmRouter
        from ..voice import Voice

        self.voice = voice or Voice(self.client, lambda: self.config, self.name)
        self.directory = UserDirectory(self.client, lambda: self.config)
        self.pm = PmRouter(
            self.name,
            lambda: self.config,
            self.voice,
            self.directory,
            self.spawn,
            on_command=lambda word: self.metrics.pm_commands.labels(self.name, word).inc(),
        )
        self.client.on("pm")(self.pm.on_pm)
        self.client.on("adduser")(self._rank_from_join)
        self.client.on("userlist")(self._ranks_from_userlist)
        self.client.on("setuserrank")(self._rank_from_update)
        return self.pm

    async def _rank_from_join(self, event: Any) -> None:
        name, rank = getattr(event, "username", None), getattr(event, "rank", 0)
        if isinstance(name, str):
            self.directory.record(event.channel, name, rank)

    async def _ranks_from_userlist(self, event: Any) -> None:
        self.directory.record_userlist(event.channel, getattr(event, "payload", None))

    async def _rank_from_update(self, event: Any) -> None:
        payload = getattr(event, "payload", None)
        if isinstance(payload, dict) and isinstance(payload.get("name"), str):
            self.directory.record(event.channel, payload["name"], payload.get("rank"))

    # ---- helpers ------------------------------------------------------------------------------
    @property
    def subject(self) -> str:
        return service_subject(self.name)

    def db_path(self, directory: str | None = None) -> Path:
        return Path(directory or self.config.database.directory) / f"{self.name}.db"

    def spawn(self, coro: Any, *, name: str | None = None) -> asyncio.Task[Any]:
        """Run work outside the event handler (kryten-py handles one channel's events in series)."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            err = task.exception()
            self.log.error("background_task_failed", task=task.get_name(), error=repr(err), exc_info=err)

    async def cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def idle(self) -> None:
        """Wait until background tasks started so far are done (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class ServiceHost:
    """Runs one service against a client: connect, subscribe, serve, stop."""

    def __init__(
        self, service: EconomyService, *, serve_http: bool = True, connect_timeout: float | None = None
    ) -> None:
        self.service = service
        self.serve_http = serve_http and service.config.metrics.enabled
        self.connect_timeout = connect_timeout if connect_timeout is not None else startup_wait(service.config)
        self.http: HttpEndpoint | None = None
        self._stopped = asyncio.Event()
        self._closed_watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        svc = self.service
        await svc.setup()
        try:
            await connect(svc.client, self.connect_timeout)
        except Exception as err:  # TimeoutError, KrytenConnectionError
            servers = ", ".join(svc.config.nats.servers)
            raise RuntimeError(f"cannot reach NATS at {servers} within {self.connect_timeout:.0f}s ({err!r})") from err
        self._closed_watch = asyncio.get_running_loop().create_task(wait_closed(svc.client), name="nats-closed")
        svc.metrics.nats_connected.labels(svc.name).set(1)
        await svc.client.subscribe_request_reply(svc.subject, svc.router.dispatch)
        for subject, router in svc.extra_subjects().items():
            await svc.client.subscribe_request_reply(subject, router.dispatch)
        await flush(svc.client)
        if self.serve_http:
            port = svc.config.metrics.ports.model_dump()[svc.name]
            self.http = HttpEndpoint(svc.metrics, self.health, svc.config.metrics.host, port,
                                     refresh=svc.refresh_metrics)
            await self.http.start()
        await svc.start()
        svc.started = True
        svc.log.info("service_started", subject=svc.subject, metrics_port=self.http.bound_port if self.http else None)

    async def health(self) -> dict[str, Any]:
        svc = self.service
        connected = nats_is_connected(svc.client)
        svc.metrics.nats_connected.labels(svc.name).set(1 if connected else 0)
        details = await svc.health_details()
        healthy = connected and svc.started and details.get("status", "healthy") == "healthy"
        return {**details, "nats_connected": connected, "status": "healthy" if healthy else "degraded"}

    async def connection_closed(self) -> None:
        """Return when the NATS connection has closed for good; never returns before ``start``."""
        if self._closed_watch is None:
            await asyncio.Event().wait()
        else:
            await asyncio.shield(self._closed_watch)

    async def stop(self) -> None:
        svc = self.service
        svc.log.info("service_stopping")
        if self._closed_watch is not None:
            self._closed_watch.cancel()
            await asyncio.gather(self._closed_watch, return_exceptions=True)
        svc.started = False
        try:
            await svc.stop()
        finally:
            await svc.cancel_tasks()
            if self.http is not None:
                await self.http.stop()
            try:
                await asyncio.wait_for(svc.client.disconnect(), timeout=5)
            except Exception as err:
                svc.log.warning("disconnect_failed", error=repr(err))
            self._stopped.set()


def startup_wait(config: EconomyConfig) -> float:
    """How long a start waits for NATS: the whole reconnect budget (nats-py retries the first connect too).

    A start that gives up sooner would burn the supervisor's restart allowance during a long outage
    (systemd: 5 starts in 300 s, then the unit stays failed).
    """
    return max(15.0, reconnect_budget(config) + config.nats.connect_timeout + 5.0)
