"""Channel names: the key every store and idempotency key uses, and the spelling the robot needs.

The robot and kryten-py compare a channel's name exactly (case included), so anything sent back to
CyTube or the announcer uses the configured spelling; everything stored or keyed uses the case-folded
form. Both come from here, once.
"""

from __future__ import annotations

from collections.abc import Iterable


def channel_key(channel: str) -> str:
    """The identity of a channel in databases and idempotency keys (``MyChan`` and ``mychan`` agree)."""
    return channel.strip().casefold()


class ChannelDirectory:
    """The configured channels, looked up by any spelling."""

    def __init__(self, configured: Iterable[str]) -> None:
        self._by_key = {channel_key(c): c for c in configured}

    def __contains__(self, channel: object) -> bool:
        return isinstance(channel, str) and channel_key(channel) in self._by_key

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def display(self, channel: str) -> str:
        """The channel as configured; an unknown channel comes back as given."""
        return self._by_key.get(channel_key(channel), channel)

    def known(self, channel: str) -> str | None:
        """The configured spelling, or None when the channel is not one of ours."""
        return self._by_key.get(channel_key(channel))
