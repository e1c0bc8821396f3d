"""The one callable the games need from the service's runtime: run a coroutine as a background task.

Public announcements are spawned rather than awaited, so a slow announcer never holds a game's reply.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

Spawn = Callable[[Coroutine[Any, Any, Any]], Any]
