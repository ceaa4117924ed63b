"""The policy division's commands (system …, admin …, contacts), through the real router and a
real store: what an admin, a member of staff and a system's 担当課室 type, what they see, what
is saved, audited and announced, and who is told.

The sample 別表 (config/systems.yaml) is loaded by the runtime fixture; sato is the admin of the
settings file ([roles] admins), yamada and tanaka are staff, and lgwan-assistant belongs to
DX推進課.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot.runtime import Runtime
from dialogs.context import JST
from dialogs.ui import Reply
from storage.models import AISystem, AuditEntry
from tests.chat import Chat
from tests.conftest import SAMPLE_PERSONAS

REFUSAL = (
    "この操作は情報政策課（管理者）だけが行えます。"
    "必要な場合は情報政策課（内線2101）にご依頼ください。"
)
STALE = "このボタンは古くなっています。"
SAMPLE_LIST = [
    "・copilot: Microsoft 365 Copilot Chat（機密性1まで・指定）",
    "・image-generator: 画像生成AI（機密性1まで・停止中）",
    "・knowledge-rag: 例規・マニュアル検索AI（機密性3Cまで・指定）",
    "・lgwan-assistant: 庁内AIアシスタント（機密性2まで・指定）",
    "・translator: 翻訳AIサービス（機密性1まで・指定）",
]
ASSISTANT_MANUAL = "https://intra.city.sakura.example.lg.jp/ai/assistant-manual"
NEW_MANUAL = "https://intra.city.sakura.example.lg.jp/ai/assistant-v2"
PERSONAL_INTO_TRANSLATOR = "住民の氏名を翻訳AIサービスに入れていい？"
PUBLISHED_INTO_TRANSLATOR = "公開済みの資料を翻訳AIで翻訳していい？"


class Member(Chat):
    """Someone as the local web chat sends them: with a name and a division."""

    def __init__(self, runtime: Runtime, user: str, name: str, division: str) -> None:
        super().__init__(runtime, user, name)
        self.division = division

    async def send(self, **fields: object) -> list[Reply]:
        return await super().send(user_division=self.division, **fields)


def persona(runtime: Runtime, persona_id: str) -> Member:
    """One of the sample municipality's personas (sato, yamada, tanaka, suzuki)."""
    found = next(p for p in SAMPLE_PERSONAS if p.id == persona_id)
    return Member(runtime, found.id, found.name, found.division)


def dx_member(runtime: Runtime) -> Member:
    """A member of staff of DX推進課, the 担当課室 of 庁内AIアシスタント (not an admin)."""
    return Member(runtime, "dx", "デジタル 次郎", "DX推進課")


def cards(chat: Chat) -> list[dict[str, Any]]:
    return [r.to_dict() for r in chat.last if r.to_dict()["type"] == "card"]


def card(chat: Chat, title: str) -> dict[str, Any]:
    """The card among the last replies whose title starts with `title`."""
    for body in cards(chat):
        if body["title"].startswith(title):
            return body
    raise AssertionError(f"no card {title!r} in:\n{chat.text}")


def facts(body: dict[str, Any]) -> dict[str, str]:
    return {fact["label"]: fact["value"] for fact in body["facts"]}


async def stored(runtime: Runtime, system_id: str) -> AISystem | None:
    return next((s for s in await (await runtime.town()).systems() if s.id == system_id), None)


async def saved(runtime: Runtime, system_id: str) -> AISystem:
    """The entry as stored now (it must be there)."""
    system = await stored(runtime, system_id)
    assert system is not None, f"{system_id} is not in the 別表"
    return system


async def contact_of(runtime: Runtime, system_id: str) -> str:
    return (await saved(runtime, system_id)).owner_contact


async def audited(runtime: Runtime, action: str | None = None) -> list[AuditEntry]:
    entries = await (await runtime.town()).audit_log()
    return [e for e in entries if action is None or e.action == action]


