"""kryten-userstats client: alias-aware "same person" checks (DECISIONS 12; tips, kudos, laughs).

``alias.find {alias}`` on ``kryten.userstats.command`` answers ``{alias, username|null, found}``.
Answers are cached; when userstats does not answer (no responders, timeout, garbage) we fall
back to case-insensitive name equality and stop asking for ``down_seconds``, so an absent
userstats costs nothing on the chat path.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from economy_shared.runtime.logging import get_logger
from economy_shared.subjects import USERSTATS_COMMAND
from economy_shared.users import user_key

log = get_logger("economy.userstats")


class AliasResolver:
    def __init__(
        self,
        client: Any,
        *,
        timeout: float = 1.0,
        ttl_seconds: float = 600.0,
        down_seconds: float = 30.0,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._timeout = timeout
        self._ttl = ttl_seconds
        self._down_seconds = down_seconds
        self._max = max_entries
        self._now = monotonic
        self._cache: dict[str, tuple[str, float]] = {}
        self._inflight: dict[str, asyncio.Future[str | None]] = {}
        self._down_until = 0.0
        self.lookups = 0  # requests actually sent (tests, metrics)

    def cached_owner(self, name: str) -> str | None:
        """The cached owner key of ``name`` (itself when it is nobody's alias), or None if unknown."""
        key = user_key(name)
        hit = self._cache.get(key)
        if hit is not None and hit[1] > self._now():
            return hit[0]
        return None

    @property
    def available(self) -> bool:
        return self._now() >= self._down_until

    async def owner(self, name: str) -> str | None:
        """The owner key of ``name``; None when userstats cannot tell (caller falls back)."""
        key = user_key(name)
        cached = self.cached_owner(key)
        if cached is not None:
            return cached
        if not self.available:
            return None
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            result = await self._ask(key)
            fut.set_result(result)
            return result
        except BaseException as err:  # cancelled: wake any waiter with "unknown"
            if not fut.done():
                fut.set_result(None)
            if isinstance(err, asyncio.CancelledError):
                raise
            return None
        finally:
            self._inflight.pop(key, None)

    async def same_person(self, a: str, b: str) -> bool:
        """True when ``a`` and ``b`` are the same user: equal names, or one is an alias of the other."""
        ka, kb = user_key(a), user_key(b)
        if ka == kb:
            return True
        oa, ob = await self.owner(ka), await self.owner(kb)
        owners_a = {ka} | ({oa} if oa else set())
        owners_b = {kb} | ({ob} if ob else set())
        return bool(owners_a & owners_b)

    async def _ask(self, key: str) -> str | None:
        self.lookups += 1
        request = {"service": "userstats", "command": "alias.find", "alias": key}
        try:
            reply = await self._client.nats_request(USERSTATS_COMMAND, request, timeout=self._timeout)
        except Exception as err:  # TimeoutError, NoRespondersError, KrytenConnectionError, bad JSON
            self._mark_down(type(err).__name__)
            return None
        if not isinstance(reply, dict) or "success" not in reply:
            self._mark_down("malformed_reply")
            return None
        data = reply.get("data") if isinstance(reply.get("data"), dict) else {}
        if not reply.get("success"):
            return None  # it answered but could not resolve this one: treat as no alias, uncached
        owner = data.get("username") if data.get("found") else None
        result = user_key(owner) if isinstance(owner, str) and owner.strip() else key
        if len(self._cache) >= self._max:
            self._cache.clear()
        self._cache[key] = (result, self._now() + self._ttl)
        return result

    def _mark_down(self, why: str) -> None:
        if self.available:
            log.info("userstats_unavailable_name_fallback", reason=why, retry_in_s=self._down_seconds)
        self._down_until = self._now() + self._down_seconds
