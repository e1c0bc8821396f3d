"""Announcer service wiring: storage, outbox, sender loop, request routes, PM commands, metrics."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, day_str
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.ledger_client import LedgerClient
from economy_shared.rank_perks import RankPerks
from economy_shared.runtime.service import EconomyService

from . import (
    api,
    approval_api,
    approval_commands,
    commands,
    greeting_api,
    shop_api,
    shop_commands,
    vanity_import_api,
)
from .approval_store import ApprovalStore
from .approvals import GifApprovals, GifRefundRetry
from .chat_colours import ChatColourPass, ChatColours
from .greeter import Greeter
from .metrics import AnnouncerMetrics
from .outbox import Outbox, Policy
from .personalise import Personaliser, VanityLookup
from .purchases import PurchaseRecovery, Purchases
from .sender import Sender
from .shop import VanityShop
from .store import MIGRATIONS, AnnouncerStore
from .vanity_import import VanityImport
from .vanity_import_store import VanityImportStore
from .vanity_store import VanityStore
from .voice import LocalVoice


def policy_of(config: EconomyConfig) -> Policy:
    a = config.announcements
    return Policy(
        pace_seconds=a.pace_seconds,
        dedup_window_seconds=a.dedup_window_seconds,
        public_cap_per_minute=a.public_cap_per_minute,
        batch_window_seconds=a.batch_window_seconds,
        batch_separator=a.batch_separator,
        max_length=config.commands.max_message_length,
        max_queue=a.max_queue,
    )


class AnnouncerService(EconomyService):
    """``autosend=False`` leaves the sender loop off; tests then call ``drain_once()``/``flush()``."""

    name = "announcer"

    def __init__(self, config: EconomyConfig, client: Any, clock: Clock | None = None, *, autosend: bool = True):
        super().__init__(config, client, clock)
        self.autosend = autosend
        self._sender_task: asyncio.Task[None] | None = None

    async def setup(self) -> None:
        self.database = Database(self.db_path(), MIGRATIONS, busy_timeout_ms=self.config.database.busy_timeout_ms)
        await self.database.open()
        self.store = AnnouncerStore(self.database)
        await self.store.load()
        self.announcer_metrics = AnnouncerMetrics(self.metrics.registry)
        # Lambdas, not values: a reloaded config applies at once.
        self.outbox = Outbox(lambda: policy_of(self.config), self.clock, self.store.is_quiet)
        self.sender = Sender(self.outbox, self.client, lambda: self.config, self.announcer_metrics,
                             self.clock.real_seconds)
        # vanity read side: the shop's VanityStore (vanity_store.py), all in memory, written through
        self.vanity_store = VanityStore(self.database, lambda: self.config, lambda: day_str(self.clock.now()))
        await self.vanity_store.load()
        self.vanity_lookup: VanityLookup = self.vanity_store
        personalise = Personaliser(self.vanity_lookup, lambda: self.config)
        self.voice = LocalVoice(self.outbox, lambda: self.config, self.announcer_metrics, self.sender.wake,
                                personalise)
        api.register(self.router, self.voice)
        self.greeter = Greeter(self.vanity_lookup, self.voice, lambda: self.config, self.clock,
                               self.announcer_metrics)
        greeting_api.register(self.router, self.greeter, self.voice.channel_name)
        pm = self.enable_pm(voice=self.voice)  # replies go to this service's own outbox
        commands.register(pm, self.store, self.voice, lambda: self.config, self.clock)
        # GIF approvals (approvals.py): PM approve_gif/reject_gif/pending_gifs, announcer.gif_approvals/resolve_gif;
        # the approved GIF is stored through the shop's VanityStore, in the resolve's transaction (memory stays true)
        self.gif_approvals = GifApprovals(
            store=ApprovalStore(self.database), ledger=LedgerClient(self.client, retries=1), voice=self.voice,
            config=lambda: self.config, clock=self.clock, channels=ChannelDirectory(self.config.channel_names()),
            vanity=self.vanity_store,
            count=lambda outcome: self.announcer_metrics.gif_approvals.labels(outcome).inc(),
        )
        approval_api.register(self.router, self.gif_approvals)
        approval_commands.register(pm, self.gif_approvals, lambda: self.config)
        self.gif_refunds = GifRefundRetry(self.gif_approvals, self.clock)  # owed refunds: at start, then ~30 s
        # vanity shop (shop.py): PM shop/buy/fortune and announcer.shop/buy/fortune/vanity_get/vanity_list/
        # currency_name; open purchases are finished at start, then every ~30 s (purchases.py)
        channels = ChannelDirectory(self.config.channel_names())
        shop_ledger = LedgerClient(self.client, max(5.0, self.config.nats.request_timeout_seconds))
        # bought chat colours in the channel CSS (chat_colours.py): a managed block, synced in the background
        # after a colour purchase and a reload; unreadable CSS is retried at start, then every ~5 min
        self.chat_colours = ChatColours(
            client=self.client, owners=self.vanity_store, config=lambda: self.config, channels=channels,
            count=lambda outcome: self.announcer_metrics.chat_colour_css.labels(outcome).inc(), spawn=self.spawn)
        self.chat_colour_pass = ChatColourPass(self.chat_colours, self.clock)
        self.purchases = Purchases(
            store=self.vanity_store, ledger=shop_ledger, voice=self.voice, config=lambda: self.config,
            clock=self.clock, metrics=self.announcer_metrics, channels=channels,
            after_applied=self.chat_colours.after_purchase)
        self.shop = VanityShop(store=self.vanity_store, purchases=self.purchases, perks=RankPerks(self.client),
                               client=self.client, config=lambda: self.config, clock=self.clock,
                               metrics=self.announcer_metrics, channels=channels)
        shop_api.register(self.router, self.shop)
        shop_commands.register(pm, self.shop, lambda: self.config)
        self.purchase_recovery = PurchaseRecovery(self.purchases, self.clock)
        # moving in from the original (issue 14): vanity, pending GIFs and quiet mode; no money moves
        self.vanity_import = VanityImport(
            store=VanityImportStore(self.database), vanity=self.vanity_store, quiet=self.store,
            colours=self.chat_colours, config=lambda: self.config, clock=self.clock, channels=channels)
        vanity_import_api.register(self.router, self.vanity_import)

    async def start(self) -> None:
        await self.gif_refunds.start()
        await self.purchase_recovery.start()
        await self.chat_colour_pass.start()
        if self.autosend:
            self._sender_task = asyncio.get_running_loop().create_task(self.sender.run(), name="announcer-sender")

    async def stop(self) -> None:
        await self.gif_refunds.stop()
        await self.purchase_recovery.stop()
        await self.chat_colour_pass.stop()
        if self._sender_task is not None:
            self._sender_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender_task
            self._sender_task = None
        left = self.outbox.depth()
        if left:
            self.log.warning("outbox_not_empty_at_stop", lines=left)
        await self.database.close()

    def on_config_changed(self, old: EconomyConfig, new: EconomyConfig) -> None:
        """A reload (DECISIONS 25): the palette or ``apply_css`` may have changed — re-sync the chat colours."""
        super().on_config_changed(old, new)
        try:
            colours = self.chat_colours
        except AttributeError:  # a SIGHUP before setup: nothing built yet
            return
        colours.changed_all()

    async def drain_once(self) -> bool:
        return await self.sender.drain_once()

    async def flush(self) -> int:
        """Send everything queued now (tests and in-process stacks; ignores the pace)."""
        return await self.sender.flush()

    async def health_details(self) -> dict[str, Any]:
        sender_ok = self._sender_task is None or not self._sender_task.done()
        return {
            "status": "healthy" if sender_ok else "degraded",
            "queued": self.outbox.depth(),
            "quiet_users": self.store.quiet_count(),
            # purchases waiting for the ledger (charging / refunding) and GIFs waiting for an admin or a refund
            "open_purchases": await self.vanity_store.open_counts(),
            "gif_approvals": await self.gif_approvals.counts(),
            # channels whose CSS does not show the current chat colours yet (unreadable, refused, or just written)
            "chat_colours_pending": self.chat_colours.dirty(),
        }

