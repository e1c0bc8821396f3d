"""Safe ``str.format``: a template with an unknown or malformed placeholder never raises."""

from __future__ import annotations

import string
from typing import Any


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def safe_format(template: str, **context: Any) -> str:
    try:
        return string.Formatter().vformat(template, (), _Lenient(context))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template
