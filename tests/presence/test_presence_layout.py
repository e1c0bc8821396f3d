"""The presence package's shape: no component reaches back into the service; no two classes share a name."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import economy_presence

PACKAGE = Path(economy_presence.__file__).parent
WIRING = {"service.py", "__main__.py"}
SERVICE_IMPORT = re.compile(
    r"^\s*(from\s+(\.+|economy_presence\.)(\w+\.)*service\s+import|import\s+economy_presence\.service)", re.MULTILINE
)


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_only_the_wiring_imports_the_service() -> None:
    offenders = [str(p.relative_to(PACKAGE)) for p in modules()
                 if p.name not in WIRING or p.parent != PACKAGE
                 if SERVICE_IMPORT.search(p.read_text()) or "PresenceService" in p.read_text()]
    assert offenders == []


def test_the_check_sees_an_import_of_the_service() -> None:
    assert SERVICE_IMPORT.search("if TYPE_CHECKING:\n    from ..service import PresenceService\n")
    assert SERVICE_IMPORT.search("from .service import PresenceService")
    assert not SERVICE_IMPORT.search("from .session_events import SessionEvents")


def test_no_two_classes_share_a_name() -> None:
    names = Counter(m for p in modules() for m in re.findall(r"^class (\w+)", p.read_text(), re.MULTILINE))
    assert [n for n, c in names.items() if c > 1] == []


def test_migrations_do_not_need_the_feature_packages() -> None:
    for name in ("store.py", "migrations.py"):
        text = (PACKAGE / name).read_text()
        assert not re.search(r"^from \.(chat|timed)\b", text, re.MULTILINE), name
