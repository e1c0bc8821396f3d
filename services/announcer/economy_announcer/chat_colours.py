"""Bought chat colours in the channel CSS: one managed block, rewritten through the robot.

``sync(channel)`` reads the channel CSS from the robot's KV (``kryten_<channel>_state`` / ``css``, the
channel spelled as configured), builds the block from every ``color`` owner in the VanityStore (the
palette name looked up in the config now; a name no longer in the palette is left out), merges it
(css_rules.py) and, only if that changes the CSS, sends ``set_channel_css`` (fire-and-forget).

Never wipe the operator's CSS (lessons 19–20): a missing bucket, a missing key, a timeout or a value that
is not text is *unreadable*, not empty — nothing is written and the channel stays dirty. A channel stays
dirty until a read shows the block in place, so a write the robot lost is sent again by the next pass
(``ChatColourPass``: right after start, then every ~5 minutes). A purchase never waits for any of this:
``after_purchase`` schedules the sync in the background, and the colour is owned whatever the CSS does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Literal, Protocol

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.clock import Clock
from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger
from economy_shared.schedule import PeriodicJob
from economy_shared.schemas.vanity import VanityState

from .css_rules import build_block, merge_checked, safe_hex
from .vanity_rules import custom_hex, find_color

log = get_logger("economy.announcer.chat_colours")

PASS_SECONDS = 300.0  # the periodic pass over dirty channels
READ_TIMEOUT = 5.0
MAX_OWNERS = 100_000  # every owner; the size cap in css_rules bounds what is written

Outcome = Literal["written", "unchanged", "unreadable", "refused", "failed", "off"]
_MISSING = object()


class CssClient(Protocol):
    async def kv_get(self, bucket_name: str, key: str, default: Any = None, parse_json: bool = False) -> Any: ...

    async def set_channel_css(self, channel: str, css: str, *, domain: str | None = None) -> str: ...


class ColourOwners(Protocol):
    def owners(self, channel: str, item: str | None, limit: int) -> list[VanityState]: ...


class PurchaseFact(Protocol):
    @property
    def channel(self) -> str: ...

    @property
    def item(self) -> str: ...


def state_bucket(channel: str) -> str:
    """The robot's state bucket (keys ``motd``, ``css``, ``js``); the channel keeps its exact case."""
    return f"kryten_{channel}_state"


