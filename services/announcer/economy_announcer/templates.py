"""Public announcement templates: gates, safe rendering and sanitised values.

A template that cannot be rendered never crashes anything (the original crashed the rain on a
``KeyError 'user'``): the configured text is tried, then the built-in default, and if both lack a
value the announcement is skipped with ``render_failed`` and a warning naming what was missing.
Values callers pass may come from users (greetings, shoutouts, titles, bounty descriptions), so
each goes through the shared ``public_text`` sanitiser before it is repeated in public (DECISIONS 20);
the outbox then cleans every line of the rendered text again (an operator's template too).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.config.announcements import DEFAULT_TEMPLATES
from economy_shared.runtime.logging import get_logger
from economy_shared.sanitize import public_text

MAX_VALUE_LENGTH = 200

log = get_logger("economy.announcer.templates")


@dataclass(frozen=True)
class Rendered:
    text: str | None
    reason: str = ""  # why there is no text: disabled, no_template, below_threshold, render_failed


def clean_value(value: Any) -> Any:
    """A context value as it may appear in public: numbers kept (for formatting), text sanitised."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple | set):
        return public_text(", ".join(str(v) for v in value), MAX_VALUE_LENGTH)
    return public_text(str(value), MAX_VALUE_LENGTH)


class _SafeFormatter(string.Formatter):
    """Named fields only; ints get thousands separators; a format spec that does not fit is ignored."""

    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, int):
            raise KeyError(key)
        return kwargs[key]

    def format_field(self, value: Any, format_spec: str) -> str:
        if not format_spec:
            if isinstance(value, int) and not isinstance(value, bool):
                return f"{value:,}"
            if isinstance(value, float):
                return f"{value:,.2f}".rstrip("0").rstrip(".")
        try:
            return format(value, format_spec)
        except (ValueError, TypeError):
            return str(value)


_FORMATTER = _SafeFormatter()


def _amount(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").replace("_", "").strip())
        except ValueError:
            return None
    return None


def common_context(config: EconomyConfig, channel: str) -> dict[str, Any]:
    c = config.currency
    return {"currency": c.name, "currency_plural": c.plural, "symbol": c.symbol, "channel": channel}


def _try(template: str, values: Mapping[str, Any]) -> tuple[str | None, str]:
    try:
        return _FORMATTER.vformat(template, (), values), ""
    except KeyError as err:
        return None, f"missing {{{err.args[0]}}}"
    except (IndexError, AttributeError, ValueError, TypeError) as err:
        return None, f"{type(err).__name__}: {err}"


def render(config: EconomyConfig, channel: str, name: str, context: Mapping[str, Any]) -> Rendered:
    """Apply the gates of ``announcements`` and render template ``name`` with ``context``."""
    settings = config.announcements
    if not settings.enabled:
        return Rendered(None, "disabled")
    template = settings.templates.get(name)
    if template is None:
        log.warning("announcement_template_unknown", template=name)
        return Rendered(None, "no_template")
    gate = settings.gate(name)
    if not gate.enabled or not template.strip():
        return Rendered(None, "disabled")
    amount = _amount(context.get("amount"))
    if gate.min_amount and (amount is None or amount < gate.min_amount):
        return Rendered(None, "below_threshold")
    values = {**common_context(config, channel), **{k: clean_value(v) for k, v in context.items()}}
    text, problem = _try(template, values)
    if text is None:
        fallback = DEFAULT_TEMPLATES.get(name)
        log.warning("announcement_template_failed", template=name, problem=problem, fallback=bool(fallback))
        if fallback and fallback != template:
            text, problem = _try(fallback, values)
    if text is None or not text.strip():
        log.warning("announcement_skipped", template=name, problem=problem or "empty")
        return Rendered(None, "render_failed")
    return Rendered(text.strip())
