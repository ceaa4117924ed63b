"""Logging as text (default) or one JSON object per line (for log collectors).

Message texts people type are never logged: only ids, channels and outcomes.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# Loggers that, at DEBUG, print every SQL statement with its parameters — saved form answers
# and profiles among them. What people type must not reach a log at any level, so these are
# held at WARNING whatever AIGUIDE_LOG_LEVEL says.
_PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg")


def _one_line(text: str) -> str:
    """A logged value never starts a new line: an id holding a newline cannot forge one."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


class TextFormatter(logging.Formatter):
    """Text lines; a message's own newlines are escaped (a traceback stays readable below)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = _one_line(record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
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
