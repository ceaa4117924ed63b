"""利用開始 — the training and the pre-use confirmations (§3(1)1) — and the guideline's versions
(§5), through the real router and a real store.

Each test reads like the conversation it checks: what a person sends, what they see, and what
arrives in their inbox afterwards. Dates are relative to today in JST, as the bot's are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.runtime import Runtime
from dialogs.context import JST
from dialogs.pre_use import PreUseState
from dialogs.ui import Reply
from storage.models import TrainingRecord
from tests.chat import Chat
from tests.conftest import SAMPLE_MUNICIPALITY, SAMPLE_PERSONAS, Database, settings_for

MAJOR = "改定（CAIO決裁。全員が確認し直し）"
MINOR = "軽微な修正（情報政策課長決裁。お知らせのみ）"
START = "利用開始（利用前の確認）"
COPILOT_QUESTION = "公開済みの議事録をCopilotに入れていい？"
REFUSED = "Microsoft 365 Copilot Chat への入力 — 入力できません"

# The five confirmations of §3(1)1 (with the national notice on services such as DeepSeek), in
# the order they are asked: the heading of each item and a phrase of its plain summary.
ITEMS = (
    ("【便益とリスク】", "ハルシネーション"),
    ("【担当課室の説明】", "リスクケースが起きたときの対応"),
    ("【入出力の提供】", "担当課室・情報政策課に提出することがあります"),
    ("【私用デバイス】", "職務上知り得た情報を入力しない"),
    ("【国外サービスへの注意】", "DeepSeek"),
)
ENGLISH_ITEMS = (
    ("[Benefits and risks]", "hallucination"),
    ("[The responsible division's explanations]", "a risk case"),
    ("[Handing over]", "on request"),
    ("[Personal devices]", "information learned at work"),
    ("[Services abroad]", "DeepSeek"),
)
CONFIRMED_FACTS = (
    "便益とリスクの理解: 確認しました",
    "担当課室の説明の理解: 確認しました",
    "入出力の提供への了解: 確認しました",
    "私用デバイスで使わない: 確認しました",
    "国外サービスへの注意の確認: 確認しました",
)


def today() -> date:
    return datetime.now(JST).date()


class Persona(Chat):
    """Someone from the sample municipality's personas, as the local web chat sends them:
    with the name and division the directory knows."""

    def __init__(self, runtime: Runtime, persona_id: str) -> None:
        persona = next(p for p in SAMPLE_PERSONAS if p.id == persona_id)
        super().__init__(runtime, persona.id, persona.name)
        self.division = persona.division

    async def send(self, **fields: object) -> list[Reply]:
        return await super().send(user_division=self.division, **fields)


def card(chat: Chat, title: str) -> dict[str, Any]:
    """The card among the last replies whose title starts with `title`."""
    for reply in chat.last:
        body = reply.to_dict()
        if body["type"] == "card" and body["title"].startswith(title):
            return body
    raise AssertionError(f"no card {title!r} in:\n{chat.text}")


def facts(body: dict[str, Any]) -> dict[str, str]:
    return {fact["label"]: fact["value"] for fact in body["facts"]}


def cards(chat: Chat) -> list[dict[str, Any]]:
    return [r.to_dict() for r in chat.last if r.to_dict()["type"] == "card"]


async def my_status(chat: Chat) -> dict[str, Any]:
    await chat.say("私の状況")
    return card(chat, "私の状況（利用前の確認）")


async def inbox(runtime: Runtime, user: str) -> list[dict[str, Any]]:
    posts, _ = await (await runtime.town()).inbox(user, 0)
    return [post.body for post in posts]


async def confirm_every_item(chat: Chat) -> None:
    while "確認しました" in chat.labels:
        await chat.press("確認しました")


async def publish(admin: Chat, version: str, kind: str, effective_on: date, summary: str) -> None:
    """Go through 「ガイドライン公開」 as the policy division would, up to 送信."""
    approver = "副市長 高橋" if kind == MAJOR else "情報政策課長"
    await admin.say("ガイドライン公開")
    assert "ガイドラインの新しい版を公開します（§5）" in admin.text
    assert "1/5 版の番号を入力してください" in admin.text
    await admin.say(version)
    assert "2/5 どの種類の変更ですか？" in admin.text
    assert {MAJOR, MINOR} <= set(admin.labels)
    await admin.press(kind)
    assert "3/5 決裁者を入力してください" in admin.text
    await admin.say(approver)
    assert "4/5 施行日を入力してください" in admin.text
    await admin.say(effective_on.isoformat())
    assert "5/5 変更の概要を入力してください" in admin.text
    await admin.say(summary)
    review = card(admin, "「ガイドラインの版の公開」の内容を確認してください")
    assert facts(review) == {
        "版": version,
        "種類": kind,
        "決裁者": approver,
        "施行日": effective_on.isoformat(),
        "変更の概要": summary,
    }
    await admin.press("送信")


# --- 利用開始 ---------------------------------------------------------------------------------


async def test_pre_use_from_the_menu_asks_the_training_then_each_item_and_records_it(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    trained = today() - timedelta(days=30)
    await chat.say("メニュー")
    await chat.press(START)
    assert "研修の受講と次の事項を確認します（ガイドライン §3(1)1）" in chat.text
    # self-declared training (the sample setting): the date is asked first
    assert "1/6 情報政策課が指定する研修を受講した日を教えてください" in chat.text
    assert {"今日", "昨日", "中止"} <= set(chat.labels)

    await chat.say(trained.isoformat())
    for number, (heading, summary) in enumerate(ITEMS, start=2):
        assert f"{number}/6 {heading}" in chat.text
        assert summary in chat.text
        assert "確認しました" in chat.labels
        await chat.press("確認しました")

    review = card(chat, "「利用開始（利用前の確認）」の内容を確認してください")
    lines = chat.text.splitlines()
    assert f"  研修の受講日: {trained.isoformat()}" in lines
    for fact in CONFIRMED_FACTS:
        assert f"  {fact}" in lines
    assert len(review["facts"]) == 6
    assert {"送信", "修正する", "中止"} <= set(chat.labels)

    await chat.press("送信")
    assert "利用前の確認を記録しました（ガイドライン Ver1.0）" in chat.text


async def test_the_form_forgives_back_a_future_date_later_and_cancel(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("利用開始")
    tomorrow = today() + timedelta(days=1)
    await chat.say(tomorrow.isoformat())
    assert f"未来の日付は入力できません（今日は {today().isoformat()} です）" in chat.text
    assert "1/6" in chat.text  # the same question again

    await chat.press("昨日")
    assert "2/6 【便益とリスク】" in chat.text
    await chat.press("確認しました")
    assert "3/6 【担当課室の説明】" in chat.text
    await chat.press("戻る")
    assert "2/6 【便益とリスク】" in chat.text
    await chat.say("確認しました")  # typed instead of pressed
    assert "3/6 【担当課室の説明】" in chat.text

    await chat.say("あとで")
    assert "「利用開始（利用前の確認）」の入力を保存しました" in chat.text
    await chat.say("メニュー")
    assert "「利用開始（利用前の確認）」の続き" in chat.labels
    await chat.press("「利用開始（利用前の確認）」の続き")
    assert "「利用開始（利用前の確認）」の続きから再開します。" in chat.text
    assert "3/6 【担当課室の説明】" in chat.text

    await chat.say("中止")
    assert "「利用開始（利用前の確認）」を中止しました。入力内容は破棄しました。" in chat.text
    assert facts(await my_status(chat))["利用前の確認"] == "未完了"
    await chat.say("メニュー")
    assert "「利用開始（利用前の確認）」の続き" not in chat.labels
    await chat.press(START)
    assert "1/6" in chat.text  # afresh: nothing was kept
    assert "続きから" not in chat.text


async def test_my_status_before_and_after_the_confirmations(runtime: Runtime) -> None:
    chat = Chat(runtime)
    before = await my_status(chat)
    assert facts(before)["利用前の確認"] == "未完了"
    assert facts(before)["研修「生成AI利用研修（基礎編）」"] == "未完了"
    assert "生成AIシステムを使う前に、利用前の確認を済ませてください（§3(1)1）。" in before["lines"]
    assert START in chat.labels

    await chat.press(START)  # the status card's own button starts the confirmations
    assert "研修の受講と次の事項を確認します（ガイドライン §3(1)1）" in chat.text
    await chat.complete_pre_use(trained_on="2026-10-01")

    after = await my_status(chat)
    renewal = today() + timedelta(days=(await runtime.town()).facts.renewal_days)
    assert facts(after) == {
        "現在のガイドライン": "1.0",
        "研修「生成AI利用研修（基礎編）」": "2026-10-01",
        "利用前の確認": "済み（Ver1.0）",
        "次の確認期限": renewal.isoformat(),  # a year from today, in JST
    }
    assert "利用前の準備は済んでいます。" in after["lines"]
    assert START not in chat.labels


def test_the_renewal_is_due_a_year_after_the_day_confirmed_in_japan() -> None:
    """Confirmed at 2026-11-29 01:00 JST (still the 28th in UTC): due 2027-11-29."""
    state = PreUseState(
        training_source="self_declared",
        roster_completed_on=None,
        declared_completed_on=date(2026, 10, 1),
        confirmed_seq=1,
        confirmed_version="1.0",
        confirmed_at=datetime(2026, 11, 28, 16, 0, tzinfo=UTC),
        current_seq=1,
        current_version="1.0",
        last_major_seq=1,
        renewal_days=365,
    )
    assert state.renewal_due_on == date(2027, 11, 29)
    assert state.confirmed(date(2027, 11, 28))


async def test_the_entry_check_waits_for_the_pre_use_confirmations(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say(COPILOT_QUESTION)
    refused = card(chat, REFUSED)
    assert "・利用前に「生成AI利用研修（基礎編）」の受講が必要です。（§3(1)1）" in refused["lines"]
    assert chat.button(START).id == "menu:pre_use"

    await chat.press(START)
    assert "研修の受講と次の事項を確認します（ガイドライン §3(1)1）" in chat.text
    await chat.complete_pre_use()

    await chat.say(COPILOT_QUESTION)
    assert "受講が必要" not in chat.text
    assert "§3(1)1" not in chat.text
    assert "個人情報（氏名・住所・電話番号など）は含まれますか？" in chat.text


# --- publishing a version (§5) ------------------------------------------------------------


async def test_a_major_revision_asks_everyone_to_confirm_again_and_notifies_them_once(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.complete_pre_use()
    sato = Persona(runtime, "sato")

    await publish(sato, "2.0", MAJOR, today(), "入力してよい情報の区分を改めました。")
    assert f"ガイドライン Ver2.0（{MAJOR}）を公開しました。2 人に通知します。" in sato.text

    status = await my_status(yamada)
    assert facts(status)["現在のガイドライン"] == "2.0"
    assert facts(status)["利用前の確認"] == "未完了"
    assert "ガイドラインが Ver2.0 に改定されました。確認し直してください。" in status["lines"]
    assert START in yamada.labels
    await yamada.say(COPILOT_QUESTION)
    assert any(
        "利用前の確認" in line and "（§3(1)1）" in line for line in card(yamada, REFUSED)["lines"]
    )

    assert await inbox(runtime, "yamada") == []  # nothing before the outbox is delivered
    await runtime.deliver()
    notices = await inbox(runtime, "yamada")
    assert len(notices) == 1
    notice = notices[0]
    assert notice["title"] == "ガイドラインが Ver2.0 に改定されました"
    assert "入力してよい情報の区分を改めました。" in notice["lines"]
    assert facts(notice)["施行日"] == today().isoformat()
    assert "利用前の確認をやり直してください（§5・§3(1)1）" in notice["lines"][-1]
    assert [b["id"] for b in notice["buttons"]] == ["menu:pre_use"]

    await runtime.deliver()
    assert len(await inbox(runtime, "yamada")) == 1  # delivered once only
    reports = [body.get("text", "") for body in await inbox(runtime, "sato")]
    assert "Ver2.0 の通知をすべて配信しました（2 人）。" in reports

    await yamada.complete_pre_use()
    assert "利用前の確認を記録しました（ガイドライン Ver2.0）" in yamada.text
    assert facts(await my_status(yamada))["利用前の確認"] == "済み（Ver2.0）"


async def test_a_minor_change_is_only_announced(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.complete_pre_use()
    sato = Persona(runtime, "sato")

    await publish(sato, "1.1", MINOR, today(), "誤字を直しました。")
    assert f"ガイドライン Ver1.1（{MINOR}）を公開しました。2 人に通知します。" in sato.text

    status = await my_status(yamada)
    assert facts(status)["現在のガイドライン"] == "1.1"
    assert facts(status)["利用前の確認"] == "済み（Ver1.0）"
    await yamada.say(COPILOT_QUESTION)
    assert not any(c["title"] == REFUSED for c in cards(yamada))

    await runtime.deliver()
    notices = await inbox(runtime, "yamada")
    assert [n["title"] for n in notices] == ["ガイドライン Ver1.1（軽微な修正）のお知らせ"]
    assert "誤字を直しました。" in notices[0]["lines"]
    assert notices[0]["buttons"] == []  # no 利用開始: nothing to confirm again


async def test_a_major_revision_not_yet_in_force_leaves_the_confirmations_valid(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.complete_pre_use()
    sato = Persona(runtime, "sato")

    await publish(sato, "2.0", MAJOR, today() + timedelta(days=30), "来月から区分を改めます。")
    assert "ガイドライン Ver2.0" in sato.text and "を公開しました" in sato.text

    status = await my_status(yamada)
    assert facts(status)["現在のガイドライン"] == "1.0"
    assert facts(status)["利用前の確認"] == "済み（Ver1.0）"
    await yamada.say(COPILOT_QUESTION)
    assert not any(c["title"] == REFUSED for c in cards(yamada))
    assert "個人情報（氏名・住所・電話番号など）は含まれますか？" in yamada.text


async def test_only_the_policy_division_publishes_and_a_version_is_published_once(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.complete_pre_use()
    await yamada.say("ガイドライン公開")
    assert (
        "この操作は情報政策課（管理者）だけが行えます。"
        "必要な場合は情報政策課（内線2101）にご依頼ください。" in yamada.text
    )
    assert "版の番号" not in yamada.text
    assert yamada.labels == []  # no form started

    sato = Persona(runtime, "sato")
    await sato.say("ガイドライン公開")
    await sato.say("1.0")  # a number already published: refused at once, the form kept
    assert "Ver1.0 はすでに公開されています。別の版の番号を入力してください。" in sato.text
    assert "1/5 版の番号を入力してください" in sato.text
    await sato.say("中止")
    assert "を公開しました" not in sato.text
    # nothing changed for anyone: no stale confirmations, no notices
    assert facts(await my_status(yamada))["利用前の確認"] == "済み（Ver1.0）"
    await runtime.deliver()
    assert await inbox(runtime, "yamada") == []


# --- 確認状況 -------------------------------------------------------------------------------


async def test_the_summary_counts_per_division_for_the_policy_division_and_the_caio(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")  # 税務課
    tanaka = Persona(runtime, "tanaka")  # 福祉課
    sato = Persona(runtime, "sato")  # 情報政策課
    await yamada.say("こんにちは")
    await tanaka.say("こんにちは")

    await sato.say("確認状況")
    summary = facts(card(sato, "利用前の確認の状況（Ver1.0）"))
    assert summary["税務課"] == "確認済み 0 ／ 未確認 1 ／ 期限超過 0"
    assert summary["福祉課"] == "確認済み 0 ／ 未確認 1 ／ 期限超過 0"

    await yamada.complete_pre_use()
    await sato.say("確認状況")
    summary = facts(card(sato, "利用前の確認の状況（Ver1.0）"))
    assert summary["税務課"] == "確認済み 1 ／ 未確認 0 ／ 期限超過 0"
    assert summary["福祉課"] == "確認済み 0 ／ 未確認 1 ／ 期限超過 0"
    assert summary["情報政策課"] == "確認済み 0 ／ 未確認 1 ／ 期限超過 0"  # sato himself
    assert summary["合計"] == "確認済み 1 ／ 未確認 2 ／ 期限超過 0"

    suzuki = Persona(runtime, "suzuki")  # the CAIO
    await suzuki.say("確認状況")
    by_caio = facts(card(suzuki, "利用前の確認の状況（Ver1.0）"))
    assert by_caio["税務課"] == "確認済み 1 ／ 未確認 0 ／ 期限超過 0"

    await yamada.say("確認状況")
    assert "この操作は情報政策課（管理者）だけが行えます。" in yamada.text
    assert cards(yamada) == []


# --- the roster setting -------------------------------------------------------------------


@pytest.fixture
async def roster_runtime(database: Database, tmp_path: Path) -> AsyncIterator[Runtime]:
    """The sample municipality, but only the policy division's roster counts as training."""
    path = tmp_path / "municipality.toml"
    text = SAMPLE_MUNICIPALITY.read_text(encoding="utf-8")
    assert 'source = "self_declared"' in text
    path.write_text(text.replace('source = "self_declared"', 'source = "roster"'), "utf-8")
    runtime = Runtime.create(settings_for(database, municipality_file=path))
    await runtime.load_sample_data()
    yield runtime
    await runtime.close()


