"""Fixtures for the operator tools' tests: the original kryten-economy, in a scratch venv (issue 14)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ops.original_fixture import (
    NO_PYTHON_REASON,
    OriginalSetupError,
    build_original,
    find_python312,
    make_original_venv,
)


@pytest.fixture(scope="session")
def original_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a venv holding kryten-economy 0.16.1 (skips only when there is no Python 3.12)."""
    python312 = find_python312()
    if python312 is None:
        pytest.skip(NO_PYTHON_REASON)
    try:
        return make_original_venv(python312, tmp_path_factory.mktemp("original-venv") / "venv")
    except OriginalSetupError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def rich_original(original_python: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A varied original database (built by the original) and what its own getters read back."""
    db = tmp_path_factory.mktemp("original-rich") / "economy.db"
    try:
        return db, build_original(original_python, db, "--scenario", "rich")
    except OriginalSetupError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def original_builder(original_python: Path, tmp_path_factory: pytest.TempPathFactory
                     ) -> Callable[..., tuple[Path, dict[str, Any]]]:
    """Build more original databases: ``original_builder("--accounts", "10000", "--seed", "7")``."""

    def build(*args: str) -> tuple[Path, dict[str, Any]]:
        db = tmp_path_factory.mktemp("original") / "economy.db"
        try:
            return db, build_original(original_python, db, *args)
        except OriginalSetupError as exc:
            pytest.fail(str(exc), pytrace=False)

    return build
