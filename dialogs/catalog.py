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

    def __init__(self, overlay_dir: Path | None = None) -> None:
        self._messages: dict[str, dict[str, str]] = {}
        package = resources.files("dialogs").joinpath("messages")
        for locale in LOCALES:
            messages = _flatten(tomllib.loads(package.joinpath(f"{locale}.toml").read_text()))
            if overlay_dir is not None and (overlay_dir / f"{locale}.toml").is_file():
                overlay = tomllib.loads((overlay_dir / f"{locale}.toml").read_text())
                messages.update(_flatten(overlay))
            self._messages[locale] = messages

    def keys(self, locale: str) -> set[str]:
        return set(self._messages[locale])

    def has(self, locale: str, key: str) -> bool:
        return key in self._messages[locale]  # no copy of the keys: asked on every turn

    def for_locale(self, locale: str | None) -> Catalog:
        return Catalog(self, locale if locale in LOCALES else DEFAULT_LOCALE)

    def lookup(self, locale: str, key: str) -> str:
        messages = self._messages[locale]
        if key in messages:
            return messages[key]
        return self._messages[DEFAULT_LOCALE][key]


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
