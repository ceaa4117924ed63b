"""Message catalogues: every user-facing sentence, per locale, in TOML files.

The package ships `messages/ja.toml` and `messages/en.toml`; a municipality may overlay
its own files (same keys) from a directory named in the settings. Japanese is the
default and the fallback for a key a translation lacks.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_LOCALE = "ja"
LOCALES = ("ja", "en")


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


class Catalogs:
    """All locales' messages, loaded once per process."""

    def __init__(self, overlay_dir: Path | None = None, *, lazy: bool = False) -> None:
        """`lazy`: parse each locale when first used (the command line); otherwise all now,
        so a broken overlay file stops the bot at start, not at someone's first turn."""
        self._overlay_dir = overlay_dir
        self._messages: dict[str, dict[str, str]] = {}
        if not lazy:
            for locale in LOCALES:
                self._of(locale)

    def _of(self, locale: str) -> dict[str, str]:
        """A locale's messages, parsed once: a lazy command line that speaks one language
        reads one file (`aiguide --help`, bench/cli_startup.py)."""
        messages = self._messages.get(locale)
        if messages is None:
            package = resources.files("dialogs").joinpath("messages")
            messages = _flatten(tomllib.loads(package.joinpath(f"{locale}.toml").read_text()))
            overlay_dir = self._overlay_dir
            if overlay_dir is not None and (overlay_dir / f"{locale}.toml").is_file():
                overlay = tomllib.loads((overlay_dir / f"{locale}.toml").read_text())
                messages.update(_flatten(overlay))
            self._messages[locale] = messages
        return messages

    def keys(self, locale: str) -> set[str]:
        return set(self._of(locale))

    def has(self, locale: str, key: str) -> bool:
        return key in self._messages[locale]  # no copy of the keys: asked on every turn

    def for_locale(self, locale: str | None) -> Catalog:
        return Catalog(self, locale if locale in LOCALES else DEFAULT_LOCALE)

    def lookup(self, locale: str, key: str) -> str:
        messages = self._of(locale)
        if key in messages:
            return messages[key]
        return self._of(DEFAULT_LOCALE)[key]


@dataclass(frozen=True)
class Catalog:
    """The messages of one locale: `t("form.cancelled", title=...)`."""

    catalogs: Catalogs
    locale: str

    def t(self, key: str, /, **params: object) -> str:
        template = self.catalogs.lookup(self.locale, key)
        return template.format(**params) if params else template

    def has(self, key: str) -> bool:
        return self.catalogs.has(self.locale, key) or self.catalogs.has(DEFAULT_LOCALE, key)
