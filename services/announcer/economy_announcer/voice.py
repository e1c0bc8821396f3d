"""The announcer's own way into its outbox.

``queue_*`` admit a PM or a public line and say why not (``QueuedResult``); the request API and the
PM commands use them. ``reply``/``notify``/``announce``/``say`` have the signatures of
``economy_shared.voice.Voice``, so the shared ``PmRouter`` (and the announcer's own features) speak
through the local outbox instead of sending a request to themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from economy_shared.channels import ChannelDirectory
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.schemas.announcer import Priority, PriorityName, QueuedResult, priority_of

from .metrics import AnnouncerMetrics
from .outbox import Admission, Outbox
from .personalise import NoVanity, Personaliser
from .templates import Rendered, render


class LocalVoice:
    def __init__(
        self,
        outbox: Outbox,
        config: Callable[[], EconomyConfig],
        metrics: AnnouncerMetrics,
        wake: Callable[[], None],
        personalise: Personaliser | None = None,
    ) -> None:
        self._outbox = outbox
        self._config = config
        self._metrics = metrics
        self._wake = wake
        # personal currency names in PMs, titles in announcements (personalise.py)
        self._personalise = personalise or Personaliser(NoVanity(), config)

    def channel_name(self, channel: str) -> str:
        """The configured spelling of ``channel``; an unknown channel is a bad request."""
        name = ChannelDirectory(self._config().channel_names()).known(channel)
        if name is not None:
            return name
        raise ServiceError(ErrorCode.BAD_REQUEST, f"unknown channel {channel!r}")

    # ---- admission with a reason ------------------------------------------------------------
    def queue_pm(
        self, channel: str, user: str, text: str, priority: Priority = Priority.REPLY, *, unsolicited: bool = False
    ) -> QueuedResult:
        name = self.channel_name(channel)
        if self._config().is_ignored(user):
            return self._result(Admission(False, reason="ignored"))
        text = self._personalise.pm_text(name, user, text)
        return self._result(self._outbox.pm(name, user, text, priority, unsolicited=unsolicited))

    def render(self, channel: str, template: str, context: Mapping[str, Any]) -> Rendered:
        """``template`` rendered for public chat, with the titles of the users it names (personalise.py)."""
        name = self.channel_name(channel)
        return render(self._config(), name, template, self._personalise.announcement_context(name, context))

    def queue_announcement(self, channel: str, template: str, context: Mapping[str, Any]) -> QueuedResult:
        name = self.channel_name(channel)
        rendered = self.render(name, template, context)
        if rendered.text is None:
            return self._result(Admission(False, reason=rendered.reason))
        return self._result(self._outbox.public(name, rendered.text, Priority.ANNOUNCE, dedup=True, batch=True))

    def queue_say(
        self, channel: str, text: str, priority: Priority = Priority.ANNOUNCE, *, dedup: bool = True
    ) -> QueuedResult:
        """Raw public text: no template and no batch hold; dedup only if asked; always paced and capped."""
        name = self.channel_name(channel)
        return self._result(self._outbox.public(name, text, priority, dedup=dedup, batch=False))

    def _result(self, admission: Admission) -> QueuedResult:
        if not admission.queued:
            self._metrics.drop(admission.reason)
        self._metrics.drop("evicted", admission.evicted)
        self._metrics.observe_depth(self._outbox)
        if admission.queued:
            self._wake()
        return QueuedResult(queued=admission.queued, chunks=admission.chunks, reason=admission.reason)

    # ---- the economy_shared.voice.Voice surface ---------------------------------------------
    async def reply(self, channel: str, user: str, text: str) -> bool:
        return self.queue_pm(channel, user, text, Priority.REPLY).queued

    async def notify(self, channel: str, user: str, text: str) -> bool:
        return self.queue_pm(channel, user, text, Priority.NOTIFY, unsolicited=True).queued

    async def announce(self, channel: str, template: str, **context: Any) -> bool:
        return self.queue_announcement(channel, template, context).queued

    async def say(self, channel: str, text: str, priority: PriorityName = "announce", dedup: bool = True) -> bool:
        return self.queue_say(channel, text, priority_of(priority), dedup=dedup).queued
