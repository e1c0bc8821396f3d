"""``announcer.import_vanity`` on the announcer's request subject (issue 14): the operator CLI's
``import-original`` hands over vanity items, pending GIFs and quiet mode (vanity_import.py)."""

from __future__ import annotations

from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.imports import ImportBatchResult, ImportVanityRequest

from .vanity_import import VanityImport


def register(router: RequestRouter, vanity: VanityImport) -> None:

    @router.route(ImportVanityRequest)
    async def import_vanity(req: ImportVanityRequest) -> ImportBatchResult:
        return await vanity.import_vanity(req.channel, req.users, req.dry_run)
