"""structlog set-up: readable on a terminal, JSON under systemd (ARCHITECTURE §8).

Our structlog loggers and foreign stdlib loggers (kryten-py, aiohttp) share one handler. Every
record passes the formatter's ``processors``, so exception rendering lives there: the console
renderer prints the traceback itself; JSON needs ``format_exc_info`` first, otherwise an
``exc_info`` flag (or a raw tuple) is all that reaches the journal.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    render: list[structlog.typing.Processor] = (
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
        if use_json
        else [structlog.dev.ConsoleRenderer(colors=False)]
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *render],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # kryten-py logs every publish at INFO; keep it quieter than our own logs.
    logging.getLogger("kryten").setLevel(max(logging.WARNING, root.level))


def get_logger(name: str, **bound: object) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name).bind(**bound)
