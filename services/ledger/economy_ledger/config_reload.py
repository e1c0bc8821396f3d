"""``reload`` everywhere (DECISIONS 25): validate the file once, then ask every service to swap its config.

The ledger validates its own file first: a broken file is refused with the key and the reason and no
service is asked, so nothing changes anywhere. Then every service (the ledger itself in process, the
others over NATS, concurrently, each within ``reload.service_timeout_seconds``) re-reads the file it
started with. One summary names who applied it, who did not answer, who refused (its own copy of the
file is broken) and which changed keys wait for a restart. The PM word and the public
``admin.reload`` / ``config.reload`` call this same use case.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from economy_shared.config import ConfigError, EconomyConfig
from economy_shared.envelope import ErrorCode, Reply, ServiceError
from economy_shared.runtime.logging import get_logger
from economy_shared.schemas.base import Request
from economy_shared.schemas.reload import RELOAD_REQUESTS, ReloadSummary, ServiceReloadResult
from economy_shared.subjects import SERVICE_NAMES, ServiceName

Ask = Callable[[ServiceName, Request, float], Awaitable[Reply]]

log = get_logger("economy.ledger.reload")


class ConfigReload:
    def __init__(
        self,
        validate: Callable[[], EconomyConfig],
        reload_self: Callable[[], ServiceReloadResult],
        ask: Ask,
        config: Callable[[], EconomyConfig],
        services: tuple[ServiceName, ...] = SERVICE_NAMES,
        self_name: ServiceName = "ledger",
    ) -> None:
        """``validate()`` / ``reload_self()`` raise ``ConfigError`` for a broken file (runtime/reload.py)."""
        self._validate = validate
        self._reload_self = reload_self
        self._ask = ask
        self._config = config
        self._services = services
        self._self = self_name

    async def reload(self, channel: str, admin: str) -> ReloadSummary:
        """Raises ``ServiceError(bad_request)`` with the key and the reason when the file is broken."""
        try:
            self._validate()
        except ConfigError as err:
            log.warning("reload_refused", admin=admin, reason=str(err))
            raise ServiceError(ErrorCode.BAD_REQUEST, str(err)) from None
        timeout = self._config().reload.service_timeout_seconds  # read before our own swap
        log.info("reload_requested", admin=admin, channel=channel)
        names = [n for n in self._services if n != self._self]
        replies = await asyncio.gather(*(self._one(n, channel, timeout) for n in names))
        summary = ReloadSummary()
        if self._self in self._services:
            # last, so that a reload of the ledger's own settings cannot change how the others were asked
            self._record(summary, self._self, self._local())
        for name, reply in zip(names, replies, strict=True):
            self._record(summary, name, reply)
        summary.applied.sort(key=self._services.index)
        log.info("reload_done", applied=summary.applied, not_answered=summary.not_answered,
                 refused=sorted(summary.refused), restart_needed=summary.restart_needed)
        return summary

    def _local(self) -> Reply:
        try:
            result = self._reload_self()
        except ConfigError as err:  # the file changed between the check and now
            return Reply(service=self._self, success=False, error=str(err), error_code=ErrorCode.BAD_REQUEST)
        return Reply(service=self._self, success=True, data=result.model_dump(mode="json"))

    async def _one(self, name: ServiceName, channel: str, timeout: float) -> Reply:
        return await self._ask(name, RELOAD_REQUESTS[name](channel=channel), timeout)

    @staticmethod
    def _record(summary: ReloadSummary, name: str, reply: Reply) -> None:
        if reply.success:
            try:
                result = ServiceReloadResult.model_validate(reply.data)
            except ValueError:
                summary.refused[name] = "an unreadable answer"
                return
            summary.applied.append(name)
            for key in result.changed_keys:
                if key not in summary.changed_keys:
                    summary.changed_keys.append(key)
            for key in result.restart_needed:
                if key not in summary.restart_needed:
                    summary.restart_needed.append(key)
        elif reply.service != name:  # nobody answered: runtime.requests.call made this reply
            summary.not_answered.append(name)
        else:
            summary.refused[name] = reply.error or "refused"
