"""The real-robot tests: marked ``robot``; skipped unless ``make test-robot`` installed kryten-robot into its venv."""

from __future__ import annotations

import pytest

from tests.robot.robot_runner import ROBOT_VENV_ENV, robot_executable


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason=f"needs the real kryten-robot: run `make test-robot` (it installs kryten-robot "
                                   f"into .venv-robot and sets {ROBOT_VENV_ENV})")
    for item in items:
        if "tests/robot/" in str(item.fspath):
            item.add_marker(pytest.mark.robot)
            if robot_executable() is None:
                item.add_marker(skip)
