"""An in-memory stand-in for NATS subjects, shared by several ``MockKrytenClient`` instances."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


class NoRespondersError(Exception):
    """Raised like nats-py's error of the same name when nobody answers a subject."""


@dataclass
class Message:
    subject: str
    data: bytes
    reply: str = ""

    async def respond(self, data: bytes) -> None:  # pragma: no cover - parity with nats Msg
        return None


RequestHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
RawHandler = Callable[[Message], Awaitable[None]]


def _matches(pattern: str, subject: str) -> bool:
    p, s = pattern.split("."), subject.split(".")
    for i, tok in enumerate(p):
        if tok == ">":
            return len(s) > i
        if i >= len(s) or (tok != "*" and tok != s[i]):
            return False
    return len(p) == len(s)


class InMemoryBus:
    """Request-reply handlers, raw subscribers, and every published message (for assertions)."""

    def __init__(self) -> None:
        self._responders: dict[str, list[RequestHandler]] = {}
        self._subscribers: list[tuple[str, RawHandler]] = []
        self.published: list[tuple[str, Any]] = []
        self.kv: dict[tuple[str, str], Any] = {}

    def add_responder(self, subject: str, handler: RequestHandler) -> None:
        self._responders.setdefault(subject, []).append(handler)

    def remove_responders(self, handlers: list[RequestHandler]) -> None:
        for subject, hs in list(self._responders.items()):
            self._responders[subject] = [h for h in hs if h not in handlers]

    def add_subscriber(self, pattern: str, handler: RawHandler) -> None:
        self._subscribers.append((pattern, handler))

    async def request(self, subject: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        handlers = self._responders.get(subject) or []
        if not handlers:
            raise NoRespondersError(f"no responders on {subject}")
        # Like NATS without queue groups: every responder runs, the first reply wins.
        wire = json.loads(json.dumps(payload))
        results = await asyncio.wait_for(
            asyncio.gather(*(h(json.loads(json.dumps(wire))) for h in handlers)), timeout=timeout
        )
        return json.loads(json.dumps(results[0]))

    async def publish(self, subject: str, data: Any) -> None:
        self.published.append((subject, data))
        raw = data if isinstance(data, bytes) else json.dumps(data).encode() if isinstance(data, dict) else str(
            data
        ).encode()
        for pattern, handler in list(self._subscribers):
            if _matches(pattern, subject):
                await handler(Message(subject=subject, data=raw))

    def robot_commands(self, command: str | None = None) -> list[dict[str, Any]]:
        """What services sent the robot, in the real wire shape of kryten-py."""
        out = []
        for subject, data in self.published:
            is_command = subject == "kryten.robot.command" and isinstance(data, dict)
            if is_command and (command is None or data.get("command") == command):
                out.append(data)
        return out

    def pms_to(self, user: str) -> list[str]:
        key = user.casefold()
        return [c["args"]["msg"] for c in self.robot_commands("pm") if c["args"]["to"].casefold() == key]

    def chats(self) -> list[str]:
        return [c["args"]["message"] for c in self.robot_commands("say")]
