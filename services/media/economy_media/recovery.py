"""Finish queue requests whose charge, robot answer or refund is unconfirmed (a lost answer, a crash).

At start-up every such request is stale (nothing of this process works on it), so a request caught by
SIGKILL between its charge and the robot's answer ends completed or refunded exactly once:

- ``charging``: the charge is re-sent with its key and body (the ledger replays it if it applied), then
  the request goes on as it would have (approval, or onto the playlist);
- ``adding``: the robot's answer is lost; the item counts as queued only if the robot's playlist
  state shows it, otherwise the charge is refunded;
- ``refunding``: the refund is re-sent with its key and body.

Afterwards the service runs a pass every ``poll_seconds`` for requests left over by a slow ledger. The
user hears the final outcome by PM.
"""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger
from economy_shared.voice import Voice

from . import texts
from .fulfilment import Fulfilment, result_of
from .metrics import MediaMetrics
from .store import RequestStore

log = get_logger("economy.media.recovery")

# A request not touched for this long, and not worked on by this process, is picked up by the pass.
STALE_SECONDS = 30.0
_FINAL = ("completed", "awaiting_approval", "refunded", "void")


class Recovery:
    def __init__(self, *, store: RequestStore, fulfilment: Fulfilment, voice: Voice,
                 config: Callable[[], EconomyConfig], clock: Clock, metrics: MediaMetrics,
                 channels: ChannelDirectory) -> None:
        self._store = store
        self._fulfilment = fulfilment
        self._voice = voice
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._channels = channels

    async def resolve_due(self, stale_before_ms: int | None = None) -> int:
        """One pass; returns how many requests it brought to a final state."""
        now_ms = to_ms(self._clock.now())
        before = stale_before_ms if stale_before_ms is not None else now_ms - int(STALE_SECONDS * 1000)
        done = 0
        for req in await self._store.in_flight(before):
            async with self._fulfilment.working(req.id) as mine:
                if not mine:
                    continue
                try:
                    after = await self._fulfilment.finish(req)
                except Exception:
                    log.exception("recovery_step_failed", request=req.id)
                    continue
            if after.status in _FINAL and after.status != req.status:
                done += 1
                log.info("request_recovered", request=req.id, was=req.status, now=after.status)
                text = texts.later(self._config(), result_of(after))
                await self._voice.notify(self._channels.display(after.channel), after.display, text)
        await self.update_gauges()
        return done

    async def update_gauges(self) -> None:
        counts = await self._store.open_counts()
        self._metrics.open_requests.labels("pending").set(counts.get("charging", 0) + counts.get("adding", 0))
        self._metrics.open_requests.labels("awaiting_approval").set(counts.get("awaiting_approval", 0))
        self._metrics.open_requests.labels("refunding").set(counts.get("refunding", 0))
