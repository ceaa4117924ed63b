"""The language of the command line: the bot's own catalogues (dialogs/messages), Japanese by
default, English with `--lang en` or an English locale (LC_ALL, LC_MESSAGES, LANG)."""

from __future__ import annotations

import os
import sys
from functools import cache

from dialogs.catalog import DEFAULT_LOCALE, Catalog, Catalogs


def locale_from_environment() -> str:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "en" if value.lower().startswith("en") else DEFAULT_LOCALE
    return DEFAULT_LOCALE


@cache
def _catalogs() -> Catalogs:
    return Catalogs()


_chosen: list[str] = []


def choose(locale: str | None) -> Catalog:
    """Fix the command's language for the rest of the process."""
    _chosen[:] = [locale or locale_from_environment()]
    return catalog()


def catalog() -> Catalog:
    return _catalogs().for_locale(_chosen[0] if _chosen else locale_from_environment())


def t(key: str, /, **params: object) -> str:
    return catalog().t(key, **params)


def fail(key: str, /, **params: object) -> int:
    """One line (or one block) on stderr and the exit status of a refused command."""
    print(f"aiguide: {t(key, **params)}", file=sys.stderr)
    return 2


class OutputError(Exception):
    """An export's --output cannot be written (no such folder, no permission)."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


class BadOption(ValueError):
    """An option's value, worded for the person who typed it (the message is already text)."""