async def test_with_a_roster_the_training_date_comes_from_the_roster(
    roster_runtime: Runtime,
) -> None:
    chat = Chat(roster_runtime)
    await chat.say("メニュー")
    await chat.press(START)
    assert (
        "「生成AI利用研修（基礎編）」の受講記録（情報政策課の名簿）にまだ載っていません。"
        "受講済みの場合は情報政策課（内線2101）にお問い合わせください。" in chat.text
    )
    assert "確認しました" not in chat.labels and "中止" not in chat.labels  # no form

    on_roster = TrainingRecord(
        tenant_id="",
        person="yamada",
        name="山田 花子",
        division="税務課",
        completed_on=date(2026, 10, 1),
    )
    await (await roster_runtime.town()).import_roster([on_roster])
    await chat.press_menu("pre_use")
    assert "研修の受講と次の事項を確認します（ガイドライン §3(1)1）" in chat.text
    assert "受講した日" not in chat.text  # not asked: the roster knows it
    assert "1/5 【便益とリスク】" in chat.text
    await confirm_every_item(chat)
    assert "研修の受講日" not in chat.text
    await chat.press("送信")
    assert "利用前の確認を記録しました（ガイドライン Ver1.0）" in chat.text

    status = await my_status(chat)
    assert facts(status)["研修「生成AI利用研修（基礎編）」"] == "2026-10-01"
    assert facts(status)["利用前の確認"] == "済み（Ver1.0）"

    tanaka = Chat(roster_runtime, "tanaka", "田中 一郎")  # still not on the roster
    await tanaka.say("利用開始")
    assert "名簿）にまだ載っていません" in tanaka.text


