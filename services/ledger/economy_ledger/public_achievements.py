"""Achievement request subjects: ``ledger.report_stats`` and ``ledger.achievements`` (internal) and
``achievement.list`` (public ``kryten.economy.command``), all on the same use case as the PM word."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from economy_shared.config import EconomyConfig
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import Request, Result, UserName
from economy_shared.schemas.ledger import (
    AchievementsRequest,
    AchievementsResult,
    EarnedAchievement,
    ReportStatsRequest,
    ReportStatsResult,
)

from .achievements import Achievements


class AchievementListRequest(Request):
    command: Literal["achievement.list"] = "achievement.list"
    username: UserName


class PublicAchievements(Result):
    username: str
    achievements: list[EarnedAchievement]


def _earned(config: EconomyConfig, earned: dict[str, int]) -> list[EarnedAchievement]:
    desc = {a.id: a.description or a.id for a in config.achievements}
    return [EarnedAchievement(achievement_id=aid, description=desc.get(aid, aid), awarded_ms=ms)
            for aid, ms in sorted(earned.items(), key=lambda kv: (kv[1], kv[0]))]


def register_internal(router: RequestRouter, achievements: Achievements,
                      config: Callable[[], EconomyConfig]) -> None:
    @router.route(ReportStatsRequest)
    async def report_stats(req: ReportStatsRequest) -> ReportStatsResult:
        merged: dict[str, dict[str, float]] = {}
        for r in req.reports:
            merged.setdefault(r.user, {}).update(r.stats)
        unknown = await achievements.report(req.channel, merged)
        return ReportStatsResult(recorded=len(merged) - len(unknown), unknown=unknown)

    @router.route(AchievementsRequest)
    async def list_own(req: AchievementsRequest) -> AchievementsResult:
        view = await achievements.view(req.channel, req.user)
        return AchievementsResult(earned=_earned(config(), view.earned), text=view.text)


def register_public(router: RequestRouter, achievements: Achievements,
                    config: Callable[[], EconomyConfig]) -> None:
    @router.route(AchievementListRequest)
    async def achievement_list(req: AchievementListRequest) -> PublicAchievements:
        view = await achievements.view(req.channel, req.username)
        return PublicAchievements(username=req.username, achievements=_earned(config(), view.earned))
