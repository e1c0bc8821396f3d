"""Public ``admin.reload`` (sprint 8 §4) and the original's ``config.reload`` on ``kryten.economy.command``.

Both call the same ``ConfigReload`` as the PM word ``reload``; refused with ``forbidden`` unless
``api.allow_admin_commands`` (DECISIONS 24). A broken file is a ``bad_request`` naming the key and reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import Request, UserName
from economy_shared.schemas.reload import ReloadSummary

from .config_reload import ConfigReload
from .public_gate import admit_public_admin

log = get_logger("economy.public_reload")


class AdminReload(Request):
    command: Literal["admin.reload"] = "admin.reload"
    admin: UserName = "api"


class ConfigReloadCompat(Request):
    command: Literal["config.reload"] = "config.reload"
    admin: UserName = "api"


def register_public_reload(router: RequestRouter, reload: ConfigReload, config: Callable[[], EconomyConfig]) -> None:
    async def run(req: AdminReload | ConfigReloadCompat) -> ReloadSummary:
        admit_public_admin(config(), req, admin=req.admin)
        return await reload.reload(req.channel, req.admin)

    router.add(AdminReload, run)
    router.add(ConfigReloadCompat, run)
