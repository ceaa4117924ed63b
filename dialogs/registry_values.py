"""Values of the 別表 as people type them, read as the stored words.

An admin copies what the cards and the exported workbook show (「国外」, 「約款型クラウド」,
「機密性2」, 「2026/4/1」), not the stored keys (abroad, public_terms, 2, 2026-04-01); the
chat's `system set` and a file's rows are read the same way, so either accepts what the other
shows.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from dialogs.catalog import LOCALES, Catalogs
from dialogs.text import normalize

# The columns whose values are a fixed set of words, and where the catalogue names each.
CHOICES = {
    "service_type": "registry.service_types",
    "server_location": "registry.server_locations",
}
# The columns that hold lists; a file separates the items with 「;」.
LIST_FIELDS = ("aliases", "user_divisions", "purposes", "prohibited_purposes")
_LINK = re.compile(r"^https?://[^\s/]+\S*$")
_CLASS = re.compile(r"([0-9]+[A-Z]?)$")
_DATE = re.compile(r"^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?$")


def choice_named(field: str, value: Any, catalogs: Catalogs) -> Any:
    """The stored word for a choice typed as its key or as its label in either language,
    whole (「国外」) or a part only it has (「約款型」); anything else as it was, to be refused
    with the valid words."""
    prefix = CHOICES.get(field)
    if prefix is None or not isinstance(value, str) or not value.strip():
        return value
    keys = sorted(
        k.removeprefix(prefix + ".") for k in catalogs.keys("ja") if k.startswith(prefix + ".")
    )
    wanted = normalize(value)
    if wanted in keys:
        return wanted
    labels = {
        key: {normalize(catalogs.for_locale(lang).t(f"{prefix}.{key}")) for lang in LOCALES}
        for key in keys
    }
    if whole := [key for key, said in labels.items() if wanted in said]:
        return whole[0]
    parts = [key for key, said in labels.items() if any(wanted in name for name in said)]
    return parts[0] if len(parts) == 1 and len(wanted) >= 2 else value


def class_named(value: Any) -> Any:
    """「機密性２」「3a」「class 3A」 are the classes 2 and 3A: the code at the end, in
    half-width capitals, whatever words come before it."""
    if isinstance(value, int):
        return str(value)  # YAML reads 2 as a number
    if not isinstance(value, str):
        return value
    folded = unicodedata.normalize("NFKC", value).strip().upper()
    found = _CLASS.search(folded)
    return found.group(1) if found else folded


def day_named(value: Any) -> Any:
    """2026-04-01, 2026/4/1 or 2026年4月1日 (full-width digits too) as a date; "" is none."""
    if not isinstance(value, str):
        return value
    folded = unicodedata.normalize("NFKC", value).strip()
    if folded == "":
        return None
    found = _DATE.match(folded)
    if found is None:
        return value
    try:
        return datetime(*(int(part) for part in found.groups())).date()
    except ValueError:  # 2026/2/30: refused as the date it is not
        return value


def list_named(value: str) -> str:
    """A list typed in the chat as Japanese writes one (「文書作成、翻訳」) or with commas, in a
    file's form (「文書作成; 翻訳」), so each item is one purpose, not the whole line."""
    return "; ".join(part.strip() for part in re.split(r"[;；、,，]", value) if part.strip())


def is_link(value: str) -> bool:
    """A manual's address staff can open from a card: 「社内ポータル参照」 is no link."""
    return bool(_LINK.match(value))
