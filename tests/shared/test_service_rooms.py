"""The rooms of a service (README "The rooms of a service"), checked for every service package.

- nothing imports ``service.py`` but the entry point (no import cycles, no service object handed around);
- ``service.py`` never hands ``self`` to a component (components get their collaborators);
- no two classes of one service share a name;
- no string error codes where ``ErrorCode`` members exist.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_ALL = sorted(p for p in (ROOT / "services").glob("*/economy_*") if p.is_dir())
PACKAGES = _ALL
IMPORTS_SERVICE = re.compile(r"^\s*(from\s+(\.|economy_\w+\.)service\s+import|import\s+economy_\w+\.service)", re.M)
HANDS_SELF = re.compile(r"\b(?<!def )(?!super\b)[A-Za-z_][\w.]*\(\s*self\s*[,)]")
CODE_LITERAL = re.compile(
    r"""(==|!=|\bin\b)\s*\(?\s*["'](banned|insufficient_funds|unavailable|idempotency_conflict|internal_error|"""
    r"""bad_request|not_found)["']"""
)


def _modules(package: Path) -> list[Path]:
    return sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_service_package_is_checked() -> None:
    assert {p.name for p in _ALL} >= {"economy_ledger", "economy_presence", "economy_gambling",
                                          "economy_announcer", "economy_media"}


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: getattr(p, "name", str(p)))
def test_only_the_entry_point_imports_service(package: Path) -> None:
    offenders = [
        str(m.relative_to(ROOT)) for m in _modules(package)
        if m.name not in ("service.py", "__main__.py") and IMPORTS_SERVICE.search(m.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: getattr(p, "name", str(p)))
def test_service_wiring_never_hands_itself_to_a_component(package: Path) -> None:
    wiring = package / "service.py"
    if not wiring.exists():
        pytest.skip("no service.py")
    found = [m.group(0) for m in HANDS_SELF.finditer(wiring.read_text())]
    assert found == []


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: getattr(p, "name", str(p)))
def test_no_two_classes_share_a_name(package: Path) -> None:
    names = Counter(
        name for m in _modules(package) for name in re.findall(r"^class\s+(\w+)", m.read_text(), re.M)
    )
    assert [n for n, c in names.items() if c > 1] == []


@pytest.mark.parametrize("package", _ALL, ids=lambda p: getattr(p, "name", str(p)))
def test_error_codes_are_enum_members_not_strings(package: Path) -> None:
    found = [
        f"{m.relative_to(ROOT)}: {hit.group(0)}"
        for m in _modules(package)
        for hit in CODE_LITERAL.finditer(m.read_text())
    ]
    assert found == []
