"""Leaderboards and profiles as requests: the internal ``ledger.leaderboard``/``ledger.profile`` (api.py)
and the original's public names on ``kryten.economy.command`` (DECISIONS 24, sprint6 §4):

- ``leaderboard`` ``{channel, category="earners", limit=10 (1..100)}`` → ``{channel, category, rows}``,
  or ``{channel, category, distribution}`` for ``ranks``; an unknown category is ``bad_request``
  naming the valid words;
- ``profile.get`` ``{username}`` → the profile fields (``found: false`` for a name without an account).

Both call the same use case as the PM words (boards.py), and word the same text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import Request, UserName
from economy_shared.schemas.ledger import LeaderboardResult, LeaderboardRow, ProfileResult

from .board_rules import RANKS, VALID, board_text, category_of, not_found_text, profile_text
from .boards import Boards


class PublicLeaderboard(Request):
    command: Literal["leaderboard"] = "leaderboard"
    category: str = Field(default="earners", max_length=40)
    limit: int = Field(default=10, ge=1, le=100)


class PublicProfileGet(Request):
    command: Literal["profile.get"] = "profile.get"
    username: UserName


async def leaderboard(boards: Boards, cfg: EconomyConfig, channel: str, category: str, limit: int
                      ) -> LeaderboardResult:
    """One board as a result; an unknown category is ``bad_request`` with the valid words."""
    canonical = category_of(category)
    if canonical is None:
        raise ServiceError(ErrorCode.BAD_REQUEST, f"unknown category {category!r}; valid: {', '.join(VALID)}",
                           data={"valid": list(VALID)})
    board = await boards.board(channel, canonical, limit)
    text = board_text(board, cfg.currency.symbol)
    if canonical == RANKS:
        return LeaderboardResult(channel=channel, category=canonical, distribution=board.distribution, text=text)
    rows = [LeaderboardRow(position=i + 1, username=r.user, amount=r.amount, rank_name=r.rank_name)
            for i, r in enumerate(board.rows)]
    return LeaderboardResult(channel=channel, category=canonical, rows=rows, text=text)


async def profile(boards: Boards, cfg: EconomyConfig, channel: str, name: str) -> ProfileResult:
    p = await boards.profile(channel, name)
    if p is None:
        return ProfileResult(found=False, username=name, text=not_found_text(name))
    return ProfileResult(
        found=True, username=p.user, rank_name=p.rank_name, balance=p.balance, lifetime_earned=p.lifetime_earned,
        banned=p.banned, streak_days=p.streak_days, gambling_games=p.gambling_games, gambling_net=p.gambling_net,
        achievements=p.achievements, title=p.title, vanity=p.vanity,
        text=profile_text(p, cfg.currency.symbol, cfg.currency.plural),
    )


def register_board_routes(router: RequestRouter, boards: Boards, config: Callable[[], EconomyConfig]) -> None:
    @router.route(PublicLeaderboard)
    async def public_leaderboard(req: PublicLeaderboard) -> dict[str, Any]:
        result = await leaderboard(boards, config(), req.channel, req.category, req.limit)
        return result.model_dump(mode="json", exclude_none=True, exclude={"text"})

    @router.route(PublicProfileGet)
    async def public_profile(req: PublicProfileGet) -> ProfileResult:
        return await profile(boards, config(), req.channel, req.username)