def as_text(value: object) -> str | None:
    """The stored CSS as text (kryten-py returns the raw bytes), or None when it is not text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


class ChatColours:
    def __init__(self, *, client: CssClient, owners: ColourOwners, config: Callable[[], EconomyConfig],
                 channels: ChannelDirectory, count: Callable[[str], None],
                 spawn: Callable[[Coroutine[Any, Any, Any]], Any], read_timeout: float = READ_TIMEOUT) -> None:
        self._client = client
        self._owners = owners
        self._config = config
        self._channels = channels
        self._count = count
        self._spawn = spawn
        self._read_timeout = read_timeout
        self._dirty: set[str] = set()  # channel keys whose CSS is not yet seen with the current block
        self._unreadable: set[str] = set()  # channel keys last seen unreadable (logged once per streak)
        self._locks: dict[str, asyncio.Lock] = {}
        self._wanted: dict[str, int] = {}  # per channel: bumped by each change; a running sync runs again
        self._running: set[str] = set()

    def _on(self) -> bool:
        return self._config().vanity_shop.chat_color.apply_css

    def dirty(self) -> list[str]:
        return sorted(self._dirty)

    # ---- what changes the block ------------------------------------------------------------------------
    def after_purchase(self, p: PurchaseFact) -> None:
        """Purchases' hook: a colour was stored. The sync runs in the background (the reply never waits)."""
        if p.item == "color":
            self.changed(p.channel)

    def changed(self, channel: str) -> None:
        """The block of ``channel`` may differ now: mark it dirty and sync it in the background."""
        if not self._on():
            return
        key = channel_key(channel)
        self._dirty.add(key)
        self._wanted[key] = self._wanted.get(key, 0) + 1
        if key in self._running:
            return  # the running sync sees the new wish and goes once more
        self._running.add(key)
        work = self._sync_until_settled(key)
        try:
            self._spawn(work)
        except RuntimeError:  # no running loop (a reload before start): the periodic pass will do it
            work.close()
            self._running.discard(key)

    def changed_all(self) -> None:
        """After a reload (the palette or ``apply_css`` may have changed): every channel."""
        for channel in self._channels:
            self.changed(channel)

    def mark_all_dirty(self) -> None:
        if self._on():
            self._dirty.update(channel_key(c) for c in self._channels)

    async def _sync_until_settled(self, key: str) -> None:
        try:
            while True:
                seen = self._wanted.get(key, 0)
                await self.sync(self._channels.display(key))
                if self._wanted.get(key, 0) == seen:
                    return
        finally:
            self._running.discard(key)

    # ---- the passes --------------------------------------------------------------------------------------
    async def sync_dirty(self) -> dict[str, Outcome]:
        """One pass over the dirty channels (the periodic job)."""
        return {key: await self.sync(self._channels.display(key)) for key in sorted(self._dirty)}

    async def sync(self, channel: str) -> Outcome:
        """Make the channel CSS carry the current block; what happened."""
        if not self._on():
            return "off"
        name = self._channels.display(channel)
        key = channel_key(name)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            outcome = await self._sync(name, key)
        self._count(outcome)
        return outcome

    async def _sync(self, name: str, key: str) -> Outcome:
        current = await self._read(name, key)
        if current is None:
            self._dirty.add(key)
            return "unreadable"
        block = build_block(self.colours(name))
        merged = merge_checked(current, block)
        if merged.css is None:
            self._dirty.add(key)
            log.error("chat_colour_css_refused", channel=name, reason=merged.refusal,
                      hint="fix the markers by hand" if merged.refusal == "markers" else "too many colours")
            return "refused"
        if merged.css == current:
            self._dirty.discard(key)
            return "unchanged"
        try:
            await self._client.set_channel_css(name, merged.css)
        except Exception as err:  # not connected, publish failed: the next pass tries again
            self._dirty.add(key)
            log.warning("chat_colour_css_write_failed", channel=name, error=repr(err))
            return "failed"
        self._dirty.add(key)  # clean once a read shows it in place (a lost fire-and-forget is sent again)
        log.info("chat_colour_css_written", channel=name, length=len(merged.css))
        return "written"

    async def _read(self, name: str, key: str) -> str | None:
        """The channel CSS, or None (logged on the first failure of a streak) when it cannot be known."""
        why = ""
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel (the pass would not stop)
            async with asyncio.timeout(self._read_timeout):
                value = await self._client.kv_get(state_bucket(name), "css", _MISSING)
        except Exception as err:  # a missing bucket raises; so does a timeout
            value, why = _MISSING, repr(err)
        text = None if value is _MISSING else as_text(value)
        if text is None:
            if key not in self._unreadable:
                self._unreadable.add(key)
                log.warning("chat_colour_css_unreadable", channel=name, bucket=state_bucket(name),
                            why=why or ("no css key" if value is _MISSING else f"not text: {type(value).__name__}"))
            return None
        if key in self._unreadable:
            self._unreadable.discard(key)
            log.info("chat_colour_css_readable_again", channel=name)
        return text

    def colours(self, channel: str) -> dict[str, str]:
        """{display name → #RRGGBB} of the channel's colour owners whose colour is still in the palette, or
        who own a custom ``#RRGGBB`` taken over from the original (vanity_import.py)."""
        palette = self._config().vanity_shop.chat_color.palette
        out: dict[str, str] = {}
        for state in self._owners.owners(channel, "color", MAX_OWNERS):
            found = find_color(palette, state.color_name) if state.color_name else None
            code = found.hex if found is not None else custom_hex(state.color_name)  # imported (issue 14)
            if code is not None and safe_hex(code) is not None:
                out[state.user] = code
        return out


class ChatColourPass(PeriodicJob):
    """Retries dirty channels: right after start (in the background), then every ~5 minutes."""

    name = "chat-colour-css"
    catch_up_in_start = False

    def __init__(self, colours: ChatColours, clock: Clock, poll_seconds: float = PASS_SECONDS) -> None:
        super().__init__(clock, poll_seconds)
        self._colours = colours

    async def start(self) -> None:
        self._colours.mark_all_dirty()  # the first pass checks every channel
        await super().start()

    async def run_due(self) -> int:
        return len(await self._colours.sync_dirty())
