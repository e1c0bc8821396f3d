"""Request routing (server side) and calling (client side) over kryten-py request-reply."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..envelope import ErrorCode, Reply, ServiceError, fail, ok, parse_reply
from ..schemas.base import Request
from .logging import get_logger

R = TypeVar("R", bound=Request)
Handler = Callable[[Any], Awaitable[dict[str, Any] | BaseModel]]

log = get_logger("economy.requests")


def describe_validation_error(err: ValidationError) -> str:
    parts = []
    for e in err.errors()[:5]:
        where = ".".join(str(p) for p in e["loc"]) or "request"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


class RequestRouter:
    """Routes a request on its ``command`` field to a typed handler; never leaks internals."""

    def __init__(self, service: str, observe: Callable[[str, str, float], None] | None = None) -> None:
        self.service = service
        self._routes: dict[str, tuple[type[Request], Handler]] = {}
        self._observe = observe

    def route(self, model: type[R]) -> Callable[[Callable[[R], Awaitable[Any]]], Callable[[R], Awaitable[Any]]]:
        command = model.model_fields["command"].default
        if not isinstance(command, str) or not command:
            raise ValueError(f"{model.__name__} has no default command")

        def register(fn: Callable[[R], Awaitable[Any]]) -> Callable[[R], Awaitable[Any]]:
            self.add(model, fn)
            return fn

        return register

    def add(self, model: type[Request], handler: Handler) -> None:
        command = model.model_fields["command"].default
        if command in self._routes:
            raise ValueError(f"command {command!r} registered twice")
        self._routes[command] = (model, handler)

    @property
    def commands(self) -> list[str]:
        return sorted(self._routes)

    async def dispatch(self, raw: Any) -> dict[str, Any]:
        started = time.perf_counter()
        command = raw.get("command") if isinstance(raw, dict) else None
        command_s = command if isinstance(command, str) else ""
        outcome = "ok"
        try:
            if not isinstance(raw, dict) or not command_s:
                outcome = ErrorCode.BAD_REQUEST
                return fail(self.service, command_s, ErrorCode.BAD_REQUEST, "request must be an object with a command")
            route = self._routes.get(command_s)
            if route is None:
                outcome = ErrorCode.UNKNOWN_COMMAND
                return fail(self.service, command_s, ErrorCode.UNKNOWN_COMMAND, f"Unknown command: {command_s}")
            model, handler = route
            body = {k: v for k, v in raw.items() if k != "service"}
            try:
                request = model.model_validate(body)
            except ValidationError as err:
                outcome = ErrorCode.BAD_REQUEST
                return fail(self.service, command_s, ErrorCode.BAD_REQUEST, describe_validation_error(err))
            try:
                result = await handler(request)
            except ServiceError as err:
                outcome = err.code
                reply = fail(self.service, command_s, err.code, err.message)
                if err.data:
                    reply["data"] = err.data
                return reply
            data = result.model_dump(mode="json") if isinstance(result, BaseModel) else (result or {})
            return ok(self.service, command_s, data)
        except Exception:
            outcome = ErrorCode.INTERNAL
            log.exception("request_failed", service=self.service, command=command_s)
            return fail(self.service, command_s, ErrorCode.INTERNAL, "internal error, the operator has been told")
        finally:
            if self._observe is not None:  # label only known commands: a caller must not grow the series
                label = command_s if command_s in self._routes else ("?" if not command_s else "unknown")
                self._observe(label, str(outcome), time.perf_counter() - started)


async def call(client: Any, subject: str, request: Request, timeout: float) -> Reply:
    """Send a typed request; any transport failure (timeout, no responders, closed) becomes ``unavailable``."""
    payload = request.model_dump(mode="json", exclude_none=True)
    try:
        raw = await client.nats_request(subject, payload, timeout=timeout)
    except Exception as err:  # TimeoutError, NoRespondersError, KrytenConnectionError, JSON errors
        log.warning("request_unavailable", subject=subject, command=request.command, error=type(err).__name__)
        return Reply(
            command=request.command,
            success=False,
            error=f"{subject} did not answer",
            error_code=ErrorCode.UNAVAILABLE,
        )
    return parse_reply(raw)
