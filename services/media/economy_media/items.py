"""Reading MediaCMS answers into catalog items, and turning an item into CyTube's ``add_media(type, id)``.

Upstream shapes (verified against mediacms-io/mediacms, sprint 5 "Reality checks"):

- search ``GET /api/v1/search?q=`` answers a DRF page ``{"count", "next", "previous", "results": [...]}``
  of ``MediaSearchSerializer`` rows (``friendly_token``, ``title``, ``duration`` in seconds,
  ``media_type`` = video/audio/image/pdf …); an empty query answers ``{}``;
- the plan's ``/api/v1/media?search=`` is the same page shape, and a bare list is accepted too;
- detail ``GET /api/v1/media/<friendly_token>`` answers ``SingleMediaSerializer``, which has **no**
  ``friendly_token``: the id asked for is passed through.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from economy_shared.config.spending import MediaCmsSettings

# CyTube's media type codes (calzoneman/sync ``get-info``); upstream MediaCMS types are none of these.
CYTUBE_TYPES = frozenset({
    "yt", "vi", "dm", "sc", "li", "tw", "tc", "rt", "im", "us", "gd", "hl", "fi", "cm", "sb", "cu", "hb",
    "bc", "od", "mx", "pt", "jw",
})


@dataclass(frozen=True)
class CatalogItem:
    id: str  # the catalog id users type (MediaCMS friendly_token)
    title: str
    duration_seconds: int
    media_type: str = ""  # upstream: video / audio / …; the plan: a CyTube code
    media_id: str = ""  # the plan's CyTube media id field (absent upstream)


def _duration(raw: Any) -> int:
    try:
        return max(0, int(float(raw)))
    except (TypeError, ValueError):
        return 0


def _text(raw: Any) -> str:
    return raw.strip() if isinstance(raw, str) else ""


def item_from(row: Any, requested_id: str | None = None) -> CatalogItem | None:
    """One item from a search row or a detail answer; None when it names no id."""
    if not isinstance(row, dict):
        return None
    token = _text(row.get("friendly_token")) or (requested_id or "")
    if not token:
        return None
    return CatalogItem(
        id=token,
        title=_text(row.get("title")) or "Untitled",
        duration_seconds=_duration(row.get("duration")),
        media_type=_text(row.get("media_type")),
        media_id=_text(row.get("media_id")),
    )


def search_rows(payload: Any) -> list[Any] | None:
    """The result rows of a search answer (page or bare list); None when the answer is not one."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        rows = payload.get("results")
        if rows is None and not payload:
            return []  # upstream answers {} when there is nothing to search for
        return rows if isinstance(rows, list) else None
    return None


def items_from_search(payload: Any, limit: int) -> list[CatalogItem] | None:
    rows = search_rows(payload)
    if rows is None:
        return None
    items = [i for i in (item_from(r) for r in rows) if i is not None]
    return items[:limit]


def cytube_media(item: CatalogItem, settings: MediaCmsSettings) -> tuple[str, str] | None:
    """``(type, id)`` for ``add_media``; None when the item cannot be put on a CyTube playlist."""
    if settings.add_as == "manifest":
        url = settings.manifest_url.format(base_url=settings.base_url, id=item.id)
        return "cm", url
    kind = item.media_type.lower()
    if kind not in CYTUBE_TYPES:
        return None
    return kind, item.media_id or item.id  # the plan: media_id, else the catalog id
