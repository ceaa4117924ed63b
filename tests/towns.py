"""A municipality built in code, for tests of rules that must not depend on the sample files."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

from dialogs.context import Contact, MunicipalityFacts
from storage.db import transaction
from storage.tenants import get_tenant, update_settings

SAMPLE_FILE = Path(__file__).resolve().parents[1] / "config" / "municipality.toml"


def town(classes: tuple[str, ...], confidential_from: str = "2") -> MunicipalityFacts:
    """さくら市 with the given confidentiality scale (most confidential first)."""
    policy = Contact("情報政策課", "johoseisaku@example.lg.jp", "内線2101")
    return MunicipalityFacts(
        tenant_id="t",
        name="さくら市",
        guideline_version="1.0",
        training_name="生成AI利用研修（基礎編）",
        confidentiality_classes=classes,
        confidential_from=confidential_from,
        divisions=("情報政策課", "DX推進課", "税務課", "市民課", "福祉課", "総務課"),
        policy_division=policy,
        caio=Contact("CAIO", "caio@example.lg.jp"),
        security=policy,
        inquiry=policy,
    )


def with_many_divisions(folder: Path, count: int = 40) -> Path:
    """The sample municipality's file with `count` divisions (its own eight first, then
    第1課, 第2課, ...), as a large city has: a question of divisions becomes a select."""
    sample = tomllib.loads(SAMPLE_FILE.read_text(encoding="utf-8"))
    own = list(sample["organisation"]["divisions"])
    divisions = own + [f"第{n}課" for n in range(1, count - len(own) + 1)]
    listed = ", ".join(f'"{d}"' for d in divisions)
    text = SAMPLE_FILE.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^divisions = \[.*\]$", lambda _: f"divisions = [{listed}]", text)
    path = folder / "municipality-many-divisions.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def clear_channel(sessions: Any, tenant_id: str, which: str) -> None:
    """The municipality's settings with no channel chosen for `which` ("policy", "caio")."""
    async with transaction(sessions) as session:
        tenant = await get_tenant(session, tenant_id)
        assert tenant is not None
        settings = copy.deepcopy(tenant.settings)
        settings["channels"][which] = ""
        await update_settings(session, tenant, tenant.name, settings)
