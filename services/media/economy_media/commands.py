"""Media's PM commands: search, queue, playnext, forcenow; admin approve_play / reject_play.

``approve_play`` or ``reject_play`` without an id lists the force-plays waiting for approval. Every
command calls the same use case as the request subject (api.py).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ServiceError
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter
from economy_shared.schemas.media import MediaAction

from . import texts
from .approvals import Approvals
from .queueing import Queueing
from .searching import Searching

mark_live("search", "queue", "playnext", "forcenow", "approve_play", "reject_play")

_CATALOG_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_APPROVAL_ID = re.compile(r"^#?([0-9]{1,12})$", re.ASCII)


async def answer(work: Callable[[], Awaitable[str]]) -> str:
    """A business refusal is a one-line reply, never an error."""
    try:
        return await work()
    except ServiceError as err:
        return err.message


def register(pm: PmRouter, *, config: Callable[[], EconomyConfig], searching: Searching, queueing: Queueing,
             approvals: Approvals) -> None:
    cfg = config  # called at use, so a reloaded config applies at once

    @pm.command("search")
    async def search(ctx: PmContext) -> str:
        if not ctx.rest:
            return f"{ctx.usage()} — e.g. search matrix"

        async def run() -> str:
            return texts.search_results(cfg(), await searching.search(ctx.channel, ctx.rest[:200], ctx.user))

        return await answer(run)

    def buy(action: MediaAction) -> Callable[[PmContext], Awaitable[str]]:
        async def handler(ctx: PmContext) -> str:
            if len(ctx.args) != 1:
                return f"{ctx.usage()} — find ids with: search <words>"
            media_id = ctx.args[0].strip()
            if not _CATALOG_ID.match(media_id):
                return texts.unknown_item(media_id[:64])

            async def run() -> str:
                return texts.queued(cfg(), await queueing.request(ctx.channel, ctx.user, action, media_id))

            return await answer(run)

        return handler

    pm.command("queue")(buy("queue"))
    pm.command("playnext")(buy("playnext"))
    pm.command("forcenow")(buy("forcenow"))

    def resolve(approved: bool) -> Callable[[PmContext], Awaitable[str]]:
        async def handler(ctx: PmContext) -> str:
            if not ctx.args:
                pending = await approvals.pending(ctx.channel)
                return texts.approvals(cfg(), pending.approvals, approvals.now_ms())
            match = _APPROVAL_ID.match(ctx.args[0]) if len(ctx.args) == 1 else None
            if match is None:
                return ctx.usage()

            async def run() -> str:
                result = await approvals.resolve(ctx.channel, int(match.group(1)), approved, ctx.user)
                return texts.resolved_for_admin(cfg(), result, approved)

            return await answer(run)

        return handler

    pm.command("approve_play")(resolve(True))
    pm.command("reject_play")(resolve(False))
