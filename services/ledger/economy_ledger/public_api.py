"""The public ``kryten.economy.command`` subject, with the shapes kryten-py's ``economy_request()`` expects.

Command names and reply shapes follow the original plan (DECISIONS 24). Commands another service
owns are forwarded to it (public_media.py: the media names; public_vanity.py: the vanity shop's).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from economy_shared import __version__
from economy_shared.config import EconomyConfig
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import Request, Result, UserName
from economy_shared.schemas.ledger import RankResult
from economy_shared.survey import AskService, survey

from .accounts import account_view
from .boards import Boards
from .public_boards import register_board_routes
from .public_media import AskMedia, register_media_forwards
from .public_tips import register_tip_routes
from .public_vanity import announcer_asker, register_vanity_forwards
from .ranks import Ranks
from .store import LedgerStore
from .tips import Tips


class PingRequest(Request):
    command: Literal["system.ping"] = "system.ping"


class HealthRequest(Request):
    command: Literal["system.health"] = "system.health"


class BalanceGetRequest(Request):
    command: Literal["balance.get"] = "balance.get"
    username: UserName


class RankGetRequest(Request):
    command: Literal["rank.get"] = "rank.get"
    username: UserName


class Pong(Result):
    pong: bool = True
    version: str = __version__


class PublicBalance(Result):
    found: bool
    username: str
    channel: str
    balance: int = 0
    lifetime_earned: int = 0
    rank_name: str = ""


class PublicRouter(RequestRouter):
    """kryten-py's ``economy_request`` always sends a channel; ``system.*`` callers may not."""

    def __init__(self, default_channel: str, **kwargs: object) -> None:
        super().__init__("economy", **kwargs)  # type: ignore[arg-type]
        self.default_channel = default_channel

    async def dispatch(self, raw: object) -> dict:
        if isinstance(raw, dict) and "channel" not in raw:
            raw = {**raw, "channel": self.default_channel}
        return await super().dispatch(raw)


def build_public_router(
    store: LedgerStore,
    config: Callable[[], EconomyConfig],
    ask_media: AskMedia,
    ranks: Ranks,
    observe: Callable[[str, str, float], None] | None = None,
    tips: Tips | None = None,
    boards: Boards | None = None,
    ask_service: AskService | None = None,
) -> RequestRouter:
    router = PublicRouter(config().channels[0].channel, observe=observe)
    started = time.monotonic()

    @router.route(PingRequest)
    async def ping(_: PingRequest) -> Pong:
        return Pong()

    @router.route(HealthRequest)
    async def health(req: HealthRequest) -> dict:
        """Every service's ``system.ping`` at once (economy_shared/survey.py): "degraded" names who is down."""
        found = await survey(ask_service, req.channel) if ask_service is not None else None
        return {
            "status": found.status if found else "healthy",
            "services": {s.service: s.model_dump(exclude={"service"}) for s in found.services} if found else {},
            "down": found.down if found else [],
            "database": "connected",
            "accounts": await store.account_count(req.channel),
            "uptime_seconds": round(time.monotonic() - started, 1),
            "version": __version__,
        }

    @router.route(BalanceGetRequest)
    async def balance_get(req: BalanceGetRequest) -> PublicBalance:
        view = account_view(config(), req.username, await store.account(req.channel, req.username))
        return PublicBalance(
            found=view.found,
            username=view.user,
            channel=req.channel,
            balance=view.balance,
            lifetime_earned=view.lifetime_earned,
            rank_name=view.rank_name if view.found else "",
        )

    @router.route(RankGetRequest)
    async def rank_get(req: RankGetRequest) -> RankResult:
        return await ranks.standing(req.channel, req.username)

    ask_announcer = announcer_asker(ask_service) if ask_service is not None else None
    register_media_forwards(router, ask_media, config, ask_announcer)  # approval.* also reach the GIF approvals
    if ask_announcer is not None:
        register_vanity_forwards(router, ask_announcer, config)  # vanity.*, shop.list, approval.*_gif (announcer)
    if tips is not None:
        register_tip_routes(router, tips)  # spend.tip, transactions.list (public_tips.py)
    if boards is not None:
        register_board_routes(router, boards, config)  # leaderboard, profile.get (public_boards.py)
    return router
