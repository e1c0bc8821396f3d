"""Contract: each service answers exactly the PM words the catalog marks live for it, and no word twice."""

from __future__ import annotations

import importlib
import importlib.util

import pytest

from economy_shared.pm.catalog import entries, owned_by
from economy_shared.subjects import SERVICE_NAMES
from tests.helpers import Stack

SERVICE_CLASSES = {
    "ledger": "economy_ledger.service:LedgerService",
    "presence": "economy_presence.service:PresenceService",
    "gambling": "economy_gambling.service:GamblingService",
    "media": "economy_media.service:MediaService",
    "announcer": "economy_announcer.service:AnnouncerService",
}


def _service_class(name: str):  # noqa: ANN202
    module, _, cls = SERVICE_CLASSES[name].partition(":")
    if importlib.util.find_spec(module.split(".")[0]) is None:
        return None
    return getattr(importlib.import_module(module), cls)


@pytest.mark.parametrize("name", SERVICE_NAMES)
async def test_service_answers_exactly_its_live_words(stack: Stack, name: str) -> None:
    cls = _service_class(name)
    live = {w for w, e in owned_by(name).items() if e.live}
    if cls is None:
        assert not live, f"{name} is not built but the catalog marks {sorted(live)} live"
        return
    service = await stack.add(cls)
    registered = set(getattr(getattr(service, "pm", None), "words", []))
    assert registered == live, f"{name}: registered {sorted(registered)} vs live {sorted(live)}"


def test_live_words_are_documented() -> None:
    for e in entries():
        if e.live and e.word not in {"help"}:
            assert e.summary and len(e.summary) < 60
