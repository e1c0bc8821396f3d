"""A ``KrytenClient`` double with the real wire shapes, for unit and in-process integration tests.

Unlike kryten-py's own mock it records commands exactly as the real client sends them
(``say``/``pm`` on ``kryten.robot.command``), supports request-reply through an ``InMemoryBus``,
swallows handler exceptions like the real client (unless ``raise_handler_errors``), and returns
``add_media`` in the robot's envelope.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from kryten import ChatMessageEvent, RawEvent, UserJoinEvent, UserLeaveEvent

from .bus import InMemoryBus, Message

EventHandler = Callable[[Any], Awaitable[None]]


class MockKrytenClient:
    def __init__(
        self,
        bus: InMemoryBus | None = None,
        channel: str = "testchan",
        domain: str = "cytu.be",
        *,
        raise_handler_errors: bool = True,
    ) -> None:
        self.bus = bus or InMemoryBus()
        self.channel = channel
        self.domain = domain
        self.raise_handler_errors = raise_handler_errors
        self._handlers: dict[str, list[EventHandler]] = {}
        self._responders: list[Any] = []
        self._uids = itertools.count(1000)
        self.connected = False
        self.add_media_result: dict[str, Any] | Exception | None = None
        self.lifecycle = None

    # ---- lifecycle --------------------------------------------------------------------------
    async def connect(self) -> None:
        self.connected = True

    async def disconnect(self, reason: str = "Normal shutdown") -> None:
        self.connected = False
        self.bus.remove_responders(self._responders)

    @property
    def is_connected(self) -> bool:
        return self.connected

    async def run(self) -> None:  # pragma: no cover - services never call run()
        return None

    async def stop(self) -> None:
        return None

    # ---- events -----------------------------------------------------------------------------
    def on(
        self, event_name: str, channel: str | None = None, domain: str | None = None
    ) -> Callable[[EventHandler], EventHandler]:
        def register(fn: EventHandler) -> EventHandler:
            self._handlers.setdefault(event_name.lower(), []).append(fn)
            return fn

        return register

    async def simulate_event(self, event_name: str, payload: Any) -> None:
        """Deliver a CyTube-shaped event (same conversion rules as kryten-py)."""
        event = self._convert(event_name, payload)
        for handler in list(self._handlers.get(event_name.lower(), [])):
            try:
                await handler(event)
            except Exception:
                if self.raise_handler_errors:
                    raise

    def _convert(self, event_name: str, payload: Any) -> Any:
        name = event_name.lower()
        now = datetime.now(UTC)
        common = {"channel": self.channel, "domain": self.domain, "timestamp": now, "correlation_id": str(uuid.uuid4())}
        if isinstance(payload, dict):
            if name in ("chatmsg", "pm"):
                meta = payload.get("meta") or {}
                return ChatMessageEvent(
                    username=payload.get("username", ""),
                    message=payload.get("msg", payload.get("message", "")),
                    rank=int(payload.get("rank", 0) or 0),
                    shadow=bool(meta.get("shadow", False)) if isinstance(meta, dict) else False,
                    **common,
                )
            if name == "adduser":
                return UserJoinEvent(username=payload["name"], rank=int(payload.get("rank", 0) or 0), **common)
            if name == "userleave":
                return UserLeaveEvent(username=payload["name"], **common)
        return RawEvent(event_name=event_name, payload=payload, channel=self.channel, domain=self.domain)

    async def pm(self, user: str, text: str) -> None:
        await self.simulate_event("pm", {"username": user, "msg": text, "meta": {}, "time": 0, "to": "bot"})

    async def chat(self, user: str, text: str, **meta: Any) -> None:
        await self.simulate_event("chatMsg", {"username": user, "msg": text, "meta": meta, "time": 0})

    async def join(self, user: str, rank: int = 1) -> None:
        await self.simulate_event("addUser", {"name": user, "rank": rank, "profile": {}, "meta": {"afk": False}})

    async def leave(self, user: str) -> None:
        await self.simulate_event("userLeave", {"name": user})

    # ---- robot commands (real wire shapes) --------------------------------------------------
    def _meta(self, channel: str, domain: str | None) -> dict[str, Any]:
        return {
            "source": "mock",
            "timestamp": datetime.now(UTC).isoformat(),
            "domain": domain or self.domain,
            "channel": channel,
            "request_id": str(uuid.uuid4()),
        }

    async def _command(self, command: str, args: dict[str, Any], channel: str, domain: str | None) -> str:
        meta = self._meta(channel, domain)
        await self.bus.publish("kryten.robot.command", {"command": command, "args": args, "meta": meta})
        return meta["request_id"]

    async def send_chat(self, channel: str, message: str, *, domain: str | None = None) -> str:
        return await self._command("say", {"message": message}, channel, domain)

    async def send_pm(self, channel: str, username: str, message: str, *, domain: str | None = None) -> str:
        return await self._command("pm", {"to": username, "msg": message}, channel, domain)

    async def add_media(
        self, channel: str, media_type: str, media_id: str, *, position: str = "end", temp: bool = True,
        domain: str | None = None, timeout: float = 8.0,
    ) -> dict[str, Any]:
        await self._command("addvideo", {"type": media_type, "id": media_id, "pos": position, "temp": temp},
                            channel, domain)
        if isinstance(self.add_media_result, Exception):
            raise self.add_media_result
        if self.add_media_result is not None:
            return self.add_media_result
        data = {"success": True, "uid": next(self._uids)}
        return {"service": "robot", "command": "addvideo", "success": True, "data": data}

    async def jump_to(self, channel: str, uid: Any, *, domain: str | None = None) -> str:
        return await self._command("jump", {"uid": uid}, channel, domain)

    async def delete_media(self, channel: str, uid: Any, *, domain: str | None = None) -> str:
        return await self._command("rmvideo", {"uid": uid}, channel, domain)

    async def safe_set_channel_rank(
        self, channel: str, username: str, rank: int, *, domain: str | None = None, check_rank: bool = True,
        timeout: float = 2.0,
    ) -> dict[str, Any]:
        rid = await self._command("setChannelRank", {"username": username, "rank": rank}, channel, domain)
        return {"success": True, "message_id": rid}

    async def set_channel_css(self, channel: str, css: str, *, domain: str | None = None) -> str:
        return await self._command("setChannelCSS", {"css": css}, channel, domain)

    # ---- KV ---------------------------------------------------------------------------------
    async def kv_get(self, bucket_name: str, key: str, default: Any = None, parse_json: bool = False) -> Any:
        return self.bus.kv.get((bucket_name, key), default)

    async def kv_put(self, bucket_name: str, key: str, value: Any, as_json: bool = False) -> None:
        self.bus.kv[(bucket_name, key)] = value

    async def kv_delete(self, bucket_name: str, key: str) -> None:
        self.bus.kv.pop((bucket_name, key), None)

    async def kv_keys(self, bucket_name: str) -> list[str]:
        return [k for b, k in self.bus.kv if b == bucket_name]

    async def kv_get_all(self, bucket_name: str, parse_json: bool = False) -> dict[str, Any]:
        return {k: v for (b, k), v in self.bus.kv.items() if b == bucket_name}

    async def get_or_create_kv_bucket(self, bucket_name: str, description: str | None = None,
                                      max_value_size: int = 1024 * 1024) -> str:
        return bucket_name

    async def get_state_current_media(self, channel: str, *, domain: str | None = None) -> dict[str, Any] | None:
        return self.bus.kv.get((f"kryten_{channel}_playlist", "current"))

    async def get_state_playlist_items(self, channel: str, *, domain: str | None = None) -> list[dict[str, Any]]:
        return list(self.bus.kv.get((f"kryten_{channel}_playlist", "items"), []))

    # ---- raw NATS ---------------------------------------------------------------------------
    async def subscribe_request_reply(self, subject: str, handler: Any) -> Any:
        self.bus.add_responder(subject, handler)
        self._responders.append(handler)
        return handler

    async def nats_request(self, subject: str, request: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        return await self.bus.request(subject, request, timeout)

    async def subscribe(self, subject: str, handler: Callable[[Message], Awaitable[None]]) -> Any:
        self.bus.add_subscriber(subject, handler)
        return handler

    async def unsubscribe(self, subscription: Any) -> None:
        return None

    async def publish(self, subject: str, data: bytes | str | dict[str, Any]) -> None:
        await self.bus.publish(subject, data)

    def health(self) -> dict[str, Any]:
        return {"connected": self.connected}
