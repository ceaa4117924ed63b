"""The database as the command line opens it: its URL shown only with the password masked,
and a database that cannot be reached (down, wrong host or port, wrong name, user or URL)
worded as one line before anything else runs, instead of a driver's traceback (issue 15)."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from bot.cli.messages import catalog, t
from bot.files.text_files import os_error_text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


class DatabaseUnreachable(Exception):
    """The database cannot be opened; `url` is already masked, `reason` already worded."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason


def masked(url: str) -> str:
    """The URL with its password replaced by ***: postgresql+asyncpg://user:***@host/db."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        # Unparsable, so its password cannot be found: show only the scheme, if any.
        scheme = url.split("://", 1)[0] if "://" in url else ""
        return f"{scheme}://…" if scheme.isascii() and scheme.isprintable() else "…"


def _password_of(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password  # type: ignore[return-value]
    except ArgumentError:
        return None


def reason_of(error: BaseException, url: str) -> str:
    """What went wrong, for a person, without the password (drivers may quote the URL)."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    if isinstance(error, NoSuchModuleError | ImportError):
        text = t("cli.db.unknown_kind")
    elif isinstance(error, ArgumentError):
        text = t("cli.db.bad_url")
    elif isinstance(error, ConnectionRefusedError):
        text = t("cli.db.refused")
    elif isinstance(error, socket.gaierror):
        text = t("cli.db.no_host")
    elif isinstance(error, TimeoutError):
        text = t("cli.db.timeout")
    elif isinstance(error, DBAPIError):
        text = str(error.orig).strip() or type(error.orig).__name__
    elif isinstance(error, OSError):
        text = os_error_text(error, catalog())
    else:
        text = str(error) or type(error).__name__
    password = _password_of(url)
    if password:
        text = text.replace(password, "***")
    return " ".join(text.split())  # one line, whatever the driver's message holds


def unreachable(error: BaseException, url: str) -> DatabaseUnreachable:
    return DatabaseUnreachable(masked(url), reason_of(error, url))


def check_url(url: str) -> None:
    """DatabaseUnreachable for a URL SQLAlchemy cannot read, or of a kind whose driver is not
    installed (mysql://…): found before any engine is made, without connecting."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url).get_dialect().import_dbapi()
    except (ArgumentError, ImportError) as error:
        raise unreachable(error, url) from None


def engine_for(url: str, schema: str | None) -> AsyncEngine:
    """`make_engine` after `check_url`."""
    from storage.db import make_engine

    check_url(url)
    return make_engine(url, schema=schema)


async def reach(engine: AsyncEngine, url: str) -> None:
    """Open one connection (it goes back to the pool for the command); DatabaseUnreachable
    when the database refuses or cannot be found."""
    from sqlalchemy.exc import DBAPIError

    try:
        async with engine.connect():
            pass
    except (OSError, DBAPIError) as error:  # TimeoutError and socket errors are OSErrors
        raise unreachable(error, url) from None


async def check_reachable(url: str, schema: str | None) -> None:
    """For the commands that migrate before they open the database themselves."""
    engine = engine_for(url, schema)
    try:
        await reach(engine, url)
    finally:
        await engine.dispose()
