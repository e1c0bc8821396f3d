"""Pure media rules: price tiers, discount rounding, blackout windows, allowance, cooldown, item mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from economy_media.items import CatalogItem, cytube_media, item_from, items_from_search
from economy_media.limits import allowance, blackout_at, cooldown_left_seconds, minutes_up
from economy_media.pricing import discounted, quote
from economy_media.robot import Added, read_add_reply
from economy_media.texts import duration
from economy_shared.clock import to_ms
from economy_shared.config.spending import MediaCmsSettings, SpendingSettings
from tests.helpers import make_config

WED_20 = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)  # a Wednesday


# ---- tiers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("seconds", "cost", "tier"), [
    (0, 250, "Short / Music Video"),
    (900, 250, "Short / Music Video"),  # exactly 15 min is still the first tier
    (901, 500, "30-min Episode"),
    (35 * 60, 500, "30-min Episode"),
    (65 * 60, 750, "60-min Episode"),
    (65 * 60 + 1, 1000, "Movie"),
    (999 * 60 + 1, 1000, "Movie"),  # longer than every tier: the last one
])
def test_queue_price_follows_the_duration_tiers(seconds: int, cost: int, tier: str) -> None:
    q = quote(SpendingSettings(), "queue", seconds, 0)
    assert (q.cost, q.base_cost, q.tier) == (cost, cost, tier)


def test_playnext_and_forcenow_have_fixed_prices_whatever_the_length() -> None:
    s = SpendingSettings()
    assert quote(s, "playnext", 60, 0).cost == 10_000
    assert quote(s, "playnext", 7200, 0).cost == 10_000
    assert quote(s, "forcenow", 60, 10).cost == 90_000


# ---- discount ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("base", "percent", "cost"), [
    (250, 0, 250),
    (250, 2, 245),
    (999, 15, 849),  # 849.15 rounds down: the user's favour
    (10, 2, 9),  # 9.8 → 9 (the plan's fortune example)
    (1, 90, 1),  # never free: 0.1 → at least 1
    (3, 50, 1),  # 1.5 → 1
    (100_000, 20, 80_000),
    (0, 20, 0),  # a tier priced 0 stays free
])
def test_discount_rounds_down_but_never_to_free(base: int, percent: int, cost: int) -> None:
    assert discounted(base, percent) == cost


def test_discounted_quote_keeps_the_base_price() -> None:
    q = quote(SpendingSettings(), "queue", 120, 4)
    assert (q.base_cost, q.discount_percent, q.cost) == (250, 4, 240)


# ---- blackout windows ----------------------------------------------------------------------------
def _spending(tmp_path: Path) -> SpendingSettings:
    windows = [{"name": "Weird Wednesday", "cron": "0 20 * * 3", "duration_hours": 4},
               {"name": "Weekend Marathon", "cron": "0 12 * * 6", "duration_hours": 24}]
    return make_config(tmp_path, spending={"blackout_windows": windows}).spending


def test_blackout_starts_at_the_exact_start_instant(tmp_path: Path) -> None:
    s = _spending(tmp_path)
    hit = blackout_at(s, WED_20)  # croniter's get_prev alone would call this instant "outside"
    assert hit is not None and hit.name == "Weird Wednesday"
    assert hit.ends == WED_20 + timedelta(hours=4)
    assert blackout_at(s, WED_20 - timedelta(microseconds=1)) is None


def test_blackout_ends_exactly_at_its_end(tmp_path: Path) -> None:
    s = _spending(tmp_path)
    end = WED_20 + timedelta(hours=4)
    assert blackout_at(s, end - timedelta(seconds=1)) is not None
    assert blackout_at(s, end) is None


def test_blackout_windows_are_matched_by_their_own_cron(tmp_path: Path) -> None:
    s = _spending(tmp_path)
    saturday_noon = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    hit = blackout_at(s, saturday_noon + timedelta(hours=23, minutes=59))
    assert hit is not None and hit.name == "Weekend Marathon"
    assert blackout_at(s, saturday_noon + timedelta(hours=24)) is None
    assert blackout_at(s, datetime(2026, 3, 5, 12, 0, tzinfo=UTC)) is None  # a Thursday noon
    assert blackout_at(SpendingSettings(), WED_20) is None  # no windows configured


# ---- allowance and cooldown ----------------------------------------------------------------------
def test_allowance_adds_the_rank_extra_queues() -> None:
    s = SpendingSettings(max_queues_per_day=3)
    assert allowance(s, 0) == 3
    assert allowance(s, 2) == 5
    assert allowance(s, -1) == 3  # a bad perk answer never takes queues away


def test_cooldown_left_rounds_up_and_ends_exactly() -> None:
    s = SpendingSettings(queue_cooldown_minutes=30)
    start = to_ms(WED_20)
    assert cooldown_left_seconds(s, None, start) == 0
    assert cooldown_left_seconds(s, start, start) == 1800
    assert cooldown_left_seconds(s, start, start + 1) == 1800  # 1799.999 s rounds up
    assert cooldown_left_seconds(s, start, start + 1_799_000) == 1
    assert cooldown_left_seconds(s, start, start + 1_800_000) == 0
    assert cooldown_left_seconds(SpendingSettings(queue_cooldown_minutes=0), start, start) == 0


def test_minutes_shown_round_up_without_overstating() -> None:
    assert [minutes_up(s) for s in (1, 59, 60, 61, 1800)] == [1, 1, 1, 2, 30]


# ---- catalog items -------------------------------------------------------------------------------
def test_upstream_search_page_and_bare_list_and_empty_answer() -> None:
    row = {"friendly_token": "abc", "title": "Hello", "duration": 61.7, "media_type": "video"}
    page = {"count": 1, "next": None, "previous": None, "results": [row, {"title": "no token"}]}
    assert items_from_search(page, 10) == [CatalogItem("abc", "Hello", 61, "video")]
    assert items_from_search([row, row], 1) == [CatalogItem("abc", "Hello", 61, "video")]
    assert items_from_search({}, 10) == []  # upstream answers {} for an empty query
    assert items_from_search({"detail": "x"}, 10) is None
    assert items_from_search("nope", 10) is None


def test_detail_has_no_friendly_token_so_the_requested_id_is_kept() -> None:
    item = item_from({"title": "", "duration": None, "media_type": "audio"}, requested_id="Tok9")
    assert item == CatalogItem("Tok9", "Untitled", 0, "audio")


def test_item_becomes_a_custom_manifest_by_default() -> None:
    settings = MediaCmsSettings(base_url="https://media.example.org/sub")
    kind, url = cytube_media(CatalogItem("Tok9", "T", 60, "video"), settings) or ("", "")
    assert kind == "cm"
    assert url == "https://media.example.org/sub/api/v1/media/cytube/Tok9.json?format=json"


def test_item_fields_mode_needs_a_real_cytube_type() -> None:
    settings = MediaCmsSettings(base_url="https://m.example/", add_as="fields")
    assert cytube_media(CatalogItem("a", "T", 60, "yt", "dQw4w9WgXcQ"), settings) == ("yt", "dQw4w9WgXcQ")
    assert cytube_media(CatalogItem("a", "T", 60, "fi"), settings) == ("fi", "a")  # media_id falls back to the id
    assert cytube_media(CatalogItem("a", "T", 60, "video"), settings) is None  # upstream's type is not a code
    assert cytube_media(CatalogItem("a", "T", 60, "pdf"), settings) is None
    assert cytube_media(CatalogItem("a", "T", 60, ""), settings) is None  # no "yt" guess (sprint 5 §14.7)


def test_manifest_url_must_name_the_id() -> None:
    with pytest.raises(ValueError, match="id"):
        MediaCmsSettings(manifest_url="{base_url}static/manifest.json")
    with pytest.raises(ValueError, match="placeholder"):
        MediaCmsSettings(manifest_url="{base_url}{token}.json")


# ---- robot answers -------------------------------------------------------------------------------
def test_robot_answers_are_read_from_the_envelope() -> None:
    ok = read_add_reply({"service": "robot", "command": "addvideo", "success": True,
                         "data": {"success": True, "uid": 101}})
    assert (ok.status, ok.uid) == (Added.ADDED, 101)
    unconfirmed = read_add_reply({"success": True, "data": {"success": True, "uid": None}})
    assert (unconfirmed.status, unconfirmed.uid) == (Added.ADDED, None)
    fail = read_add_reply({"success": True, "data": {"success": False, "error": "Video not found",
                                                     "queue_fail": {"msg": "Video not found"}}})
    assert (fail.status, fail.error) == (Added.REFUSED, "Video not found")
    assert read_add_reply({"service": "robot", "success": False, "error": "commands disabled"}).status \
        is Added.REFUSED
    assert read_add_reply({"error": "Internal error"}).status is Added.UNKNOWN
    assert read_add_reply("garbage").status is Added.UNKNOWN
    assert read_add_reply({"success": True, "uid": 7}).status is Added.ADDED  # kryten-py's own flat mock shape


def test_durations_read_like_the_plan() -> None:
    assert [duration(s) for s in (0, 45, 60, 725, 3600, 6660)] == ["0s", "45s", "1m 00s", "12m 05s", "1h 00m",
                                                                     "1h 51m"]
