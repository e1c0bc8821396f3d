"""A MediaCMS stand-in: a real aiohttp server on loopback serving the upstream JSON shapes.

Shapes follow mediacms-io/mediacms ``files/views/media.py`` and ``files/serializers.py``:

- ``GET /api/v1/search?q=`` → DRF page ``{"count", "next", "previous", "results"}`` of
  ``MediaSearchSerializer`` rows; an empty query → ``{}`` (``shape="list"`` answers a bare list);
- ``GET /api/v1/media/<friendly_token>`` → ``SingleMediaSerializer`` (no ``friendly_token``) plus
  ``related_media``; unknown → HTTP 400 ``{"detail": "media file does not exist"}``; private → 401;
- ``GET /api/v1/media?search=`` → the plan's listing shape (upstream ignores ``search``: so does this).

It can be slow (``delay``), answer 5xx (``fail_next``) or HTML (``garbage``), or go down and come back
on the same port (``down`` / ``up``). Every request is recorded (path, query, Authorization header). Used by the unit
tests, the in-process tests and the system test (the services reach it over HTTP).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from economy_stack.processes import free_port


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    authorization: str | None


@dataclass
class Media:
    title: str
    duration: int
    media_type: str = "video"
    private: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the plan's media_type / media_id override


class MediaCmsStandIn:
    def __init__(self, items: dict[str, Media] | None = None, *, shape: str = "page") -> None:
        self.items: dict[str, Media] = dict(items or {})
        self.shape = shape  # "page" (upstream) or "list" (a bare list)
        self.delay = 0.0
        self.garbage = False  # answer 200 with an HTML page instead of JSON (a proxy's error page)
        self.seen: list[Seen] = []
        self._failures: list[int] = []
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    # ---- lifecycle ----------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def start(self) -> MediaCmsStandIn:
        app = web.Application()
        app.router.add_get("/api/v1/search", self._search)
        app.router.add_get("/api/v1/media", self._listing)
        app.router.add_get("/api/v1/media/{token}", self._detail)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def down(self) -> None:
        """Stop listening: connections are refused until ``up``."""
        await self.stop()

    async def up(self) -> None:
        await self.start()

    # ---- faults -------------------------------------------------------------------------------------
    def fail_next(self, count: int = 1, status: int = 503) -> None:
        self._failures.extend([status] * count)

    def hits(self, path: str) -> int:
        return sum(1 for s in self.seen if s.path == path)

    # ---- handlers -----------------------------------------------------------------------------------
    async def _prelude(self, request: web.Request) -> web.Response | None:
        self.seen.append(Seen(request.path, dict(request.query), request.headers.get("Authorization")))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._failures:
            status = self._failures.pop(0)
            return web.json_response({"detail": "upstream trouble"}, status=status)
        if self.garbage:
            return web.Response(text="<html>Bad gateway</html>", content_type="text/html")
        return None

    def _absolute(self, path: str) -> str:
        return f"{self.url.rstrip('/')}{path}"

    def _search_row(self, token: str, m: Media) -> dict[str, Any]:
        return {
            "title": m.title, "author_name": "uploader", "author_profile": self._absolute("/user/uploader/"),
            "thumbnail_url": None, "add_date": "2025-01-01T00:00:00Z", "views": 1, "description": "",
            "friendly_token": token, "duration": m.duration, "url": self._absolute(f"/view?m={token}"),
            "api_url": self._absolute(f"/api/v1/media/{token}"), "media_type": m.media_type, "preview_url": None,
            "categories_info": [], **m.extra,
        }

    async def _search(self, request: web.Request) -> web.Response:
        early = await self._prelude(request)
        if early is not None:
            return early
        query = request.query.get("q", "").strip().lower()
        if not query:
            return web.json_response({})
        words = query.split()
        rows = [self._search_row(t, m) for t, m in self.items.items()
                if not m.private and all(w in m.title.lower() for w in words)]
        if self.shape == "list":
            return web.json_response(rows)
        return web.json_response({"count": len(rows), "next": None, "previous": None, "results": rows})

    async def _listing(self, request: web.Request) -> web.Response:
        early = await self._prelude(request)
        if early is not None:
            return early
        rows = [self._search_row(t, m) for t, m in self.items.items() if not m.private]
        return web.json_response({"count": len(rows), "next": None, "previous": None, "results": rows})

    async def _detail(self, request: web.Request) -> web.Response:
        early = await self._prelude(request)
        if early is not None:
            return early
        token = request.match_info["token"]
        m = self.items.get(token)
        if m is None:
            return web.json_response({"detail": "media file does not exist"}, status=400)
        if m.private:
            return web.json_response({"detail": "media is private"}, status=401)
        return web.json_response({
            "url": self._absolute(f"/view?m={token}"), "user": "uploader", "title": m.title, "description": "",
            "add_date": "2025-01-01T00:00:00Z", "edit_date": "2025-01-01T00:00:00Z", "media_type": m.media_type,
            "state": "public", "is_shared": False, "duration": m.duration, "thumbnail_url": None,
            "poster_url": None, "encoding_status": "success", "views": 1, "likes": 0, "dislikes": 0,
            "original_media_url": f"/media/original/{token}.mp4", "size": "1MB", "categories_info": [],
            "is_reviewed": True, "related_media": [], **m.extra,
        })