# --- English --------------------------------------------------------------------------------


async def test_the_pre_use_confirmations_are_in_english_for_an_english_speaker(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("English")
    await chat.press_menu("pre_use")
    assert "the training and the following confirmations (guideline §3(1)1)" in chat.text
    assert "1/6 When did you take the training" in chat.text
    assert {"Today", "Yesterday", "Cancel"} <= set(chat.labels)

    await chat.press("Yesterday")
    for number, (heading, summary) in enumerate(ENGLISH_ITEMS, start=2):
        assert f"{number}/6 {heading}" in chat.text
        assert summary in chat.text
        assert "確認しました" not in chat.labels
        await chat.press("Confirmed")
    assert 'Please check "Before first use"' in chat.text
    assert "Notice on services abroad read: Confirmed" in chat.text
    await chat.press("Submit")
    assert "Your pre-use confirmations are recorded (guideline version 1.0)" in chat.text

    # a revision reaches them in English too
    await publish(Persona(runtime, "sato"), "2.0", MAJOR, today(), "区分を改めました。")
    await runtime.deliver()
    notices = await inbox(runtime, chat.user)
    assert [n["title"] for n in notices] == ["The guideline is now version 2.0"]
    assert "please confirm again before use (§5, §3(1)1)." in notices[0]["lines"][-1]
    assert [b["label"] for b in notices[0]["buttons"]] == ["Before first use"]
