"""The one gate in front of every admin command on the public ``kryten.economy.command`` (DECISIONS 24).

Refused with ``forbidden`` unless ``api.allow_admin_commands`` is on; an allowed call is logged with its
command, channel and request id (and whatever the caller adds: admin, target), so every admin action
that came in over the public subject leaves a line.
"""

from __future__ import annotations

from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.logging import get_logger
from economy_shared.schemas.base import Request

log = get_logger("economy.ledger.public_gate")

ADMIN_OFF = "admin commands are off on the public subject (api.allow_admin_commands)"


def admit_public_admin(config: EconomyConfig, req: Request, **context: Any) -> None:
    if not config.api.allow_admin_commands:
        raise ServiceError(ErrorCode.FORBIDDEN, ADMIN_OFF)
    log.info("public_admin_command", command=req.command, channel=req.channel, request_id=req.request_id, **context)
