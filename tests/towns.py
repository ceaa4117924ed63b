"""A municipality built in code, for tests of rules that must not depend on the sample files."""

from __future__ import annotations

from dialogs.context import Contact, MunicipalityFacts


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
