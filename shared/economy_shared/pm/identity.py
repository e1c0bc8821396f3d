"""Who is an admin: the user's real CyTube rank, never the PM event's rank (always 0; DECISIONS 22).

Ranks come from ``adduser``/``userlist``/``setUserRank`` events, and from the robot's KV userlist
when a user has not been seen since start-up.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..config import EconomyConfig
from ..subjects import userlist_bucket
from ..users import user_key


class UserDirectory:
    def __init__(self, client: Any, config: Callable[[], EconomyConfig]) -> None:
        self._client = client
        self._config = config
        self._ranks: dict[tuple[str, str], int] = {}

    def _k(self, channel: str, name: str) -> tuple[str, str]:
        return (channel.casefold(), user_key(name))

    def record(self, channel: str, name: str, rank: Any) -> None:
        try:
            self._ranks[self._k(channel, name)] = int(rank)
        except (TypeError, ValueError):
            return

    def record_userlist(self, channel: str, users: Any) -> None:
        if isinstance(users, dict):
            users = list(users.values())
        if not isinstance(users, list):
            return
        for u in users:
            if isinstance(u, dict) and isinstance(u.get("name"), str):
                self.record(channel, u["name"], u.get("rank", 0))

    async def rank_of(self, channel: str, name: str) -> int:
        rank = self._ranks.get(self._k(channel, name))
        if rank is not None:
            return rank
        await self._load_from_kv(channel)
        return self._ranks.get(self._k(channel, name), 0)

    async def is_admin(self, channel: str, name: str) -> bool:
        cfg = self._config()
        if user_key(name) in {user_key(u) for u in cfg.admin.usernames}:
            return True
        return await self.rank_of(channel, name) >= cfg.admin.owner_level

    async def _load_from_kv(self, channel: str) -> None:
        try:
            raw = await self._client.kv_get(userlist_bucket(channel), "users", default=None)
        except Exception:
            return  # no bucket (robot not running with JetStream): fall back to what events told us
        if isinstance(raw, bytes | str):
            try:
                raw = json.loads(raw)
            except ValueError:
                return
        self.record_userlist(channel, raw)
