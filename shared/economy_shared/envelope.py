"""The reply envelope of every economy request (ARCHITECTURE §2).

Success: ``{"service", "command", "success": true, "data": {...}}``.
Failure: ``{"service", "command", "success": false, "error": "<human text>", "error_code": "<code>"}``.
There is one level of success only; internal exception text never leaves a service.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    UNKNOWN_COMMAND = "unknown_command"
    INTERNAL = "internal_error"
    UNAVAILABLE = "unavailable"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    BANNED = "banned"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    DISABLED = "disabled"
    LIMIT = "limit_reached"
    COOLDOWN = "cooldown"
    CONFLICT = "conflict"


class Reply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    service: str = ""
    command: str = ""
    success: bool
    data: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    error_code: str | None = None

    def to_wire(self) -> dict[str, Any]:
        if self.success:
            return {"service": self.service, "command": self.command, "success": True, "data": self.data}
        return {
            "service": self.service,
            "command": self.command,
            "success": False,
            "error": self.error or "failed",
            "error_code": self.error_code or ErrorCode.INTERNAL,
        }


class ServiceError(Exception):
    """A business failure a handler raises; the runtime turns it into a failure reply."""

    def __init__(self, code: ErrorCode | str, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.data = data or {}


def ok(service: str, command: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return Reply(service=service, command=command, success=True, data=data or {}).to_wire()


def fail(service: str, command: str, code: ErrorCode | str, message: str) -> dict[str, Any]:
    return Reply(service=service, command=command, success=False, error=message, error_code=str(code)).to_wire()


def parse_reply(raw: Any) -> Reply:
    """Read any reply, including kryten-py's bare ``{"error": ...}`` wrapper replies."""
    if not isinstance(raw, dict):
        return Reply(success=False, error="malformed reply", error_code=ErrorCode.INTERNAL)
    if "success" not in raw:
        return Reply(success=False, error=str(raw.get("error", "malformed reply")), error_code=ErrorCode.INTERNAL)
    return Reply.model_validate(raw)
