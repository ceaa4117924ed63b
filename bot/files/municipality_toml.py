"""A municipality's settings written back as TOML (`aiguide tenants export`).

The settings are a small, known shape (tables of scalars and lists of strings, and arrays of
tables for the personas), so a writer of that shape is enough; what it writes reads back to
the same settings (tested), and so can be edited and given to `aiguide tenants update`.
"""

from __future__ import annotations

import json
from typing import Any

# The order of the municipality file, so an export diffs cleanly against the original.
_ORDER = (
    "municipality",
    "guideline",
    "training",
    "confidentiality",
    "contacts",
    "organisation",
    "roles",
    "reports",
    "channels",
    "personas",
)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    # A JSON string is a valid TOML basic string (same escapes), kept readable for Japanese.
    return json.dumps(str(value), ensure_ascii=False)


def _table(lines: list[str], name: str, table: dict[str, Any]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in table.items() if isinstance(v, dict)}
    if scalars:
        lines.append(f"[{name}]")
        lines += [f"{key} = {_value(value)}" for key, value in scalars.items()]
        lines.append("")
    for key, sub in tables.items():
        _table(lines, f"{name}.{key}", sub)


def to_toml(settings: dict[str, Any]) -> str:
    lines: list[str] = []
    keys = [k for k in _ORDER if k in settings] + [k for k in settings if k not in _ORDER]
    for key in keys:
        value = settings[key]
        if isinstance(value, dict):
            _table(lines, key, value)
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            for item in value:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {_value(v)}" for k, v in item.items()]
                lines.append("")
        else:
            lines.insert(0, f"{key} = {_value(value)}")
    return "\n".join(lines).rstrip("\n") + "\n"
