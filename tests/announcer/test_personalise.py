"""Vanity personalisation (personalise.py): personal currency names in PMs, titles in announcements."""

from __future__ import annotations

from pathlib import Path

import pytest
from announcer_kit import CHANNEL, announcer_config
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from economy_announcer.metrics import AnnouncerMetrics
from economy_announcer.outbox import Outbox
from economy_announcer.personalise import Personaliser, rename_currency
from economy_announcer.service import policy_of
from economy_announcer.voice import LocalVoice
from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig
from economy_shared.config.vanity import CustomTitleItem
from economy_shared.schemas.announcer import Priority
from economy_shared.users import user_key


class FakeVanity:
    def __init__(self, rows: dict[tuple[str, str], str]) -> None:
        self.rows = {(user_key(u), item): v for (u, item), v in rows.items()}
        self.reads = 0

    def item(self, channel: str, user: str, item: str) -> str | None:
        self.reads += 1
        return self.rows.get((user_key(user), item))


ROWS = {("Bob", "currency_name"): "Bobux", ("Bob", "title"): "Scream Queen", ("Amy", "title"): "/kick Bob"}


class Kit:
    def __init__(self, config: EconomyConfig, clock: FakeClock, rows: dict[tuple[str, str], str] = ROWS) -> None:
        self.config = config
        self.vanity = FakeVanity(rows)
        self.outbox = Outbox(lambda: policy_of(config), clock)
        self.voice = LocalVoice(self.outbox, lambda: config, AnnouncerMetrics(CollectorRegistry()), lambda: None,
                                Personaliser(self.vanity, lambda: config))

    def sent(self) -> list[tuple[str | None, str]]:
        return [(line.user, line.text) for line in self.outbox.pop_all()]


@pytest.fixture
def kit(tmp_path: Path, fake_clock: FakeClock) -> Kit:
    return Kit(announcer_config(tmp_path), fake_clock)


def test_a_pm_uses_the_recipients_currency_name(kit: Kit) -> None:
    assert kit.voice.queue_pm(CHANNEL, "bob", "💰 Balance: 10 Z (Z-Coins)").queued
    assert kit.voice.queue_pm(CHANNEL, "Amy", "💰 Balance: 10 Z (Z-Coins)").queued
    assert kit.sent() == [("bob", "💰 Balance: 10 Z (Bobux)"), ("Amy", "💰 Balance: 10 Z (Z-Coins)")]


def test_notifications_are_personalised_too(kit: Kit) -> None:
    assert kit.voice.queue_pm(CHANNEL, "Bob", "You got 1 Z-Coin!", Priority.NOTIFY, unsolicited=True).queued
    assert kit.sent() == [("Bob", "You got 1 Bobux!")]


def test_public_lines_are_never_personalised(kit: Kit) -> None:
    assert kit.voice.queue_say(CHANNEL, "Bob has 10 Z-Coins").queued
    assert kit.voice.queue_announcement(CHANNEL, "rain", {"user": "Amy", "count": 3, "amount": 5, "total": 15}).queued
    texts = [text for _, text in kit.sent()]
    assert texts == ["Bob has 10 Z-Coins", "☔ Rain! 3 users just got free Z-Coins."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 Z-Coins and 1 Z-Coin.", "10 Bobux and 1 Bobux."),
        ("Z-Coins: 10", "Bobux: 10"),
        ("z-coins stay (case-sensitive)", "z-coins stay (case-sensitive)"),
        ("Z-Coinsy and XZ-Coins are other words", "Z-Coinsy and XZ-Coins are other words"),
        ("Z stays Z", "Z stays Z"),
    ],
)
def test_whole_words_only(text: str, expected: str) -> None:
    assert rename_currency(text, "Bobux", "Z-Coins", "Z-Coin") == expected


def test_a_personal_name_is_never_read_as_a_pattern() -> None:
    assert rename_currency("5 Z-Coins", r"\1 $0 \g<0>", "Z-Coins", "Z-Coin") == r"5 \1 $0 \g<0>"


def test_an_announcement_shows_the_users_title(kit: Kit) -> None:
    assert kit.voice.queue_announcement(CHANNEL, "rank_up", {"user": "Bob", "rank": "Gaffer"}).queued
    assert kit.sent() == [(None, "⭐ Bob «Scream Queen» is now a Gaffer!")]


def test_winner_and_loser_show_titles_and_titles_are_cleaned(kit: Kit) -> None:
    ctx = {"winner": "bob", "loser": "Amy", "wager": 10, "amount": 20, "rake": 0}
    assert kit.voice.queue_announcement(CHANNEL, "challenge_result", ctx).queued
    assert kit.sent() == [(None, "⚔️ bob «Scream Queen» beat Amy «kick Bob» and took 20 Z!")]


def test_users_without_a_title_are_unchanged(kit: Kit) -> None:
    assert kit.voice.queue_announcement(CHANNEL, "rank_up", {"user": "Cat", "rank": "Gaffer"}).queued
    assert kit.sent() == [(None, "⭐ Cat is now a Gaffer!")]


def test_the_title_format_is_configurable(tmp_path: Path, fake_clock: FakeClock) -> None:
    config = announcer_config(tmp_path)
    shop = config.vanity_shop.model_copy(
        update={"custom_title": CustomTitleItem(format="{title} {user}", max_length=6)}
    )
    kit = Kit(config.model_copy(update={"vanity_shop": shop}), fake_clock)
    assert kit.voice.queue_announcement(CHANNEL, "rank_up", {"user": "Bob", "rank": "Gaffer"}).queued
    assert kit.sent() == [(None, "⭐ Screa… Bob is now a Gaffer!")]  # capped at the title's max_length


@pytest.mark.parametrize("fmt", ["{user}", "{title}", "{user} {who}", "{user.x} {title}", ""])
def test_a_bad_title_format_is_a_config_error(fmt: str) -> None:
    with pytest.raises(ValidationError):
        CustomTitleItem(format=fmt)


def test_lookups_are_one_read_per_pm(kit: Kit) -> None:
    kit.voice.queue_pm(CHANNEL, "Amy", "hello")
    assert kit.vanity.reads == 1
