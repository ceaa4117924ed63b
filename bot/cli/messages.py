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
def cli_catalogs() -> Catalogs:
    return Catalogs(lazy=True)  # one command speaks one language: parse only that file


_chosen: list[str] = []


def choose(locale: str | None) -> Catalog:
    """Fix the command's language for the rest of the process."""
    _chosen[:] = [locale or locale_from_environment()]
    return catalog()


def catalog() -> Catalog:
    return cli_catalogs().for_locale(_chosen[0] if _chosen else locale_from_environment())


def t(key: str, /, **params: object) -> str:
    return catalog().t(key, **params)


def fail(key: str, /, **params: object) -> int:
    """One line (or one block) on stderr and the exit status of a refused command."""
    print(f"aiguide: {t(key, **params)}", file=sys.stderr)
    return 2


def help_text(key: str) -> str:
    """The help of an argument or command (`cli.help.<key>`), for bot/cli/parser.py."""
    return t(f"cli.help.{key}")


# argparse's own words by their English text (argparse looks each up through its module's
# `_` when it prints, so replacing that one function localizes usage lines and errors).
_ARGPARSE = {
    "usage: ": "usage",
    "positional arguments": "positional",
    "options": "options",
    "show this help message and exit": "help",
    "%(prog)s: error: %(message)s\n": "error",
    "argument %(argument_name)s: %(message)s": "argument",
    "the following arguments are required: %s": "required",
    "unrecognized arguments: %s": "unrecognized",
    "invalid choice: %(value)r (choose from %(choices)s)": "invalid_choice",
    "invalid %(type)s value: %(value)r": "invalid_type",
    "expected one argument": "expected_one",
    "expected at least one argument": "expected_at_least_one",
    "expected at most one argument": "expected_at_most_one",
    "ambiguous option: %(option)s could match %(matches)s": "ambiguous",
    "one of the arguments %s is required": "one_of_required",
    "not allowed with argument %s": "not_allowed_with",
    "can't open '%(filename)s': %(error)s": "cannot_open",
}


def localize_argparse() -> None:
    import argparse

    def translate(text: str) -> str:
        key = _ARGPARSE.get(text)
        return t(f"cli.argparse.{key}") if key else text

    argparse._ = translate  # type: ignore[attr-defined]


def lang_in(argv: list[str]) -> str | None:
    """`--lang X` or `--lang=X` anywhere before `--`: the help is printed while parsing, so
    the language must be known before the parser is built."""
    for index, word in enumerate(argv):
        if word == "--":
            break
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
        if word == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
    return None


class OutputError(Exception):
    """An export's --output cannot be written (no such folder, no permission)."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


class BadOption(ValueError):
    """An option's value, worded for the person who typed it (the message is already text)."""
