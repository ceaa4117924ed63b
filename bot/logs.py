"""Logging as text (default) or one JSON object per line (for log collectors).

Message texts people type are never logged: only ids, channels and outcomes.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from types import TracebackType

# Loggers that, at DEBUG, print every SQL statement with its parameters — saved form answers
# and profiles among them. What people type must not reach a log at any level, so these are
# held at WARNING whatever AIGUIDE_LOG_LEVEL says.
_PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg")


def _one_line(text: str) -> str:
    """A logged value never starts a new line: an id holding a newline cannot forge one."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def exception_without_text(exc_info: _ExcInfo) -> str:
    """A traceback with where it happened and each exception's type, not its text: an error's
    message may quote what a person typed (a value that failed to parse, a driver's error)."""
    if exc_info[1] is None:
        return ""
    kept: list[str] = []
    shown = traceback.TracebackException(*exc_info)
    chain: list[traceback.TracebackException] = []
    while shown is not None and len(chain) < 10:
        chain.append(shown)
        shown = shown.__cause__ or (None if shown.__suppress_context__ else shown.__context__)
    for index, link in enumerate(reversed(chain)):
        if index:
            kept.append("\nwhile handling it, or because of it:\n")
        kept.append("Traceback (most recent call last):\n")
        kept.extend(link.stack.format())
        kept.append(
            f"{link.exc_type.__qualname__ if link.exc_type else 'Exception'} (message not logged)\n"
        )
    return "".join(kept).rstrip("\n")


class TextFormatter(logging.Formatter):
    """Text lines; a message's own newlines are escaped (a traceback stays readable below)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = _one_line(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: _ExcInfo) -> str:  # type: ignore[override]
        return exception_without_text(ei)


class JsonFormatter(logging.Formatter):
    def formatException(self, ei: _ExcInfo) -> str:  # type: ignore[override]
        return exception_without_text(ei)

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(fmt: str, level: str) -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic, aiohttp's access log and APScheduler (every tick) are chatty at INFO.
    for noisy in ("alembic", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    for name in _PARAMETER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
