"""Message catalogues: every key used in code exists, in Japanese and in English."""

from __future__ import annotations

import re
from pathlib import Path

from dialogs.catalog import Catalogs
from tests.conftest import REPO

_KEY_IN_CODE = re.compile(r"""\.t\(\s*["']([a-z_][a-z0-9_.]+)["']""")


def _keys_used_in_code() -> set[str]:
    used: set[str] = set()
    for folder in ("bot", "dialogs"):
        for path in (REPO / folder).rglob("*.py"):
            used |= set(_KEY_IN_CODE.findall(path.read_text()))
    return used


def test_japanese_and_english_have_the_same_keys() -> None:
    catalogs = Catalogs()
    assert catalogs.keys("ja") == catalogs.keys("en")


def test_every_key_used_in_code_is_in_both_catalogues() -> None:
    catalogs = Catalogs()
    used = _keys_used_in_code()
    assert len(used) > 20
    assert used - catalogs.keys("ja") == set()
    assert used - catalogs.keys("en") == set()


def test_a_municipality_can_overlay_its_own_wording(tmp_path: Path) -> None:
    (tmp_path / "ja.toml").write_text('[menu]\nprompt = "ご用件をどうぞ（さくら市）"\n')
    msg = Catalogs(overlay_dir=tmp_path).for_locale("ja")
    assert msg.t("menu.prompt") == "ご用件をどうぞ（さくら市）"
    assert msg.t("common.yes") == "はい"  # everything else stays
