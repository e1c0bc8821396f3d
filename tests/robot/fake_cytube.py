"""A small fake CyTube for the real kryten-robot: Engine.IO v3 / Socket.IO v2 over aiohttp (ecosystem.md §6.6).

- ``https://localhost:<tls_port>/socketconfig/<channel>.json`` (self-signed certificate; the robot is
  started with ``SSL_CERT_FILE`` pointing at it) names the plain-HTTP socket.io server;
- ``GET /socket.io/?EIO=3&transport=polling`` is the handshake; the websocket upgrade answers
  ``2probe`` with ``3probe``, pings ``2`` with pongs ``3``, and carries ``42["event", data]`` frames;
- CyTube's side of the conversation: ``joinChannel`` → ``channelOpts`` + the current ``userlist``,
  ``login`` → ``{"success", "name", "rank"}``, ``chatMsg`` / ``pm`` echoed back like CyTube does,
  ``queue`` → a ``queue`` broadcast carrying a fresh uid, ``requestPlaylist`` → ``playlist``;
- ``usercount`` every ``usercount_every`` seconds (the robot's watchdog stops it after 120 s of silence);
- control: ``POST /ctl/inject {"event", "data"}`` sends a frame to the robot (``addUser`` / ``userLeave``
  also update the fake's user list), ``GET /ctl/emitted`` lists every ``{"event", "data"}`` the robot sent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import ssl
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from economy_stack.processes import free_port


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``localhost`` / 127.0.0.1 (openssl CLI); returns (cert, key)."""
    cert, key = directory / "fake-cytube.crt", directory / "fake-cytube.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


class FakeCytube:
    """One channel, any number of robot sockets (the test uses one)."""

    def __init__(self, channel: str, cert_dir: Path, *, bot_rank: int = 3, usercount_every: float = 30.0) -> None:
        self.channel = channel
        self.bot_rank = bot_rank
        self.usercount_every = usercount_every
        self.cert, self.key = make_certificate(cert_dir)
        self.tls_port, self.port = free_port(), free_port()
        self.users: dict[str, dict[str, Any]] = {}
        self.emitted: list[dict[str, Any]] = []
        self.sockets: set[web.WebSocketResponse] = set()
        self.bot_name = ""
        self._uids = itertools.count(1000)
        self._last_uid = 0
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None

    @property
    def domain(self) -> str:
        """What the robot's ``cytube.domain`` must be (the socketconfig is fetched over HTTPS from it)."""
        return f"localhost:{self.tls_port}"

    @property
    def ctl_url(self) -> str:
        """The plain-HTTP base of the socket.io server and the control endpoints."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeCytube:
        app = web.Application()
        app.router.add_get("/socketconfig/{name}", self._socketconfig)
        app.router.add_get("/socket.io/", self._socketio)
        app.router.add_post("/ctl/inject", self._ctl_inject)
        app.router.add_get("/ctl/emitted", self._ctl_emitted)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert, self.key)
        await web.TCPSite(self._runner, "127.0.0.1", self.tls_port, ssl_context=tls).start()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._ticker = asyncio.create_task(self._usercount_loop())
        return self

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- what the test does ----------------------------------------------------------------------
    async def inject(self, event: str, data: Any) -> None:
        """Send one CyTube frame to every robot socket (the control endpoint does the same)."""
        if event == "addUser" and isinstance(data, dict):
            self.users[str(data["name"])] = data
        elif event == "userLeave" and isinstance(data, dict):
            self.users.pop(str(data.get("name")), None)
        await self._broadcast(event, data)

    def emitted_events(self, event: str) -> list[Any]:
        return [e["data"] for e in self.emitted if e["event"] == event]

    # ---- HTTP ------------------------------------------------------------------------------------
    async def _socketconfig(self, request: web.Request) -> web.Response:
        return web.json_response({"servers": [{"url": f"http://127.0.0.1:{self.port}", "secure": False}]})

    async def _ctl_inject(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self.inject(str(body["event"]), body.get("data"))
        return web.json_response({"ok": True, "sockets": len(self.sockets)})

    async def _ctl_emitted(self, request: web.Request) -> web.Response:
        return web.json_response(self.emitted)

    async def _socketio(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("EIO") != "3":
            return web.Response(status=400, text='{"code":5,"message":"Unsupported protocol version"}')
        if request.query.get("transport") == "polling":
            handshake = json.dumps({"sid": uuid.uuid4().hex, "upgrades": ["websocket"],
                                    "pingInterval": 25000, "pingTimeout": 60000})
            packet = "0" + handshake
            return web.Response(text=f"{len(packet)}:{packet}", content_type="text/plain")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        try:
            await self._session(ws)
        finally:
            self.sockets.discard(ws)
        return ws

    # ---- the socket ------------------------------------------------------------------------------
    async def _session(self, ws: web.WebSocketResponse) -> None:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            data = str(msg.data)
            if data == "2probe":
                await ws.send_str("3probe")
            elif data == "5":
                self.sockets.add(ws)  # upgraded: events flow from now on
            elif data.startswith("2"):
                await ws.send_str("3" + data[1:])
            elif data.startswith("42"):
                frame = json.loads(data[2:])
                event, payload = frame[0], (frame[1] if len(frame) > 1 else None)
                self.emitted.append({"event": event, "data": payload})
                await self._on_event(ws, event, payload)

    async def _on_event(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        if event == "joinChannel":
            await self._send(ws, "channelOpts", {"allow_voteskip": True})  # eaten by the robot's join check
            await self._send(ws, "userlist", list(self.users.values()))
        elif event == "login":
            self.bot_name = str((data or {}).get("name", "Guest"))
            await self._send(ws, "login", {"success": True, "name": self.bot_name, "rank": self.bot_rank})
        elif event == "requestPlaylist":
            await self._send(ws, "playlist", [])
        elif event == "chatMsg":
            await self._broadcast("chatMsg", {"username": self.bot_name, "msg": data.get("msg", ""),
                                              "meta": data.get("meta", {}), "time": _now_ms()})
        elif event == "pm":
            await self._send(ws, "pm", {"username": self.bot_name, "msg": data.get("msg", ""), "meta": {},
                                        "time": _now_ms(), "to": data.get("to", "")})
        elif event == "queue":
            uid, after = next(self._uids), self._last_uid
            self._last_uid = uid
            media = {"id": data.get("id"), "type": data.get("type"), "title": str(data.get("id")),
                     "seconds": 0, "duration": "00:00", "meta": {}}
            await self._broadcast("queue", {"item": {"media": media, "uid": uid, "temp": bool(data.get("temp")),
                                                     "queueby": self.bot_name}, "after": after})

    async def _usercount_loop(self) -> None:
        while True:
            await asyncio.sleep(self.usercount_every)
            await self._broadcast("usercount", len(self.users) + 1)

    async def _broadcast(self, event: str, data: Any) -> None:
        for ws in list(self.sockets):
            await self._send(ws, event, data)

    @staticmethod
    async def _send(ws: web.WebSocketResponse, event: str, data: Any) -> None:
        if not ws.closed:
            await ws.send_str("42" + json.dumps([event, data]))


def _now_ms() -> int:
    return int(time.time() * 1000)
