"""``announcer.arrival`` on the announcer's request subject: presence reports a genuine arrival and the
greeter decides whether to greet (greeter.py). ``greeted: false`` with a reason is a normal answer;
an unknown channel is ``bad_request``.
"""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.vanity import ArrivalRequest, ArrivalResult

from .greeter import Greeter


def register(router: RequestRouter, greeter: Greeter, channel_name: Callable[[str], str]) -> None:

    @router.route(ArrivalRequest)
    async def arrival(req: ArrivalRequest) -> ArrivalResult:
        return greeter.on_arrival(channel_name(req.channel), req.user, req.absent_seconds)
