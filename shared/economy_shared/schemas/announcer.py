"""Announcer requests: the bot's one voice (ARCHITECTURE §4)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Literal

from pydantic import Field

from .base import Request, Result, UserName


class Priority(IntEnum):
    """Lower is sooner: command replies before notifications before announcements."""

    REPLY = 0
    NOTIFY = 1
    ANNOUNCE = 2


PriorityName = Literal["reply", "notify", "announce"]


def priority_of(name: PriorityName) -> Priority:
    return {"reply": Priority.REPLY, "notify": Priority.NOTIFY, "announce": Priority.ANNOUNCE}[name]


class SendPmRequest(Request):
    command: Literal["announcer.pm"] = "announcer.pm"
    user: UserName
    text: str = Field(min_length=1, max_length=4000)
    priority: PriorityName = "reply"
    # Unsolicited PMs (notifications the user did not ask for) are dropped for users in quiet mode.
    unsolicited: bool = False


class AnnounceRequest(Request):
    """Render ``announcements.templates[template]`` with ``context`` and post it publicly, if its gate allows."""

    command: Literal["announcer.announce"] = "announcer.announce"
    template: str = Field(min_length=1, max_length=64)
    context: dict[str, Any] = Field(default_factory=dict)


class SayRequest(Request):
    """Post raw public text (admin `announce` and similar). Bypasses templates and dedup, never the pace."""

    command: Literal["announcer.say"] = "announcer.say"
    text: str = Field(min_length=1, max_length=2000)
    priority: PriorityName = "announce"
    dedup: bool = True


class QueuedResult(Result):
    queued: bool
    chunks: int = 0
    reason: str = ""
