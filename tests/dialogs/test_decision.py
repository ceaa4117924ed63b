"""May this information go into this system? One row per rule of the guideline.

Each case names the clause it proves and says, in one line, what a member of staff would
notice. The systems are built here (not read from config/systems.yaml) so the table stays
readable and does not change when the sample 別表 does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from dialogs.catalog import Catalogs
from dialogs.context import ASSUMED_READY, MunicipalityFacts, Readiness
from dialogs.decision import (
    REMINDERS,
    RULES,
    Asker,
    Decision,
    EntryQuestion,
    decide_entry,
    match_purpose,
)
from storage.models import AISystem
from tests.towns import town

CONFIRMED = date(2026, 4, 1)
PERMITTED = date(2026, 5, 20)
REMINDER_CODES = frozenset(code for code, _ in REMINDERS)


# The 2024 national model policy's five classes, and an older local policy's three.
FIVE = town(("3A", "3B", "3C", "2", "1"))
THREE = town(("3", "2", "1"))
THREE_FROM_3 = town(("3", "2", "1"), confidential_from="3")
PERSONAL_FROM_3C = replace(FIVE, personal_info_min_class="3C")


def system(id: str, name: str, **fields: object) -> AISystem:
    values: dict[str, object] = {
        "service_type": "contracted",
        "owner_division": "DX推進課",
        "owner_contact": "内線1234",
        "max_class": "1",
    }
    values.update(fields)
    return AISystem(tenant_id="t", id=id, name=name, **values)


BOTH_CONFIRMATIONS = {"ml_exclusion_confirmed_on": CONFIRMED, "no_audit_confirmed_on": CONFIRMED}

FIVE_CLASS_SYSTEMS = (
    system(
        "class1-chat",
        "公開情報チャット",
        manual_url="https://intra.example.lg.jp/ai/chat",
    ),
    system(
        "closed-class2",
        "閉域アシスタント",
        max_class="2",
        personal_info=True,
        personal_info_condition="業務に必要な最小限に限る",
        **BOTH_CONFIRMATIONS,
    ),
    system(
        "divisions-rag",
        "例規検索AI",
        users_all_staff=False,
        user_divisions=["税務課", "市民課"],
        purposes=["例規の検索", "マニュアルの検索", "公開資料の要約"],
        max_class="3C",
        personal_info=True,
        personal_info_condition="相談対応に必要な最小限に限る",
        **BOTH_CONFIRMATIONS,
    ),
    system(
        "permitted-public",
        "翻訳サービス",
        service_type="public_terms",
        owner_division="広報課",
        server_location="abroad",
        cloud_permission_on=PERMITTED,
    ),
    system(
        "unpermitted-public",
        "無許可の約款型AI",
        service_type="public_terms",
    ),
    # The registry would refuse both of these (public_terms above the lowest class); the
    # decision must not trust the stored max_class for a public-terms service.
    system(
        "misset-public",
        "設定誤りの約款型AI",
        service_type="public_terms",
        max_class="3A",
        cloud_permission_on=PERMITTED,
    ),
    system(
        "public-class2",
        "機密性2の約款型AI",
        service_type="public_terms",
        max_class="2",
        cloud_permission_on=PERMITTED,
    ),
    system("suspended", "停止中のAI", status="suspended"),
    # Personal info allowed but no ML confirmation: the registry refuses to save this; the
    # decision double-checks.
    system("ml-unconfirmed", "確認未了のAI", personal_info=True),
    system(
        "guarded-purposes",
        "文書作成AI",
        purposes=["文書作成", "要約", "翻訳"],
        prohibited_purposes=["人事評価", "採用選考", "住民への自動回答"],
    ),
)
THREE_CLASS_SYSTEMS = (
    system("legacy-class3", "旧分類の閉域AI", max_class="3", **BOTH_CONFIRMATIONS),
    # Saved when class 2 was not yet confidential; the scale's confidential_from moved since.
    system("legacy-unconfirmed", "確認未了の旧閉域AI", max_class="2"),
    system("closed-class2", "閉域アシスタント", max_class="2", **BOTH_CONFIRMATIONS),
    system(
        "permitted-public",
        "翻訳サービス",
        service_type="public_terms",
        cloud_permission_on=PERMITTED,
    ),
    system(
        "public-class2",
        "機密性2の約款型AI",
        service_type="public_terms",
        max_class="2",
        cloud_permission_on=PERMITTED,
    ),
)


def registry_for(facts: MunicipalityFacts) -> tuple[AISystem, ...]:
    five = facts.confidentiality_classes == FIVE.confidentiality_classes
    return FIVE_CLASS_SYSTEMS if five else THREE_CLASS_SYSTEMS


def find(facts: MunicipalityFacts, system_id: str) -> AISystem:
    return next(s for s in registry_for(facts) if s.id == system_id)


@dataclass(frozen=True)
class Case:
    clause: str  # the clause this case proves
    says: str  # one line: what the case shows, in plain English
    system: str | None  # an id of a system in the table above, or None (not designated)
    klass: str | None = "1"
    personal: bool | None = False
    purpose: str | None = None
    device: str = "work"
    division: str | None = None
    readiness: Readiness = ASSUMED_READY
    outcome: str = "allowed"
    codes: frozenset[str] = frozenset()  # reason/condition/next-step codes that must appear
    absent: frozenset[str] = frozenset()  # codes that must NOT appear
    town: MunicipalityFacts = FIVE
    alternatives: frozenset[str] | None = None  # ids offered instead (checked when given)
    my_number: bool = False
    sensitive: bool = False
    purpose_other: bool = False


def codes(*names: str) -> frozenset[str]:
    return frozenset(names)


READY_ON_RECORD = Readiness(trained=True, confirmed=True)
NOT_TRAINED = Readiness(trained=False, confirmed=False)
NOT_CONFIRMED = Readiness(trained=True, confirmed=False)
TRAINED_NOT_RECORDED = Readiness(trained=False, confirmed=True)
# §5: confirmed for the version in force; Ver2.0 published to apply from 12/15.
UPCOMING = Readiness(
    trained=True, confirmed=True, upcoming_version="2.0", upcoming_on=date(2026, 12, 15)
)

CASES: tuple[Case, ...] = (
    Case(
        "§2・末尾の注記",
        "confidential information needs both provider confirmations, checked again at use",
        "legacy-unconfirmed",
        klass="2",
        town=THREE,
        outcome="denied",
        codes=codes("confidential_unconfirmed", "lower_the_class"),
    ),
    # --- §2: only the systems of the 別表 -----------------------------------------------
    Case(
        "§2",
        "an undesignated system is refused and the next step is to apply for designation",
        None,
        outcome="denied",
        codes=codes("not_designated", "request_designation"),
        absent=REMINDER_CODES,
    ),
    Case(
        "§2",
        "an undesignated system is refused even for public information",
        None,
        klass="1",
        personal=False,
        division="総務課",
        outcome="denied",
        codes=codes("not_designated"),
        alternatives=frozenset(
            {
                "class1-chat",
                "closed-class2",
                "permitted-public",
                "misset-public",
                "public-class2",
                "ml-unconfirmed",
                "guarded-purposes",
            }
        ),
    ),
    Case(
        "§2",
        "a suspended system is refused and the owner division is the one to ask",
        "suspended",
        outcome="denied",
        codes=codes("suspended", "ask_owner"),
        absent=REMINDER_CODES,
    ),
    Case(
        "§2",
        "a designated class-1 system takes public information without personal info",
        "class1-chat",
        codes=codes(),
        absent=codes("not_designated", "suspended", "class_above_limit"),
    ),
    Case(
        "§2",
        "a designated system is never told to apply for designation",
        "closed-class2",
        klass="2",
        absent=codes("request_designation"),
    ),
    # --- §3(1)1: before use ---------------------------------------------------------------
    Case(
        "§3(1)1",
        "a personal device is refused even for a designated system",
        "class1-chat",
        device="personal",
        outcome="denied",
        codes=codes("personal_device", "use_work_device"),
        absent=REMINDER_CODES,
        alternatives=frozenset(),
    ),
    Case(
        "§3(1)1",
        "a personal device and an undesignated system are both given as reasons",
        None,
        device="personal",
        outcome="denied",
        codes=codes("personal_device", "not_designated", "use_work_device", "request_designation"),
    ),
    Case(
        "§3(1)1",
        "without the designated training the answer is no, and the training is the next step",
        "class1-chat",
        readiness=NOT_TRAINED,
        outcome="denied",
        codes=codes("training_missing", "take_training"),
        absent=codes("confirmations_missing", "readiness_assumed") | REMINDER_CODES,
        alternatives=frozenset(),
    ),
    Case(
        "§3(1)1",
        "trained but without the pre-use confirmations the answer is no",
        "class1-chat",
        readiness=NOT_CONFIRMED,
        outcome="denied",
        codes=codes("confirmations_missing", "confirm_before_use"),
        absent=codes("training_missing", "readiness_assumed"),
    ),
    Case(
        "§3(1)1",
        "confirmations given but training missing: only the training is asked for",
        "class1-chat",
        readiness=TRAINED_NOT_RECORDED,
        outcome="denied",
        codes=codes("training_missing"),
        absent=codes("confirmations_missing"),
    ),
    Case(
        "§3(1)1",
        "an assumed readiness is said in the answer but does not change it",
        "class1-chat",
        readiness=ASSUMED_READY,
        codes=codes("readiness_assumed"),
    ),
    Case(
        "§3(1)1",
        "a recorded readiness gives no assumption note",
        "class1-chat",
        readiness=READY_ON_RECORD,
        absent=codes("readiness_assumed", "training_missing", "confirmations_missing"),
    ),
    Case(
        "§3(1)1",
        "missing training is refused even on a system that would take the information",
        "closed-class2",
        klass="2",
        personal=True,
        readiness=NOT_TRAINED,
        outcome="denied",
        codes=codes("training_missing"),
        absent=codes("personal_not_allowed", "class_above_limit"),
    ),
    Case(
        "§5",
        "a version to apply later does not refuse today, but the answer says confirm it by then",
        "class1-chat",
        readiness=UPCOMING,
        codes=codes("guideline_upcoming"),
        absent=codes("confirmations_missing"),
    ),
    Case(
        "§5",
        "no version to come gives no note about one",
        "class1-chat",
        readiness=READY_ON_RECORD,
        absent=codes("guideline_upcoming"),
    ),
    Case(
        "§5",
        "a version to come is named in a refusal too",
        "class1-chat",
        klass="2",
        readiness=UPCOMING,
        outcome="denied",
        codes=codes("guideline_upcoming", "class_above_limit"),
    ),
    # --- §2: the 別表's 利用者 ---------------------------------------------------------
    Case(
        "§2",
        "a division listed among the users may use a divisions-only system",
        "divisions-rag",
        klass="2",
        purpose="例規の検索",
        division="税務課",
        absent=codes("not_a_user", "users_assumed"),
    ),
    Case(
        "§2",
        "a division not listed among the users is refused and sent to the owner",
        "divisions-rag",
        klass="2",
        purpose="例規の検索",
        division="福祉課",
        outcome="denied",
        codes=codes("not_a_user", "ask_owner"),
    ),
    Case(
        "§2",
        "an unknown division on a divisions-only system gets a note on who may use it",
        "divisions-rag",
        klass="2",
        purpose="例規の検索",
        division=None,
        codes=codes("users_assumed"),
        absent=codes("not_a_user"),
    ),
    Case(
        "§2",
        "an all-staff system needs no division and gives no users note",
        "class1-chat",
        division=None,
        absent=codes("users_assumed", "not_a_user"),
    ),
    Case(
        "§2",
        "an all-staff system takes any division",
        "class1-chat",
        division="子育て支援課",
        absent=codes("not_a_user"),
    ),
    # --- §3(2)1: only within the purpose the owner division explained ---------------------
    Case(
        "§3(2)1",
        "a purpose named exactly as listed is within the scope",
        "guarded-purposes",
        purpose="要約",
        absent=codes("purpose_outside_scope", "purpose_prohibited", "purpose_within_scope"),
    ),
    Case(
        "§3(2)1",
        "a purpose containing a listed one is within the scope",
        "guarded-purposes",
        purpose="会議資料の要約",
        absent=codes("purpose_outside_scope"),
    ),
    Case(
        "§3(2)1",
        "a purpose contained in a listed one is within the scope",
        "guarded-purposes",
        purpose="文書",
        absent=codes("purpose_outside_scope"),
    ),
    Case(
        "§3(2)1",
        "a purpose typed in half-width katakana matches the listed one",
        "divisions-rag",
        purpose="ﾏﾆｭｱﾙの検索",
        division="市民課",
        absent=codes("purpose_outside_scope"),
    ),
    Case(
        "§3(2)1",
        "a purpose outside the listed ones is refused and sent to the owner",
        "guarded-purposes",
        purpose="SNSへの投稿",
        outcome="denied",
        codes=codes("purpose_outside_scope", "ask_owner"),
        absent=codes("purpose_prohibited"),
    ),
    Case(
        "§3(2)1",
        "a prohibited purpose is refused as prohibited, not merely as outside the scope",
        "guarded-purposes",
        purpose="人事評価",
        outcome="denied",
        codes=codes("purpose_prohibited", "ask_owner"),
        absent=codes("purpose_outside_scope"),
    ),
    Case(
        "§3(2)1",
        "a purpose containing a prohibited one is refused",
        "guarded-purposes",
        purpose="職員の人事評価のコメント作成",
        outcome="denied",
        codes=codes("purpose_prohibited"),
    ),
    Case(
        "§3(2)1",
        "a prohibited purpose is refused even when it also contains a listed purpose",
        "guarded-purposes",
        purpose="採用選考の文書作成",
        outcome="denied",
        codes=codes("purpose_prohibited"),
    ),
    Case(
        "§3(2)1",
        "an unsaid purpose on a system with listed purposes becomes a condition",
        "guarded-purposes",
        purpose=None,
        outcome="conditional",
        codes=codes("purpose_within_scope"),
    ),
    Case(
        "§3(2)1",
        "a system without listed purposes adds no purpose condition",
        "class1-chat",
        purpose=None,
        absent=codes("purpose_within_scope"),
    ),
    Case(
        "§3(2)1",
        "a system without listed purposes takes any purpose",
        "class1-chat",
        purpose="イベントの企画案",
        absent=codes("purpose_outside_scope", "purpose_prohibited"),
    ),
    # --- §2: 入力可能な情報, the class limit ----------------------------------------------
    Case(
        "§2",
        "class 1 on a class-1 system is allowed (exactly at the limit)",
        "class1-chat",
        klass="1",
        absent=codes("class_above_limit"),
    ),
    Case(
        "§2",
        "class 2 on a class-1 system is refused (one above the limit)",
        "class1-chat",
        klass="2",
        outcome="denied",
        codes=codes("class_above_limit", "lower_the_class"),
    ),
    Case(
        "§2",
        "class 3A on a class-1 system is refused",
        "class1-chat",
        klass="3A",
        outcome="denied",
        codes=codes("class_above_limit"),
    ),
    Case(
        "§2",
        "class 2 on a class-2 system is allowed (exactly at the limit)",
        "closed-class2",
        klass="2",
        absent=codes("class_above_limit"),
    ),
    Case(
        "§2",
        "class 3C on a class-2 system is refused (one above the limit)",
        "closed-class2",
        klass="3C",
        outcome="denied",
        codes=codes("class_above_limit"),
    ),
    Case(
        "§2",
        "class 1 on a class-2 system is allowed (below the limit)",
        "closed-class2",
        klass="1",
        absent=codes("class_above_limit"),
    ),
    Case(
        "§2",
        "class 3C on a class-3C system is allowed (exactly at the limit)",
        "divisions-rag",
        klass="3C",
        purpose="例規の検索",
        division="税務課",
        absent=codes("class_above_limit"),
    ),
    Case(
        "§2",
        "class 3B on a class-3C system is refused (one above the limit)",
        "divisions-rag",
        klass="3B",
        purpose="例規の検索",
        division="税務課",
        outcome="denied",
        codes=codes("class_above_limit"),
    ),
    Case(
        "§2",
        "an unknown class cannot be judged: ask the owner division",
        "class1-chat",
        klass=None,
        outcome="ask_owner",
        codes=codes("class_unknown", "ask_owner"),
        absent=codes("class_above_limit"),
    ),
    Case(
        "§2",
        "a class of the three-class scale is unknown on the five-class scale",
        "closed-class2",
        klass="3",
        outcome="ask_owner",
        codes=codes("class_unknown"),
    ),
    Case(
        "§2",
        "a class that is not a class at all cannot be judged",
        "closed-class2",
        klass="極秘",
        outcome="ask_owner",
        codes=codes("class_unknown"),
    ),
    # --- the scale is configuration: an older three-class policy -------------------------
    Case(
        "§2",
        "on a three-class scale class 3 fits a class-3 system",
        "legacy-class3",
        klass="3",
        town=THREE,
        absent=codes("class_above_limit", "class_unknown"),
    ),
    Case(
        "§2",
        "on a three-class scale class 3 is one above a class-2 system",
        "closed-class2",
        klass="3",
        town=THREE,
        outcome="denied",
        codes=codes("class_above_limit"),
    ),
    Case(
        "§2",
        "on a three-class scale class 2 fits a class-2 system",
        "closed-class2",
        klass="2",
        town=THREE,
        absent=codes("class_above_limit"),
    ),
    Case(
        "§2",
        "on a three-class scale the five-class 3C is unknown",
        "closed-class2",
        klass="3C",
        town=THREE,
        outcome="ask_owner",
        codes=codes("class_unknown"),
    ),
    Case(
        "§3(1)2",
        "on a three-class scale class 2 is still 要機密情報 for a public-terms service",
        "public-class2",
        klass="2",
        town=THREE,
        outcome="denied",
        codes=codes("confidential_on_public_terms"),
        absent=codes("class_above_limit"),
    ),
    Case(
        "§3(1)2",
        "where 要機密情報 starts at class 3, class 2 is not confidential on public terms",
        "public-class2",
        klass="2",
        town=THREE_FROM_3,
        absent=codes("confidential_on_public_terms"),
    ),
    # --- §3(1)2: public-terms cloud (約款型) ---------------------------------------------
    Case(
        "§3(1)2",
        "a permitted public-terms service takes public information, with a servers-abroad note",
        "permitted-public",
        klass="1",
        codes=codes("servers_abroad"),
        absent=codes("public_terms_without_permission", "confidential_on_public_terms"),
    ),
    Case(
        "§3(1)2",
        "a domestic system gives no servers-abroad note",
        "class1-chat",
        absent=codes("servers_abroad"),
    ),
    Case(
        "§3(1)2",
        "要機密情報 on a public-terms service is refused",
        "permitted-public",
        klass="2",
        outcome="denied",
        codes=codes("confidential_on_public_terms", "class_above_limit", "lower_the_class"),
    ),
    Case(
        "§3(1)2",
        "要機密情報 on public terms is refused even if its max class were set higher",
        "misset-public",
        klass="2",
        outcome="denied",
        codes=codes("confidential_on_public_terms"),
        absent=codes("class_above_limit"),
    ),
    Case(
        "§3(1)2",
        "class 3A on public terms is refused even if its max class were 3A",
        "misset-public",
        klass="3A",
        outcome="denied",
        codes=codes("confidential_on_public_terms"),
        absent=codes("class_above_limit"),
    ),
    Case(
        "§3(1)2",
        "class 2 on public terms is refused even at the system's own limit of 2",
        "public-class2",
        klass="2",
        outcome="denied",
        codes=codes("confidential_on_public_terms"),
        absent=codes("class_above_limit"),
    ),
    Case(
        "§3(1)2",
        "public information on a public-terms service with permission is allowed",
        "misset-public",
        klass="1",
        absent=codes("confidential_on_public_terms"),
    ),
    Case(
        "§3(1)2",
        "a public-terms service without the 8.4 permission is refused even for class 1",
        "unpermitted-public",
        klass="1",
        outcome="denied",
        codes=codes("public_terms_without_permission", "ask_owner"),
    ),
    Case(
        "§2",
        "an unknown class on public terms is asked about, not judged confidential",
        "permitted-public",
        klass=None,
        outcome="ask_owner",
        codes=codes("class_unknown"),
        absent=codes("confidential_on_public_terms"),
    ),
    Case(
        "§3(1)2",
        "a contracted system may take 要機密情報 up to its limit",
        "closed-class2",
        klass="2",
        absent=codes("confidential_on_public_terms"),
    ),
    # --- §3(1)2 / §3(2)1: 保有個人情報 -----------------------------------------------------
    Case(
        "§3(1)2",
        "personal info on a system that does not allow it is refused, naming one that does",
        "class1-chat",
        personal=True,
        division="総務課",
        outcome="denied",
        codes=codes("personal_not_allowed", "remove_personal"),
        alternatives=frozenset({"closed-class2"}),
    ),
    Case(
        "§3(1)2",
        "the alternatives include a divisions-only system when the division is a user",
        "class1-chat",
        personal=True,
        division="税務課",
        outcome="denied",
        codes=codes("personal_not_allowed"),
        alternatives=frozenset({"closed-class2", "divisions-rag"}),
    ),
    Case(
        "§3(1)2",
        "personal info is refused where the ML exclusion was never confirmed",
        "ml-unconfirmed",
        personal=True,
        outcome="denied",
        codes=codes("personal_ml_unconfirmed", "remove_personal"),
        absent=codes("personal_minimum_necessary", "personal_not_allowed"),
    ),
    Case(
        "§3(1)2",
        "without personal info the unconfirmed system still takes public information",
        "ml-unconfirmed",
        personal=False,
        absent=codes("personal_ml_unconfirmed"),
    ),
    Case(
        "§3(1)2",
        "personal info on public terms is refused",
        "permitted-public",
        personal=True,
        outcome="denied",
        codes=codes("personal_not_allowed"),
    ),
    Case(
        "§3(2)1",
        "personal info where allowed comes with the minimum-necessary condition",
        "closed-class2",
        klass="2",
        personal=True,
        outcome="conditional",
        codes=codes("personal_minimum_necessary"),
    ),
    Case(
        "§3(2)1",
        "personal info on the divisions-only system for a listed division is conditional",
        "divisions-rag",
        klass="3C",
        personal=True,
        purpose="例規の検索",
        division="市民課",
        outcome="conditional",
        codes=codes("personal_minimum_necessary"),
    ),
    Case(
        "§3(2)1",
        "no personal info means no minimum-necessary condition",
        "closed-class2",
        klass="2",
        personal=False,
        absent=codes("personal_minimum_necessary"),
    ),
    Case(
        "§3(2)1",
        "not knowing whether personal info is included: check the text, ask the owner",
        "closed-class2",
        personal=None,
        outcome="ask_owner",
        codes=codes("personal_unknown", "check_text", "ask_owner"),
    ),
    Case(
        "§3(2)1",
        "not knowing about personal info is asked about even on a system that refuses it",
        "class1-chat",
        personal=None,
        outcome="ask_owner",
        codes=codes("personal_unknown"),
        absent=codes("personal_not_allowed"),
    ),
    # --- outcome precedence: deny > ask > condition > note ---------------------------------
    Case(
        "§3(1)2",
        "a refusal beats an open question: unknown class with personal info on class 1",
        "class1-chat",
        klass=None,
        personal=True,
        outcome="denied",
        codes=codes("personal_not_allowed"),
        absent=codes("class_unknown"),  # the refusal's own reasons; the unknown no longer matters
    ),
    Case(
        "§2",
        "a refusal beats a condition: personal info allowed, but the class is too high",
        "closed-class2",
        klass="3C",
        personal=True,
        outcome="denied",
        codes=codes("class_above_limit"),
        # a refusal lists no conditions to respect, only what to do instead
        absent=REMINDER_CODES | codes("personal_minimum_necessary"),
    ),
    Case(
        "§2",
        "an open question beats a condition: unknown class with allowed personal info",
        "closed-class2",
        klass=None,
        personal=True,
        outcome="ask_owner",
        codes=codes("class_unknown", "personal_minimum_necessary"),
    ),
    Case(
        "§3(1)2",
        "an open question beats a note: unknown class on a service abroad",
        "permitted-public",
        klass=None,
        outcome="ask_owner",
        codes=codes("class_unknown", "servers_abroad"),
    ),
    Case(
        "§3(2)1",
        "a condition beats a note: unknown division and unsaid purpose",
        "divisions-rag",
        klass="2",
        division=None,
        purpose=None,
        outcome="conditional",
        codes=codes("users_assumed", "purpose_within_scope"),
    ),
    Case(
        "§3(1)2",
        "a refusal beats an open question on an unpermitted public-terms service",
        "unpermitted-public",
        klass=None,
        outcome="denied",
        codes=codes("public_terms_without_permission"),
        absent=codes("class_unknown"),
    ),
    Case(
        "§3(1)1",
        "every refusal is listed, each with its own next step",
        None,
        device="personal",
        readiness=NOT_TRAINED,
        outcome="denied",
        codes=codes(
            "not_designated",
            "personal_device",
            "training_missing",
            "request_designation",
            "use_work_device",
            "take_training",
        ),
    ),
    # --- §3(2)1 / §3(2)2: reminders with every answer that is not a refusal ---------------
    Case(
        "§3(2)1",
        "an allowed answer reminds to enter accurate, current data",
        "class1-chat",
        codes=codes("accurate_input"),
    ),
    Case(
        "§3(2)2",
        "an allowed answer reminds to check the output and stay accountable",
        "class1-chat",
        codes=codes("check_output", "accountable"),
    ),
    Case(
        "§3(2)2",
        "a conditional answer carries the output reminders too",
        "closed-class2",
        klass="2",
        personal=True,
        outcome="conditional",
        codes=codes("check_output", "accountable", "accurate_input"),
    ),
    Case(
        "§3(2)2",
        "an unclear answer carries the output reminders too",
        "class1-chat",
        klass=None,
        outcome="ask_owner",
        codes=codes("check_output", "accountable"),
    ),
    Case(
        "§3(2)1",
        "a refusal carries no reminders",
        "class1-chat",
        klass="2",
        outcome="denied",
        absent=REMINDER_CODES,
    ),
    # --- next steps -----------------------------------------------------------------------
    Case(
        "§3(2)1",
        "an allowed answer on a system with a manual points to it",
        "class1-chat",
        codes=codes("read_manual"),
    ),
    Case(
        "§3(2)1",
        "a refusal does not point to the manual",
        "class1-chat",
        klass="2",
        outcome="denied",
        absent=codes("read_manual"),
    ),
    Case(
        "§3(2)1",
        "a system without a manual gives no manual step",
        "closed-class2",
        klass="2",
        absent=codes("read_manual"),
    ),
    Case(
        "§6",
        "an unclear answer always tells whom to ask",
        "divisions-rag",
        klass=None,
        purpose="例規の検索",
        division="税務課",
        outcome="ask_owner",
        codes=codes("ask_owner"),
    ),
    Case(
        "§2",
        "a refused class suggests lowering the class, not removing personal info",
        "class1-chat",
        klass="2",
        outcome="denied",
        codes=codes("lower_the_class"),
        absent=codes("remove_personal", "request_designation"),
    ),
    Case(
        "§3(2)1",
        "refused personal info suggests removing it, not applying for designation",
        "class1-chat",
        personal=True,
        outcome="denied",
        codes=codes("remove_personal"),
        absent=codes("request_designation"),
    ),
    Case(
        "§2",
        "refused public information suggests lowering the class, not removing personal info",
        "class1-chat",
        klass="3C",
        personal=False,
        outcome="denied",
        codes=codes("lower_the_class"),
        absent=codes("remove_personal"),
    ),
    # --- 番号法: a 個人番号 goes into no generative-AI system -------------------------------
    Case(
        "番号法9条・19条",
        "a My Number is refused even where personal information of its class is allowed",
        "closed-class2",
        klass="2",
        personal=True,
        my_number=True,
        outcome="denied",
        codes=codes("my_number", "remove_my_number"),
        absent=REMINDER_CODES | codes("personal_minimum_necessary"),
        alternatives=frozenset(),  # no other system takes it either
    ),
    Case(
        "番号法9条・19条",
        "a My Number is refused on the divisions-only system that takes class 3C personal info",
        "divisions-rag",
        klass="3C",
        personal=True,
        purpose="例規の検索",
        division="市民課",
        my_number=True,
        outcome="denied",
        codes=codes("my_number"),
        absent=codes("class_above_limit", "personal_not_allowed"),
    ),
    Case(
        "番号法9条・19条",
        "a My Number is refused on a class-1 system even when the class was said to be 1",
        "class1-chat",
        klass="1",
        personal=True,
        my_number=True,
        outcome="denied",
        codes=codes("my_number", "personal_not_allowed"),
    ),
    Case(
        "番号法9条・19条",
        "a My Number is refused even with the class and personal info left unknown",
        "closed-class2",
        klass=None,
        personal=None,
        my_number=True,
        outcome="denied",
        codes=codes("my_number"),
        absent=codes("class_unknown", "personal_unknown"),
    ),
    # --- personal information implies a class (保有個人情報 is 要機密情報) ---------------------
    Case(
        "§3(1)2",
        "personal info said to be class 1 is judged as class 2, and the answer says so",
        "closed-class2",
        klass="1",
        personal=True,
        outcome="conditional",
        codes=codes("personal_raises_class", "personal_minimum_necessary"),
    ),
    Case(
        "§3(1)2",
        "personal info said to be class 1 is refused on a class-1 system for its class too",
        "class1-chat",
        klass="1",
        personal=True,
        outcome="denied",
        codes=codes("personal_raises_class", "class_above_limit", "personal_not_allowed"),
    ),
    Case(
        "§3(1)2",
        "personal info said to be class 3C keeps its higher class",
        "divisions-rag",
        klass="3C",
        personal=True,
        purpose="例規の検索",
        division="市民課",
        outcome="conditional",
        absent=codes("personal_raises_class"),
    ),
    Case(
        "§3(1)2",
        "personal info said to be class 2 is exactly the lowest class for it: nothing to explain",
        "closed-class2",
        klass="2",
        personal=True,
        outcome="conditional",
        absent=codes("personal_raises_class"),
    ),
    Case(
        "§3(1)2",
        "information without personal info keeps the class said",
        "class1-chat",
        klass="1",
        personal=False,
        absent=codes("personal_raises_class", "class_above_limit"),
    ),
    Case(
        "§3(1)2",
        "on a three-class scale personal info said to be class 1 is judged as class 2",
        "closed-class2",
        klass="1",
        personal=True,
        town=THREE,
        outcome="denied",  # this 閉域 system takes no personal information at all
        codes=codes("personal_raises_class"),
        absent=codes("class_above_limit"),
    ),
    Case(
        "§3(1)2",
        "where personal info is set to start at class 3, class 2 is refused on a class-2 system",
        "closed-class2",
        klass="2",
        personal=True,
        town=PERSONAL_FROM_3C,
        outcome="denied",
        codes=codes("personal_raises_class", "class_above_limit"),
    ),
    # --- 要配慮個人情報 (個人情報保護法2条3項), named on its own ------------------------------
    Case(
        "個人情報保護法2条3項",
        "special-care personal information is named in the answer where personal info is allowed",
        "closed-class2",
        klass="2",
        personal=True,
        sensitive=True,
        outcome="conditional",
        codes=codes("sensitive_personal", "personal_minimum_necessary"),
    ),
    Case(
        "個人情報保護法2条3項",
        "special-care personal information is named in a refusal too",
        "class1-chat",
        klass="2",
        personal=True,
        sensitive=True,
        outcome="denied",
        codes=codes("sensitive_personal", "personal_not_allowed"),
    ),
    Case(
        "個人情報保護法2条3項",
        "a special-care topic without anyone's personal information is no special-care note",
        "class1-chat",
        klass="1",
        personal=False,
        sensitive=True,
        absent=codes("sensitive_personal"),
    ),
    # --- §3(2)1: 「上記以外」 and prohibited purposes ------------------------------------------
    Case(
        "§3(2)1",
        "none of the listed purposes (「上記以外」) is refused, naming what the system is for",
        "guarded-purposes",
        purpose_other=True,
        outcome="denied",
        codes=codes("purpose_not_listed", "ask_owner"),
        absent=codes("purpose_outside_scope", "purpose_within_scope"),
        alternatives=frozenset(),  # what it is for is not known: nothing to offer
    ),
    Case(
        "§3(2)1",
        "「上記以外」 on a system without listed purposes is no refusal",
        "class1-chat",
        purpose_other=True,
        absent=codes("purpose_not_listed"),
    ),
    Case(
        "§3(2)1",
        "a prohibited purpose beats 「上記以外」: the prohibition is the reason",
        "guarded-purposes",
        purpose="人事評価",
        purpose_other=True,
        outcome="denied",
        codes=codes("purpose_prohibited"),
        absent=codes("purpose_not_listed"),
    ),
    # --- alternatives: only systems that would allow the same question ---------------------
    Case(
        "§2",
        "an alternative for a prohibited purpose is never a system that prohibits it too",
        None,
        purpose="人事評価",
        division="総務課",
        outcome="denied",
        alternatives=frozenset(
            {
                "class1-chat",
                "closed-class2",
                "permitted-public",
                "misset-public",
                "public-class2",
                "ml-unconfirmed",
            }
        ),
    ),
    Case(
        "§2",
        "an alternative must list the purpose asked about",
        "class1-chat",
        klass="2",
        purpose="例規の検索",
        division="税務課",
        outcome="denied",
        codes=codes("class_above_limit"),
        alternatives=frozenset({"closed-class2", "divisions-rag"}),
    ),
    Case(
        "§2",
        "a system listing purposes that do not include the one asked is no alternative",
        "class1-chat",
        klass="2",
        purpose="イベントの企画案",
        division="税務課",
        outcome="denied",
        alternatives=frozenset({"closed-class2"}),
    ),
    Case(
        "§3(1)2",
        "an unknown class with personal info looks for systems taking its lowest class",
        "class1-chat",
        klass=None,
        personal=True,
        division="総務課",
        outcome="denied",
        alternatives=frozenset({"closed-class2"}),
    ),
    Case(
        "§3(2)1",
        "a system that could not judge either is no alternative (personal info unknown)",
        "class1-chat",
        klass="2",
        personal=None,
        division="総務課",
        outcome="denied",
        alternatives=frozenset(),
    ),
)


def decide(case: Case) -> Decision:
    facts = case.town
    chosen = find(facts, case.system) if case.system is not None else None
    question = EntryQuestion(
        system=chosen,
        asked_name=chosen.name if chosen else "ChatGPT",
        klass=case.klass,
        personal=case.personal,
        purpose=case.purpose,
        device="personal" if case.device == "personal" else "work",
        my_number=case.my_number,
        sensitive=case.sensitive,
        purpose_other=case.purpose_other,
    )
    asker = Asker(division=case.division, readiness=case.readiness)
    return decide_entry(question, asker, facts, registry_for(facts))


def seen_codes(decision: Decision) -> set[str]:
    return {r.code for r in (*decision.reasons, *decision.conditions, *decision.next_steps)}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.clause} {c.says}")
def test_entry_decision(case: Case) -> None:
    decision = decide(case)
    seen = seen_codes(decision)

    assert decision.outcome == case.outcome
    assert case.codes <= seen, f"missing {sorted(case.codes - seen)}"
    assert not case.absent & seen, f"unexpected {sorted(case.absent & seen)}"
    if case.codes:
        clauses = {
            r.clause
            for r in (*decision.reasons, *decision.conditions, *decision.next_steps)
            if r.code in case.codes
        }
        assert case.clause in clauses
    # §3(2)1 and §3(2)2 go with every answer that is not a refusal, and with no refusal.
    if decision.outcome == "denied":
        assert not REMINDER_CODES & seen
    else:
        assert seen >= REMINDER_CODES
    if case.alternatives is not None:
        assert {s.id for s in decision.alternatives} == case.alternatives


def test_the_table_is_large_and_every_case_says_something_different() -> None:
    assert len(CASES) >= 70
    assert len({c.says for c in CASES}) == len(CASES)


def test_every_rule_is_proved_by_at_least_one_case() -> None:
    proved: set[str] = set()
    for case in CASES:
        proved |= case.codes
    assert proved >= {rule.code for rule in RULES}
    assert proved >= REMINDER_CODES
    assert proved >= {rule.next_step for rule in RULES if rule.next_step}


def test_every_rule_reminder_and_next_step_has_a_message_in_japanese_and_english() -> None:
    catalogs = Catalogs()
    keys = {f"entry.reason.{rule.code}" for rule in RULES}
    keys |= {f"entry.reminder.{code}" for code, _ in REMINDERS}
    keys |= {f"entry.next.{rule.next_step}" for rule in RULES if rule.next_step}
    keys.add("entry.next.read_manual")
    assert keys - catalogs.keys("ja") == set()
    assert keys - catalogs.keys("en") == set()


def test_every_answer_of_the_table_renders_in_japanese_and_english() -> None:
    catalogs = Catalogs()
    for locale in ("ja", "en"):
        msg = catalogs.for_locale(locale)
        for case in CASES:
            decision = decide(case)
            for line in (*decision.reasons, *decision.conditions, *decision.next_steps):
                assert msg.t(line.message, **line.params).strip(), (case.says, line.code)


def test_an_unclear_answer_says_do_not_use_it_when_in_doubt() -> None:
    question = EntryQuestion(system=find(FIVE, "class1-chat"), klass=None, personal=False)
    decision = decide_entry(question, Asker(division="総務課"), FIVE)
    msg = Catalogs().for_locale("ja")
    step = next(s for s in decision.next_steps if s.code == "ask_owner")

    text = msg.t(step.message, **step.params)

    assert "判断に迷う場合は利用しない" in text  # §3(2)2
    assert "DX推進課" in text and "内線1234" in text  # §6: the owner division's contact


def test_not_knowing_about_personal_info_says_leave_it_out() -> None:
    question = EntryQuestion(system=find(FIVE, "closed-class2"), klass="1", personal=None)
    decision = decide_entry(question, Asker(division="総務課"), FIVE)
    msg = Catalogs().for_locale("ja")
    step = next(s for s in decision.next_steps if s.code == "check_text")

    assert "個人情報を含めない" in msg.t(step.message, **step.params)  # §3(2)1


def test_the_undesignated_answer_names_the_system_asked_about_and_the_policy_division() -> None:
    question = EntryQuestion(system=None, asked_name="ChatGPT", klass="1", personal=False)
    decision = decide_entry(question, Asker(division="総務課"), FIVE)
    msg = Catalogs().for_locale("ja")
    reason = next(r for r in decision.reasons if r.code == "not_designated")
    step = next(s for s in decision.next_steps if s.code == "request_designation")

    assert "ChatGPT" in msg.t(reason.message, **reason.params)
    assert "情報政策課" in msg.t(step.message, **step.params)
    assert "内線2101" in msg.t(step.message, **step.params)


def test_a_decision_as_json_has_outcome_reasons_conditions_and_next_steps() -> None:
    question = EntryQuestion(system=find(FIVE, "class1-chat"), klass="2", personal=True)
    decision = decide_entry(question, Asker(division="総務課"), FIVE, FIVE_CLASS_SYSTEMS)

    data = decision.to_json()

    assert data["outcome"] == "denied"
    assert {r["code"] for r in data["reasons"]} >= {"class_above_limit", "personal_not_allowed"}
    for part in ("reasons", "conditions", "next_steps"):
        assert isinstance(data[part], list)
        for item in data[part]:
            assert set(item) >= {"code", "clause"}
            assert item["clause"].startswith("§")
    by_code = {r["code"]: r["clause"] for r in data["reasons"]}
    assert by_code["class_above_limit"] == "§2"
    assert by_code["personal_not_allowed"] == "§3(1)2"
    assert {s["code"] for s in data["next_steps"]} == {"lower_the_class", "remove_personal"}
    assert data["alternatives"] == ["closed-class2"]  # takes class 2 with personal info


def test_an_allowed_decision_as_json_lists_the_reminders_as_conditions() -> None:
    question = EntryQuestion(system=find(FIVE, "class1-chat"), klass="1", personal=False)
    data = decide_entry(question, Asker(division="総務課"), FIVE).to_json()

    assert data["outcome"] == "allowed"
    assert [(c["code"], c["clause"]) for c in data["conditions"]] == [
        ("accurate_input", "§3(2)1"),
        ("check_output", "§3(2)2"),
        ("accountable", "§3(2)2"),
    ]
    assert [s["code"] for s in data["next_steps"]] == ["read_manual"]


# --- product bugs found while writing this table (strict: they fail loudly once fixed) -----


def test_a_limit_the_scale_does_not_know_is_not_taken_as_no_limit() -> None:
    stale = system("stale", "分類変更前のAI", max_class="3C", **BOTH_CONFIRMATIONS)
    question = EntryQuestion(system=stale, klass="3", personal=False)

    decision = decide_entry(question, Asker(division="総務課"), THREE)

    assert decision.outcome in ("denied", "ask_owner")


def test_a_blank_purpose_counts_as_not_said() -> None:
    question = EntryQuestion(
        system=find(FIVE, "guarded-purposes"), klass="1", personal=False, purpose=""
    )

    decision = decide_entry(question, Asker(division="総務課"), FIVE)

    assert decision.outcome == "conditional"
    assert "purpose_within_scope" in seen_codes(decision)


def test_confidential_information_needs_both_provider_confirmations_on_the_system() -> None:
    unconfirmed = system("unconfirmed-class2", "確認未了の閉域AI", max_class="2")
    question = EntryQuestion(system=unconfirmed, klass="2", personal=False)

    decision = decide_entry(question, Asker(division="総務課"), FIVE)

    assert decision.outcome == "denied"


# --- 番号法, and matching free text against a system's purposes ------------------------------


def test_a_my_number_about_no_system_in_particular_is_refused_by_the_law_alone() -> None:
    question = EntryQuestion(system=None, any_system=True, personal=True, my_number=True)

    decision = decide_entry(question, Asker(division="総務課"), FIVE, FIVE_CLASS_SYSTEMS)
    msg = Catalogs().for_locale("ja")
    reason = next(r for r in decision.reasons if r.code == "my_number")

    assert decision.outcome == "denied"
    assert "not_designated" not in seen_codes(decision)  # nothing was named to be designated
    assert reason.clause == "番号法9条・19条"
    assert "マイナンバー利用事務系" in msg.t(reason.message, **reason.params)
    assert decision.alternatives == () and decision.alternatives_checked


def test_a_refusal_of_the_person_looks_for_no_alternatives() -> None:
    question = EntryQuestion(system=find(FIVE, "class1-chat"), klass="2", personal=False)
    not_confirmed = Asker(division="総務課", readiness=NOT_CONFIRMED)

    decision = decide_entry(question, not_confirmed, FIVE, FIVE_CLASS_SYSTEMS)

    assert decision.outcome == "denied"
    assert not decision.alternatives_checked  # no other system helps before §3(1)1 is done


def test_the_raised_class_is_explained_with_both_classes() -> None:
    question = EntryQuestion(system=find(FIVE, "closed-class2"), klass="1", personal=True)
    decision = decide_entry(question, Asker(division="総務課"), FIVE)
    msg = Catalogs().for_locale("ja")
    note = next(r for r in decision.reasons if r.code == "personal_raises_class")

    text = msg.t(note.message, **note.params)

    assert "機密性2以上" in text and "機密性1ではなく" in text


@pytest.mark.parametrize(
    ("text", "purpose", "prohibited"),
    [
        ("人事評価", "人事評価", True),
        ("職員の人事評価の文案を作りたい", "人事評価", True),
        ("採用選考の文書作成", "採用選考", True),  # a prohibition wins over a listed purpose
        ("会議資料の要約", "要約", False),
        ("文書", "文書作成", False),  # a part typed as the answer
        ("通知の文書を作りたい", "文書作成", False),  # the object with the action's verb
        ("文書を読みたい", None, None),  # the object alone is not the purpose
        ("ＳＮＳへの投稿", None, None),
        ("", None, None),
    ],
)
def test_free_text_is_matched_against_listed_and_prohibited_purposes(
    text: str, purpose: str | None, prohibited: bool | None
) -> None:
    found = match_purpose(text, find(FIVE, "guarded-purposes"))

    assert (found.purpose if found else None) == purpose
    assert (found.prohibited if found else None) == prohibited


def test_a_purpose_is_named_by_its_last_word_in_a_sentence() -> None:
    found = match_purpose("公開資料を要約してほしい", find(FIVE, "divisions-rag"))

    assert found is not None and found.purpose == "公開資料の要約" and not found.prohibited


def test_a_version_to_come_is_said_with_its_day_as_everywhere_else() -> None:
    question = EntryQuestion(system=find(FIVE, "class1-chat"), klass="1", personal=False)
    decision = decide_entry(question, Asker(division="総務課", readiness=UPCOMING), FIVE)
    msg = Catalogs().for_locale("ja")
    note = next(r for r in decision.reasons if r.code == "guideline_upcoming")

    assert msg.t(note.message, **note.params) == (
        "ガイドライン Ver2.0 が 12/15 から適用されます。それまでに利用前の確認をしてください。"
    )
