"""Running the real `aiguide` command line (`python -m bot`) as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def sqlite_at(path: Path) -> dict[str, str]:
    return {"AIGUIDE_DATABASE_URL": f"sqlite+aiosqlite:///{path}"}


def aiguide(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run `aiguide ARGS` from the repository root and wait for it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env={**_neutral_environment(), "PYTHONIOENCODING": "utf-8", **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def _neutral_environment() -> dict[str, str]:
    """The caller's environment without their language: the command line speaks Japanese
    unless a test asks for English, whatever locale the developer's shell has."""
    kept = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    return {**kept, "LANG": "C.UTF-8"}
