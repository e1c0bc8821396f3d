"""Tracebacks survive both log formats, for our structlog loggers and for foreign stdlib ones (kryten-py)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from economy_shared.runtime.logging import configure_logging, get_logger
from economy_shared.runtime.service import EconomyService
from economy_shared.subjects import ServiceName
from economy_shared.testing import MockKrytenClient
from tests.helpers import make_config


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _log_two_failures() -> None:
    try:
        raise ZeroDivisionError("ours went wrong")
    except ZeroDivisionError:
        get_logger("economy.test", service="ledger").exception("request_failed", command="x")
    try:
        raise KeyError("theirs went wrong")
    except KeyError:
        logging.getLogger("kryten.client").error("Handler on_pm raised exception", exc_info=True)


def test_json_lines_carry_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")  # the handler binds to the captured stderr
    _log_two_failures()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    ours, theirs = lines
    assert ours["event"] == "request_failed" and ours["service"] == "ledger" and "exc_info" not in ours
    assert ours["exception"].startswith("Traceback (most recent call last):")
    assert "ZeroDivisionError: ours went wrong" in ours["exception"]
    assert theirs["logger"] == "kryten.client" and "exc_info" not in theirs
    assert "KeyError: 'theirs went wrong'" in theirs["exception"]


def test_console_lines_carry_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "console")
    _log_two_failures()
    err = capsys.readouterr().err
    assert err.count("Traceback (most recent call last):") == 2
    assert "ZeroDivisionError: ours went wrong" in err and "KeyError: 'theirs went wrong'" in err
    assert "request_failed" in err and "Handler on_pm raised exception" in err


def test_json_without_an_exception_has_no_exception_key(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    get_logger("economy.test").info("service_started", port=1)
    (line,) = capsys.readouterr().err.splitlines()
    assert "exception" not in json.loads(line)


class _Quiet(EconomyService):
    name: ClassVar[ServiceName] = "gambling"


async def test_a_failed_background_task_logs_where_it_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")
    service = _Quiet(make_config(tmp_path), MockKrytenClient())

    async def settle_heist() -> None:
        raise AttributeError("'LedgerOutcome' object has no attribute 'success'")

    service.spawn(settle_heist(), name="heist-settle")
    await service.idle()
    (line,) = [json.loads(x) for x in capsys.readouterr().err.splitlines() if "background_task_failed" in x]
    assert line["task"] == "heist-settle" and "AttributeError" in line["error"]
    assert 'in settle_heist' in line["exception"]  # the frame that raised, not only the message
