"""Template rendering: gates, thresholds, safe rendering of bad or missing placeholders, sanitising."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from announcer_kit import CHANNEL, announcer_config

from economy_announcer.templates import clean_value, render
from economy_shared.config import ConfigError
from economy_shared.config.announcements import DEFAULT_TEMPLATES, TEMPLATE_FIELDS, AnnouncementsSettings
from economy_shared.config.loader import parse_config


def test_every_default_template_renders_with_its_documented_fields(tmp_path: Path) -> None:
    cfg = announcer_config(tmp_path)
    assert set(DEFAULT_TEMPLATES) == set(TEMPLATE_FIELDS)
    for name, fields in TEMPLATE_FIELDS.items():
        out = render(cfg, CHANNEL, name, {f: 7 for f in fields})
        assert out.text and "{" not in out.text, name


def test_variables_and_common_fields_are_substituted(tmp_path: Path) -> None:
    template = "🎰 {user} won {amount} {symbol} ({currency_plural}) in {channel}"
    cfg = announcer_config(tmp_path, templates={"jackpot": template})
    out = render(cfg, CHANNEL, "jackpot", {"user": "alice", "amount": 12500})
    assert out.text == "🎰 alice won 12,500 Z (Z-Coins) in testchan"


def test_format_specs_work_and_a_bad_one_does_not_crash(tmp_path: Path) -> None:
    cfg = announcer_config(tmp_path, templates={"jackpot": "{user} won {amount:>6} / {wager:,}"})
    assert render(cfg, CHANNEL, "jackpot", {"user": "a", "amount": 5, "wager": "1,000"}).text == "a won      5 / 1,000"


def test_floats_read_naturally(tmp_path: Path) -> None:
    cfg = announcer_config(tmp_path, templates={"event_start": "🎉 {name}: {multiplier}× for {hours} hours!"})
    out = render(cfg, CHANNEL, "event_start", {"name": "Movie Night", "multiplier": 2.0, "hours": 1.5,
                                                "duration": "1 hour 30 minutes", "by": ""})
    assert out.text == "🎉 Movie Night: 2× for 1.5 hours!"
    default = render(announcer_config(tmp_path), CHANNEL, "event_start",
                     {"name": "Movie Night", "multiplier": 2.0, "hours": 1.5, "duration": "1 hour 30 minutes"})
    assert default.text == "🎉 Movie Night has started: 2× earning for 1 hour 30 minutes!"


def test_unknown_template_is_not_announced(tmp_path: Path) -> None:
    out = render(announcer_config(tmp_path), CHANNEL, "no_such_thing", {})
    assert (out.text, out.reason) == (None, "no_template")


def test_gate_off_and_empty_template_disable_one_announcement(tmp_path: Path) -> None:
    cfg = announcer_config(tmp_path, gates=[{"template": "rank_up", "enabled": False}], templates={"rain": ""})
    assert render(cfg, CHANNEL, "rank_up", {"user": "a", "rank": "Grip"}).reason == "disabled"
    assert render(cfg, CHANNEL, "rain", {"count": 3}).reason == "disabled"
    assert render(cfg, CHANNEL, "achievement", {"user": "a", "achievement": "x"}).text


def test_master_switch_disables_every_template(tmp_path: Path) -> None:
    cfg = announcer_config(tmp_path, enabled=False)
    assert render(cfg, CHANNEL, "rank_up", {"user": "a", "rank": "Grip"}).reason == "disabled"


@pytest.mark.parametrize(
    ("amount", "announced"), [(499, False), (500, True), ("1,000", True), (None, False), ("lots", False)]
)
def test_min_amount_gate(tmp_path: Path, amount: object, announced: bool) -> None:
    cfg = announcer_config(tmp_path, gates=[{"template": "jackpot", "min_amount": 500}])
    context = {"user": "alice"} if amount is None else {"user": "alice", "amount": amount}
    out = render(cfg, CHANNEL, "jackpot", context)
    assert (out.text is not None) == announced
    if not announced:
        assert out.reason == "below_threshold"


def test_missing_placeholder_falls_back_to_the_default_template(tmp_path: Path) -> None:
    cfg = announcer_config(tmp_path, templates={"jackpot": "🎰 {user} hit {slots} for {amount}!"})
    out = render(cfg, CHANNEL, "jackpot", {"user": "alice", "amount": 600})  # the caller sent no slots
    assert out.text == "🎰 JACKPOT! alice just won 600 Z!"


def test_missing_placeholder_everywhere_skips_without_crashing(tmp_path: Path) -> None:
    out = render(announcer_config(tmp_path), CHANNEL, "rain", {})  # the original crashed here (KeyError)
    assert (out.text, out.reason) == (None, "render_failed")


def test_user_text_is_sanitised_before_it_goes_public(tmp_path: Path) -> None:
    cfg = announcer_config(tmp_path)
    out = render(cfg, CHANNEL, "shoutout", {"user": "alice", "message": "/kick   bob\x00\nnow " + "z" * 500})
    assert out.text is not None
    assert out.text.startswith("📢 alice: kick bob now zz")
    assert "\x00" not in out.text and "\n" not in out.text
    assert len(out.text) < 240
    assert clean_value("//  /me") == "me"
    assert clean_value(["/ban a", "b"]) == "ban a, b"
    assert clean_value(1234) == 1234 and clean_value(None) == ""


def test_invisible_and_bidi_characters_never_reach_chat(tmp_path: Path) -> None:
    """A zero-width space before '/' or a right-to-left override must not smuggle anything through."""
    cfg = announcer_config(tmp_path)
    out = render(cfg, CHANNEL, "shoutout", {"user": "\u200b/alice", "message": "hi \u202eevil\u2066"})
    assert out.text == "📢 alice: hi evil"


def test_lists_render_as_names(tmp_path: Path) -> None:
    context = {"crew": ["a", "b"], "count": 2, "amount": 900}
    out = render(announcer_config(tmp_path), CHANNEL, "heist_success", context)
    assert out.text == "💰 The heist worked! a, b got away with 900 Z."


def test_operator_templates_merge_over_the_defaults(tmp_path: Path) -> None:
    cfg = announcer_config(tmp_path, templates={"rank_up": "{user} ⇒ {rank}", "custom_thing": "hello {who}"})
    assert cfg.announcements.templates["rank_up"] == "{user} ⇒ {rank}"
    assert cfg.announcements.templates["jackpot"] == DEFAULT_TEMPLATES["jackpot"]
    assert render(cfg, CHANNEL, "custom_thing", {"who": "world"}).text == "hello world"


@pytest.mark.parametrize(
    "announcements",
    [
        {"templates": {"rank_up": "{user} is {rnak}"}},  # typo in a known placeholder
        {"templates": {"rank_up": "{0} is {1}"}},  # positional
        {"templates": {"rank_up": "{user.name}"}},  # attribute access
        {"templates": {"rank_up": "{user"}},  # unbalanced
        {"gates": [{"template": "jakpot", "min_amount": 5}]},  # gate for no template
        {"gates": [{"template": "rain"}, {"template": "rain", "enabled": False}]},  # two gates
        {"pace_seconds": -1},
        {"public_cap_per_minute": 0},
    ],
)
def test_bad_announcements_config_fails_at_load(announcements: dict) -> None:
    with pytest.raises(ConfigError):
        parse_config({"channels": [{"domain": "d", "channel": "c"}], "announcements": announcements})


def test_example_yaml_documents_every_announcements_key_with_its_default() -> None:
    example = Path(__file__).resolve().parents[2] / "config" / "economy.example.yaml"
    if not example.exists():
        pytest.skip("config/economy.example.yaml not written yet")
    raw = yaml.safe_load(example.read_text(encoding="utf-8"))
    documented = raw["announcements"]
    defaults = AnnouncementsSettings()
    assert set(documented) == set(AnnouncementsSettings.model_fields)
    assert documented["templates"] == DEFAULT_TEMPLATES
    for key in set(documented) - {"templates", "gates"}:
        assert documented[key] == getattr(defaults, key), key