async def policy_posts(runtime: Runtime) -> list[str]:
    """What reached the policy-division channel (delivered first, as the bot does)."""
    await runtime.deliver()
    return [thread.post.body["text"] for thread in await (await runtime.town()).threads("policy")]


async def inbox(runtime: Runtime, user: str) -> list[str]:
    await runtime.deliver()
    posts, _ = await (await runtime.town()).inbox(user, 0)
    return [post.body.get("text", "") for post in posts]


async def propose_and(chat: Chat, command: str, press: str) -> None:
    """Type a change, see it asked for confirmation, and press 確定 or やめる."""
    await chat.say(command)
    assert "この内容で確定しますか？" in chat.text, chat.text
    await chat.press(press)


def assert_refused(chat: Chat) -> None:
    assert chat.text == REFUSAL, chat.text


def assert_recent(shown: str) -> None:
    """A time shown as YYYY-MM-DD HH:MM in JST is now, give or take a few minutes."""
    at = datetime.strptime(shown, "%Y-%m-%d %H:%M").replace(tzinfo=JST)
    assert abs(datetime.now(JST) - at) < timedelta(minutes=5), shown


# --- looking at the 別表 -------------------------------------------------------------------


async def test_system_list_shows_each_system_with_its_class_limit_and_status(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system list")
    listed = card(admin, "別表のシステム（5件）")
    assert listed["lines"] == SAMPLE_LIST

    await admin.say("system list --status suspended")
    suspended = card(admin, "別表のシステム（1件）")
    assert suspended["lines"] == ["・image-generator: 画像生成AI（機密性1まで・停止中）"]


async def test_system_show_is_a_card_with_japanese_labels(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system show copilot")
    shown = facts(card(admin, "Microsoft 365 Copilot Chat"))
    assert shown["ID"] == "copilot"
    assert shown["システム名"] == "Microsoft 365 Copilot Chat"
    assert shown["担当課室"] == "情報政策課"
    assert shown["担当課室の連絡先"] == "内線2101"
    assert shown["入力できる機密性の上限"] == "1"
    assert shown["保有個人情報の入力"] == "いいえ"
    assert shown["全職員が利用可"] == "はい"
    assert shown["利用可能な業務の範囲"] == "アイデア出し、公開資料の要約、文章の校正、翻訳"
    assert shown["マニュアル"] == "https://intra.city.sakura.example.lg.jp/ai/copilot"
    assert "" not in shown.values()  # an empty field says so
    assert "未設定" in shown.values()
    # by an alias too, as people call it
    await admin.say("system show Copilot")
    assert facts(card(admin, "Microsoft 365 Copilot Chat"))["ID"] == "copilot"


async def test_system_history_is_empty_then_shows_who_when_and_before_after(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system history copilot")
    assert card(admin, "Microsoft 365 Copilot Chat の変更履歴")["lines"] == [
        "まだ変更はありません。"
    ]

    await propose_and(admin, "system set copilot owner_contact 内線2199", "確定")
    await admin.say("system history copilot")
    (line,) = card(admin, "Microsoft 365 Copilot Chat の変更履歴")["lines"]
    found = re.match(r"^・(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) 佐藤 健 ", line)  # a name, not an id
    assert found is not None, line
    assert_recent(found[1])
    assert "内線2101 → 内線2199" in line


async def test_an_unknown_system_is_named_back(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system show nosuch")
    assert "「nosuch」というシステムは別表にありません。" in admin.text


# --- changes the registry's rules refuse ---------------------------------------------------


async def test_raising_copilot_to_class_2_needs_both_provider_confirmations(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set copilot max_class 2")
    assert "この変更はできません" in admin.text
    assert "機械学習に利用しないことと、許可なく監査しないことの確認日が両方必要" in admin.text
    assert "末尾の注記" in admin.text
    assert admin.labels == []  # nothing to confirm
    assert (await saved(runtime, "copilot")).max_class == "1"
    assert await audited(runtime) == []


async def test_a_class_off_the_scale_is_refused_listing_the_valid_classes(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set copilot max_class 9")
    assert "この変更はできません" in admin.text
    assert "機密性「9」は分類にありません（有効な分類: 3A, 3B, 3C, 2, 1）" in admin.text
    assert admin.labels == []
    assert (await saved(runtime, "copilot")).max_class == "1"


async def test_a_public_terms_service_stays_at_the_lowest_class(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set translator max_class 2")
    assert "この変更はできません" in admin.text
    assert "約款型クラウド（public_terms）に入力できるのは機密性1までです" in admin.text
    assert "§3(1)2" in admin.text
    assert admin.labels == []
    assert (await saved(runtime, "translator")).max_class == "1"


async def test_an_unknown_field_is_named_with_the_fields_there_are(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set copilot nosuchfield x")
    assert "その値は使えません" in admin.text
    assert "nosuchfield" in admin.text
    assert "owner_contact" in admin.text and "max_class" in admin.text  # what may be set
    assert admin.labels == []
    assert await audited(runtime) == []


async def test_the_same_value_again_changes_nothing(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set copilot max_class 1")
    assert admin.text == "今の値と同じです。変更はありません。"
    assert admin.labels == []


# --- a change: before → after, then 確定 -----------------------------------------------------


async def test_a_change_is_shown_before_after_and_only_confirm_applies_it(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set copilot owner_contact 内線2199")
    shown = card(admin, "Microsoft 365 Copilot Chat の変更内容")
    assert facts(shown) == {"担当課室の連絡先": "内線2101 → 内線2199"}
    assert "この内容で確定しますか？" in admin.text
    assert admin.labels == ["確定", "やめる"]

    await admin.press("やめる")
    assert admin.text == "変更をやめました。何も変わっていません。"
    assert await contact_of(runtime, "copilot") == "内線2101"
    assert await audited(runtime) == []
    assert await policy_posts(runtime) == []

    await propose_and(admin, "system set copilot owner_contact 内線2199", "確定")
    assert admin.text.startswith("Microsoft 365 Copilot Chat を変更しました。")
    assert "情報政策課チャンネルにも知らせました" in admin.text
    assert await contact_of(runtime, "copilot") == "内線2199"

    (entry,) = await audited(runtime)
    assert (entry.actor, entry.action, entry.target, entry.outcome) == (
        "sato",
        "system.set",
        "system:copilot",
        "done",
    )
    assert entry.before["owner_contact"] == "内線2101"
    assert entry.after["owner_contact"] == "内線2199"
    assert entry.before["max_class"] == entry.after["max_class"] == "1"

    assert await policy_posts(runtime) == [
        "情報政策課 佐藤 健 が Microsoft 365 Copilot Chat を変更しました。"
    ]


async def test_a_confirmation_button_from_an_older_proposal_is_refused_politely(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set copilot owner_contact 内線2199")
    older = admin.button("確定").id
    await admin.say("system set copilot owner_contact 内線2200")
    assert facts(card(admin, "Microsoft 365 Copilot Chat の変更内容")) == {
        "担当課室の連絡先": "内線2101 → 内線2200"
    }

    await admin.send(action=older, event_id="older-confirm")
    assert STALE in admin.text
    assert await contact_of(runtime, "copilot") == "内線2101"
    assert await audited(runtime) == []

    # the newer proposal is still there to confirm — once
    await admin.say("system set copilot owner_contact 内線2200")
    newer = admin.button("確定").id
    await admin.press("確定")
    assert await contact_of(runtime, "copilot") == "内線2200"
    await admin.send(action=newer, event_id="confirm-twice")
    assert STALE in admin.text
    assert len(await audited(runtime, "system.set")) == 1


# --- suspend, resume, remove ---------------------------------------------------------------


async def test_a_suspension_applies_at_once_and_those_who_asked_can_be_told(
    runtime: Runtime,
) -> None:
    yamada, tanaka = persona(runtime, "yamada"), persona(runtime, "tanaka")
    for staff in (yamada, tanaka):
        await staff.complete_pre_use()
        await staff.say(PERSONAL_INTO_TRANSLATOR)
        assert card(staff, "翻訳AIサービス への入力 — 入力できません")

    admin = persona(runtime, "sato")
    await admin.say("system suspend translator 規約変更の確認中")
    shown = card(admin, "翻訳AIサービス の変更内容")
    assert shown["tone"] == "bad"  # destructive
    assert facts(shown) == {"操作": "利用停止", "理由": "規約変更の確認中"}
    assert admin.labels == ["確定", "やめる"]
    assert (await saved(runtime, "translator")).status == "designated"

    await admin.press("確定")
    assert "翻訳AIサービス を利用停止しました。" in admin.text
    assert "直近30日にこのシステムについて確認した人が 2 人います。" in admin.text
    assert admin.labels == ["利用者に知らせる"]
    assert (await saved(runtime, "translator")).status == "suspended"

    # suspended at once: a question about it is now refused under §2
    await yamada.say(PUBLISHED_INTO_TRANSLATOR)
    verdict = card(yamada, "翻訳AIサービス への入力 — 入力できません")
    assert "・翻訳AIサービス は現在、利用が停止されています。（§2）" in verdict["lines"]

    await admin.press("利用者に知らせる")
    assert admin.text == "2 人に知らせました。"
    notice = "翻訳AIサービス は利用停止になりました。入力はしないでください。詳しくは情報政策課へ。"
    assert await inbox(runtime, "yamada") == [notice]
    assert await inbox(runtime, "tanaka") == [notice]
    assert await inbox(runtime, "sato") == []  # the admin did not ask about it

    (suspended,) = await audited(runtime, "system.suspend")
    assert suspended.actor == "sato"
    assert suspended.target == "system:translator"
    assert (suspended.before["status"], suspended.after["status"]) == ("designated", "suspended")
    assert suspended.after["reason"] == "規約変更の確認中"
    (notified,) = await audited(runtime, "system.notify_askers")
    assert (notified.actor, notified.target) == ("sato", "system:translator")
    assert notified.after == {"notified": 2}
    assert "情報政策課 佐藤 健 が 翻訳AIサービス を利用停止しました。" in await policy_posts(
        runtime
    )


async def test_resuming_applies_without_a_question(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await propose_and(admin, "system suspend translator 規約変更の確認中", "確定")
    assert (await saved(runtime, "translator")).status == "suspended"

    await admin.say("system resume translator")
    assert "翻訳AIサービス を利用再開しました。" in admin.text
    assert admin.labels == []
    assert (await saved(runtime, "translator")).status == "designated"
    (resumed,) = await audited(runtime, "system.resume")
    assert (resumed.before["status"], resumed.after["status"]) == ("suspended", "designated")
    assert "情報政策課 佐藤 健 が 翻訳AIサービス を利用再開しました。" in await policy_posts(
        runtime
    )

    staff = persona(runtime, "yamada")
    await staff.complete_pre_use()
    await staff.say(PUBLISHED_INTO_TRANSLATOR)
    assert "利用が停止されています" not in staff.text


async def test_removing_a_system_asks_first_then_takes_it_off_the_list(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system remove image-generator")
    shown = card(admin, "画像生成AI の変更内容")
    assert shown["tone"] == "bad"
    assert facts(shown) == {"操作": "別表から削除"}
    await admin.press("確定")
    assert "画像生成AI を別表から削除しました。" in admin.text

    await admin.say("system list")
    listed = card(admin, "別表のシステム（4件）")
    assert listed["lines"] == [line for line in SAMPLE_LIST if "image-generator" not in line]
    assert await stored(runtime, "image-generator") is None
    (removed,) = await audited(runtime, "system.remove")
    assert (removed.actor, removed.target, removed.after) == ("sato", "system:image-generator", {})
    assert removed.before["name"] == "画像生成AI"


async def test_suspend_without_a_reason_shows_how_to_use_it(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system suspend translator")
    assert admin.text == "使い方: system suspend ID 理由"
    assert (await saved(runtime, "translator")).status == "designated"


# --- roles -------------------------------------------------------------------------------


async def test_staff_are_refused_politely_and_every_attempt_is_audited(runtime: Runtime) -> None:
    staff = persona(runtime, "yamada")
    attempts = ["system list", "system set copilot max_class 1", "admin add @tanaka"]
    for command in attempts:
        await staff.say(command)
        assert_refused(staff)

    refused = await audited(runtime)
    assert [(e.actor, e.action, e.outcome) for e in refused] == [
        ("yamada", "refused", "refused")
    ] * 3
    for entry, command in zip(refused, attempts, strict=True):
        assert entry.target and command.startswith(entry.target), (entry.target, command)
    # nothing was granted by the attempt
    await persona(runtime, "tanaka").say("system list")
    assert await audited(runtime, "role.add") == []


async def test_a_staff_member_cannot_press_the_admin_s_buttons(runtime: Runtime) -> None:
    staff = persona(runtime, "yamada")
    await staff.send(action="admin:notify:translator", event_id="forged-notify")
    assert_refused(staff)
    await staff.send(action="admin:confirm:1", event_id="forged-confirm")
    assert STALE in staff.text  # nothing of theirs to confirm
    assert await inbox(runtime, "yamada") == []
    assert [(e.actor, e.outcome) for e in await audited(runtime)] == [("yamada", "refused")]


async def test_an_added_admin_may_run_the_commands_until_removed(runtime: Runtime) -> None:
    admin, tanaka = persona(runtime, "sato"), persona(runtime, "tanaka")
    await admin.say("admin add @tanaka")
    assert admin.text == "tanaka を管理者に追加しました。"
    await tanaka.say("system list")
    assert card(tanaka, "別表のシステム（5件）")["lines"] == SAMPLE_LIST

    await admin.say("admin list")
    assert facts(card(admin, "管理者とCAIO")) == {
        "管理者（設定ファイル）": "sato",
        "管理者（追加）": "tanaka",
        "CAIO": "suzuki",
    }

    await admin.say("admin remove @tanaka")
    assert admin.text == "tanaka を管理者から外しました。"
    await tanaka.say("system list")
    assert_refused(tanaka)

    log = [(e.actor, e.action, e.target, e.outcome) for e in await audited(runtime)]
    assert log == [
        ("sato", "role.add", "user:tanaka", "done"),
        ("sato", "role.remove", "user:tanaka", "done"),
        ("tanaka", "refused", "system list", "refused"),
    ]
    assert await policy_posts(runtime) == [
        "情報政策課 佐藤 健 が tanaka を管理者に追加しました。",
        "情報政策課 佐藤 健 が tanaka を管理者から外しました。",
    ]


async def test_admin_add_takes_whom_the_platform_says_was_mentioned(runtime: Runtime) -> None:
    """On Slack 「admin add @田中 一郎」 arrives with the mention marked; the shown name is
    not an id, so the mention decides, not the words."""
    admin, tanaka = persona(runtime, "sato"), persona(runtime, "tanaka")
    await admin.send(text="admin add @田中 一郎", mentions=("tanaka",), event_id="mention-1")
    assert admin.text == "tanaka を管理者に追加しました。"
    await tanaka.say("system list")
    assert card(tanaka, "別表のシステム（5件）")["lines"] == SAMPLE_LIST


async def test_a_confirmation_pressed_after_losing_the_role_is_refused(runtime: Runtime) -> None:
    admin, tanaka = persona(runtime, "sato"), persona(runtime, "tanaka")
    await admin.say("admin add @tanaka")
    await tanaka.say("system set copilot owner_contact 内線2199")
    assert tanaka.labels == ["確定", "やめる"]
    await admin.say("admin remove @tanaka")

    await tanaka.press("確定")
    assert tanaka.text == "この操作を行う権限がありません。"
    assert await contact_of(runtime, "copilot") == "内線2101"
    assert [(e.actor, e.outcome) for e in await audited(runtime) if e.actor == "tanaka"] == [
        ("tanaka", "refused")
    ]


async def test_an_admin_of_the_settings_file_cannot_be_removed_in_chat(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("admin remove @sato")
    assert admin.text == "sato は設定ファイルの管理者のため、ここでは外せません。"
    await admin.say("system list")
    assert card(admin, "別表のシステム（5件）")
    assert await audited(runtime) == []


# --- the 担当課室 of a system --------------------------------------------------------------


async def test_the_owning_division_may_change_its_manual_and_description(
    runtime: Runtime,
) -> None:
    owner = dx_member(runtime)
    await owner.say(f"system set lgwan-assistant manual_url {NEW_MANUAL}")
    assert facts(card(owner, "庁内AIアシスタント の変更内容")) == {
        "マニュアル": f"{ASSISTANT_MANUAL} → {NEW_MANUAL}"
    }
    await owner.press("確定")
    assert "庁内AIアシスタント を変更しました。" in owner.text

    await propose_and(
        owner, "system set lgwan-assistant description 庁内の文書作成を助けるAI", "確定"
    )
    assert "庁内AIアシスタント を変更しました。" in owner.text

    system = await saved(runtime, "lgwan-assistant")
    assert (system.manual_url, system.description) == (NEW_MANUAL, "庁内の文書作成を助けるAI")
    changes = await audited(runtime, "system.set")
    assert [(e.actor, e.target) for e in changes] == [("dx", "system:lgwan-assistant")] * 2
    assert changes[0].after["manual_url"] == NEW_MANUAL
    assert changes[1].after["description"] == "庁内の文書作成を助けるAI"
    assert "DX推進課 デジタル 次郎 が 庁内AIアシスタント を変更しました。" in await policy_posts(
        runtime
    )


async def test_the_owning_division_may_not_change_the_class_nor_another_system(
    runtime: Runtime,
) -> None:
    owner = dx_member(runtime)
    attempts = [
        "system set lgwan-assistant max_class 1",
        "system set copilot owner_contact 内線9999",
        "system set copilot description DX推進課の説明",
    ]
    for command in attempts:
        await owner.say(command)
        assert_refused(owner)

    assert (await saved(runtime, "lgwan-assistant")).max_class == "2"
    assert await contact_of(runtime, "copilot") == "内線2101"
    refused = await audited(runtime)
    assert [(e.actor, e.action, e.outcome) for e in refused] == [("dx", "refused", "refused")] * 3
    for entry, command in zip(refused, attempts, strict=True):
        assert entry.target and command.startswith(entry.target), (entry.target, command)


# --- contacts (anyone) ---------------------------------------------------------------------


async def test_contacts_for_anyone_and_for_a_named_system(runtime: Runtime) -> None:
    staff = persona(runtime, "yamada")
    await staff.say("contacts")
    guideline = card(staff, "問い合わせ先（ガイドライン §6）")
    assert facts(guideline) == {
        "ガイドラインについて": "情報政策課 AI推進担当 / ai-guide@city.sakura.example.lg.jp"
        " / 電話 内線2110",
        "情報政策担当課": "情報政策課 / johoseisaku@city.sakura.example.lg.jp / 電話 内線2101",
        "情報セキュリティの窓口": "情報政策課 セキュリティ担当 / security@city.sakura.example.lg.jp"
        " / 電話 内線2105",
    }
    assert len(cards(staff)) == 1

    await staff.say("contacts copilot")
    assert card(staff, "問い合わせ先（ガイドライン §6）")
    owner = card(staff, "Microsoft 365 Copilot Chat の問い合わせ先")
    assert facts(owner) == {"担当課室": "情報政策課 内線2101"}

    await staff.say("contacts 翻訳AI")  # an alias
    assert facts(card(staff, "翻訳AIサービス の問い合わせ先")) == {"担当課室": "広報課 内線3300"}

    await staff.say("contacts nosuch")
    assert card(staff, "問い合わせ先（ガイドライン §6）")
    assert "「nosuch」というシステムは別表にありません。" in staff.text
    assert await audited(runtime) == []  # nothing refused


# --- the Slack-like prefix -----------------------------------------------------------------


async def test_the_slash_prefix_works_the_same(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system list")
    typed = admin.text
    await admin.say("/aiguide system list")
    assert admin.text == typed
    await admin.say("/aiguide system list --status suspended")
    assert card(admin, "別表のシステム（1件）")

    staff = persona(runtime, "yamada")
    await staff.say("/aiguide system list")
    assert_refused(staff)
    assert [(e.actor, e.target) for e in await audited(runtime)] == [("yamada", "system list")]


async def test_choosing_a_division_in_the_profile_does_not_make_one_an_owner(
    runtime: Runtime,
) -> None:
    yamada = persona(runtime, "yamada")  # 税務課 in the directory
    await yamada.say("プロフィール")
    await yamada.press("山田 花子")
    await yamada.press("DX推進課")  # what she says of herself
    await yamada.press("スキップ")
    await yamada.press("送信")
    await yamada.say("system set lgwan-assistant owner_contact 内線0000")
    assert_refused(yamada)
    assert await contact_of(runtime, "lgwan-assistant") == "内線1234"


async def test_resuming_a_system_in_use_or_suspending_a_suspended_one_changes_nothing(
    runtime: Runtime,
) -> None:
    sato = persona(runtime, "sato")
    await sato.say("system resume copilot")
    assert sato.text == "今の値と同じです。変更はありません。"
    await sato.say("system suspend image-generator 念のため")
    assert sato.text == "今の値と同じです。変更はありません。"
    assert await audited(runtime, "system.resume") == []


async def test_mistakes_in_system_set_are_explained_in_japanese(runtime: Runtime) -> None:
    sato = persona(runtime, "sato")
    await sato.say("system set copilot service_type foo")
    assert sato.text == (
        "その値は使えません:\nサービスの種類: 次のいずれかを書いてください: "
        "public_terms: 約款型クラウド（規約に同意するだけで使えるもの） ／ "
        "contracted: 契約によるクラウド ／ on_premises: 庁内設置（オンプレミス）"
    )
    await sato.say("system set copilot status suspended")
    assert "system suspend ID 理由" in sato.text
    await sato.say("system list --status paused")
    assert sato.text == "状態は designated, suspended のどれかで指定してください。"


async def test_a_full_width_class_is_the_class_it_reads_as(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    # knowledge-rag is at 3C already: 「３Ｃ」 is that same class, not one off the scale.
    await admin.say("system set knowledge-rag max_class ３Ｃ")
    assert admin.text == "今の値と同じです。変更はありません。"
    await admin.say("system set copilot max_class ９")
    assert "機密性「9」は分類にありません" in admin.text


async def test_a_field_may_be_named_as_the_card_names_it_whole_or_by_a_part_only_it_has(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set copilot 担当課室の連絡先 内線2199")
    assert facts(card(admin, "Microsoft 365 Copilot Chat の変更内容")) == {
        "担当課室の連絡先": "内線2101 → 内線2199"
    }
    await admin.say("system set copilot 上限 2")  # only 「入力できる機密性の上限」 has it
    assert "確認日が両方必要" in admin.text
    await admin.say("system set copilot 状態 停止")  # suspension keeps its own procedure
    assert "system suspend" in admin.text
    await admin.say("system set copilot 担当 x")  # 担当課室 and its contact: ambiguous
    assert "「担当」は別表の項目ではありません" in admin.text
    assert await audited(runtime) == []
