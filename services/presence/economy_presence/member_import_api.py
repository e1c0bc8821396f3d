"""``presence.import_members`` on presence's request subject (issue 14): the operator CLI's
``import-original`` hands over streaks and welcome-wallet state (member_import.py)."""

from __future__ import annotations

from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.imports import ImportBatchResult, ImportMembersRequest

from .member_import import MemberImport


def register(router: RequestRouter, members: MemberImport) -> None:

    @router.route(ImportMembersRequest)
    async def import_members(req: ImportMembersRequest) -> ImportBatchResult:
        return await members.import_members(req.channel, req.members, req.dry_run)
