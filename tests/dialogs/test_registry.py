"""The 別表's own rules (what an entry may say) and finding a system by what people call it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.files.registry_io import read_registry
from bot.settings import load_municipality
from dialogs.catalog import Catalogs
from dialogs.context import MunicipalityFacts
from dialogs.registry import (
    ENTRY_RULES,
    Problem,
    check_entry,
    closest_names,
    find_system,
    mentioned_system,
)
from storage.models import AISystem
from tests.towns import town

REPO = Path(__file__).resolve().parents[2]
CONFIRMED = date(2026, 4, 1)


FIVE = town(("3A", "3B", "3C", "2", "1"))
THREE = town(("3", "2", "1"))


def entry(**fields: object) -> AISystem:
    """A valid contracted class-1 entry for all staff, changed by `fields`."""
    values: dict[str, object] = {
        "id": "assistant",
        "name": "庁内AIアシスタント",
        "service_type": "contracted",
        "owner_division": "DX推進課",
        "max_class": "1",
    }
    values.update(fields)
    return AISystem(tenant_id="t", **values)


def problems(system: AISystem, facts: MunicipalityFacts = FIVE) -> dict[str, str]:
    """code → clause of every rule the entry breaks."""
    return {p.code: p.clause for p in check_entry(system, facts)}


def japanese(problem: Problem) -> str:
    return Catalogs().for_locale("ja").t(problem.message, **problem.params)


def sample_systems() -> list[AISystem]:
    facts = load_municipality(REPO / "config" / "municipality.toml").facts()
    return read_registry(REPO / "config" / "systems.yaml", facts, Catalogs().for_locale("ja"))


# --- check_entry: the rules every saved entry obeys --------------------------------------


def test_a_plain_class_one_entry_may_be_saved() -> None:
    assert check_entry(entry(), FIVE) == []


def test_class_two_needs_both_provider_confirmations() -> None:
    # 末尾の注記: 要機密情報 only after the provider confirmed no ML use and no audit.
    assert problems(entry(max_class="2")) == {"confidential_needs_confirmations": "§2・末尾の注記"}


@pytest.mark.parametrize(
    "confirmation", ["ml_exclusion_confirmed_on", "no_audit_confirmed_on"], ids=["ml", "audit"]
)
def test_class_two_with_only_one_provider_confirmation_is_refused(confirmation: str) -> None:
    only_one = entry(max_class="2", **{confirmation: CONFIRMED})

    assert problems(only_one) == {"confidential_needs_confirmations": "§2・末尾の注記"}


@pytest.mark.parametrize("klass", ["2", "3C", "3B", "3A"])
def test_class_two_or_higher_with_both_confirmations_may_be_saved(klass: str) -> None:
    confirmed = entry(
        max_class=klass, ml_exclusion_confirmed_on=CONFIRMED, no_audit_confirmed_on=CONFIRMED
    )

    assert check_entry(confirmed, FIVE) == []


def test_the_confirmations_message_names_the_class_and_the_closing_note() -> None:
    [problem] = check_entry(entry(max_class="3C"), FIVE)

    text = japanese(problem)

    assert "3C" in text
    assert "機械学習" in text and "監査" in text
    assert "末尾の注記" in text


def test_public_terms_above_the_lowest_class_is_refused() -> None:
    # §3(1)2: no 要機密情報 on public-terms cloud, even with the provider confirmations.
    public = entry(
        service_type="public_terms",
        max_class="2",
        ml_exclusion_confirmed_on=CONFIRMED,
        no_audit_confirmed_on=CONFIRMED,
    )

    assert problems(public) == {"public_terms_above_lowest": "§3(1)2"}
    [problem] = check_entry(public, FIVE)
    assert "機密性1まで" in japanese(problem)


def test_public_terms_at_the_lowest_class_may_be_saved() -> None:
    assert check_entry(entry(service_type="public_terms", max_class="1"), FIVE) == []


def test_personal_info_without_the_ml_confirmation_is_refused() -> None:
    # §3(1)2: 保有個人情報 only where the provider does not use it for machine learning.
    assert problems(entry(personal_info=True)) == {"personal_needs_ml_confirmation": "§3(1)2"}


def test_personal_info_with_the_ml_confirmation_may_be_saved() -> None:
    assert check_entry(entry(personal_info=True, ml_exclusion_confirmed_on=CONFIRMED), FIVE) == []


def test_public_terms_with_personal_info_is_refused() -> None:
    public = entry(
        service_type="public_terms", personal_info=True, ml_exclusion_confirmed_on=CONFIRMED
    )

    assert problems(public) == {"public_terms_personal": "§3(1)2"}


def test_a_class_not_on_the_scale_is_refused_and_the_message_lists_the_valid_classes() -> None:
    [problem] = check_entry(entry(max_class="5"), FIVE)

    assert (problem.code, problem.clause) == ("class_not_on_scale", "§2")
    text = japanese(problem)
    assert "「5」" in text
    assert "3A, 3B, 3C, 2, 1" in text


def test_the_valid_classes_are_those_of_the_configured_scale() -> None:
    [problem] = check_entry(entry(max_class="3C"), THREE)

    assert problem.code == "class_not_on_scale"
    assert "3, 2, 1" in japanese(problem)


def test_a_system_for_some_divisions_must_name_at_least_one() -> None:
    assert problems(entry(users_all_staff=False)) == {"users_unspecified": "§2"}


def test_a_system_for_named_divisions_may_be_saved() -> None:
    assert check_entry(entry(users_all_staff=False, user_divisions=["税務課"]), FIVE) == []


def test_an_entry_breaking_several_rules_gets_every_problem() -> None:
    bad = entry(service_type="public_terms", max_class="2", personal_info=True)

    assert set(problems(bad)) == {
        "confidential_needs_confirmations",
        "public_terms_above_lowest",
        "personal_needs_ml_confirmation",
        "public_terms_personal",
    }


def test_every_rule_has_a_message_in_japanese_and_english() -> None:
    catalogs = Catalogs()
    keys = {rule.message for rule in ENTRY_RULES}
    assert keys - catalogs.keys("ja") == set()
    assert keys - catalogs.keys("en") == set()


def test_every_entry_of_the_sample_registry_passes_the_rules() -> None:
    facts = load_municipality(REPO / "config" / "municipality.toml").facts()
    systems = sample_systems()

    assert len(systems) == 5
    for system in systems:
        assert check_entry(system, facts) == [], system.id


# --- find_system: the exact name, id or alias, however it is typed ----------------------


@pytest.mark.parametrize(
    ("typed", "system_id"),
    [
        ("copilot", "copilot"),  # id
        ("Microsoft 365 Copilot Chat", "copilot"),  # name
        ("例規・マニュアル検索AI", "knowledge-rag"),  # Japanese name
        ("コパイロット", "copilot"),  # alias
        ("DeepL", "translator"),  # alias
        ("ＣＯＰＩＬＯＴ", "copilot"),  # full-width
        ("ｒａｇ", "knowledge-rag"),  # full-width alias
        ("翻訳ＡＩ", "translator"),  # full-width letters in a Japanese alias
        ("COPILOT CHAT", "copilot"),  # case
        ("microsoft365copilotchat", "copilot"),  # spaces left out
        ("こぱいろっと", "copilot"),  # hiragana for the katakana alias
        (" Qommons ", "lgwan-assistant"),  # surrounding spaces
    ],
)
def test_find_system_by_id_name_or_alias_however_typed(typed: str, system_id: str) -> None:
    found = find_system(sample_systems(), typed)

    assert found is not None and found.id == system_id


@pytest.mark.parametrize("typed", ["ChatGPT", "Copilo", "", "検索"])
def test_find_system_wants_a_whole_name(typed: str) -> None:
    assert find_system(sample_systems(), typed) is None


# --- mentioned_system: the system a sentence is about ------------------------------------


@pytest.mark.parametrize(
    ("sentence", "system_id"),
    [
        ("住民の氏名をCopilotに入れていい？", "copilot"),
        ("コパイロットで要約", "copilot"),
        ("copiltoで要約していい？", "copilot"),  # one letter off
        ("copilto", "copilot"),
        ("Qommonsに議事録を作らせたい", "lgwan-assistant"),
        ("Qommonsに議事録", "lgwan-assistant"),
        ("ｃｏｐｉｌｏｔ　ｃｈａｔで翻訳", "copilot"),
        ("例規・マニュアル検索AIで条例を調べたい", "knowledge-rag"),
        ("DeepLで英訳していい？", "translator"),
    ],
)
def test_a_sentence_mentioning_a_system_names_it(sentence: str, system_id: str) -> None:
    found = mentioned_system(sample_systems(), sentence)

    assert found is not None and found.id == system_id


@pytest.mark.parametrize(
    "sentence",
    [
        "今日の天気は？",
        "研修はいつですか",
        "個人情報を入れてもいい？",
        "ChatGPTに入れていい？",
        "会議の議事録を作りたい",
        "AIに聞きたい",
    ],
)
def test_a_sentence_about_something_else_mentions_no_system(sentence: str) -> None:
    assert mentioned_system(sample_systems(), sentence) is None


def test_the_longest_name_in_a_sentence_wins() -> None:
    chat = entry(id="copilot", name="Microsoft 365 Copilot Chat", aliases=["Copilot"])
    studio = entry(id="copilot-studio", name="Copilot Studio")

    found = mentioned_system([chat, studio], "Copilot Studioで作ったボットに入れていい？")

    assert found is not None and found.id == "copilot-studio"
    plain = mentioned_system([chat, studio], "Copilotに入れていい？")
    assert plain is not None and plain.id == "copilot"


def test_a_latin_alias_is_not_found_inside_another_word() -> None:
    assert mentioned_system(sample_systems(), "Excelのdrag and dropの手順を教えて") is None


# --- closest_names: "did you mean …" ------------------------------------------------------


def test_closest_names_for_a_typo_offers_the_system() -> None:
    assert "Microsoft 365 Copilot Chat" in closest_names(sample_systems(), "copilt")


def test_closest_names_lists_each_system_once_by_its_name() -> None:
    names = closest_names(sample_systems(), "コパイロト")

    assert names[0] == "Microsoft 365 Copilot Chat"
    assert len(names) == len(set(names))


def test_closest_names_for_nothing_alike_still_offers_some_systems() -> None:
    names = closest_names(sample_systems(), "zzzzqqq", limit=2)

    assert len(names) == 2
    assert set(names) <= {s.name for s in sample_systems()}
