"""Reporting a generative-AI risk case (§4ア, 別紙1) in the reporter's own conversation, and
adding the handling (§4イ) and the result (§4ウ) to it — through the real router and store.

What reaches the policy division's thread, the CAIO and the mail server is checked in
tests/bot/test_report_delivery.py; this file is what the reporter (or someone else) sees.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, text

from bot.runtime import Runtime
from bot.services.reports import fiscal_year
from dialogs.context import JST
from dialogs.ui import Reply
from tests.chat import Chat
from tests.conftest import SAMPLE_PERSONAS, Database, start_runtime

TITLE = "生成AIのリスクケースの報告"
INTRO = "生成AIのリスクケースの報告ですね（ガイドライン §4・別紙1）"
COPILOT = "Microsoft 365 Copilot Chat"
# An output that names a resident and a phone number: kept only masked (別紙1 asks for the
# input and output concerned, not for the personal information in them).
EXCERPT = "出力: 山田太郎様 090-1234-5678 にご連絡ください"
MASKED = "出力: ［氏名］様 ［電話番号］ にご連絡ください"
NOT_FOUND = "その報告は見つからないか、見る権限がありません。"


class Persona(Chat):
    """A persona of the sample municipality, sent with the name and division the directory
    knows, as the local web chat sends them."""

    def __init__(self, runtime: Runtime, persona_id: str) -> None:
        persona = next(p for p in SAMPLE_PERSONAS if p.id == persona_id)
        super().__init__(runtime, persona.id, persona.name)
        self.division = persona.division

    async def send(self, **fields: object) -> list[Reply]:
        return await super().send(user_division=self.division, **fields)

    async def act(self, action: str) -> list[Reply]:
        """Press a button seen elsewhere (a thread post, the inbox) by its id."""
        return await self.send(action=action, event_id=str(uuid.uuid4()))


@dataclass(frozen=True)
class Case:
    """The reporter's answers, as the labels of the buttons she presses."""

    system: str = COPILOT
    category: str = "攻撃的・危険な内容"
    what: str = "住民向け案内文の下書きに攻撃的な表現が出力された"
    excerpt: str | None = None
    entered: str = "入力していない"
    impact: str = "庁内だけ"
    severity: str = "重大ではないと思う"


def fiscal_year_now() -> int:
    """Report numbers count per fiscal year: April to March, in Japan time."""
    today = datetime.now(JST)
    return today.year if today.month >= 4 else today.year - 1


def number_in(chat: Chat) -> str:
    found = re.search(r"RC-\d{4}-\d{4}", chat.text)
    assert found, chat.text
    return found.group(0)


def card(chat: Chat) -> dict[str, Any]:
    [found] = [r.to_dict() for r in chat.last if r.to_dict()["type"] == "card"]
    return found


def facts(body: dict[str, Any]) -> dict[str, str]:
    return {fact["label"]: fact["value"] for fact in body["facts"]}


async def answer_up_to_review(chat: Chat, case: Case = Case()) -> None:
    """「報告したい」 and every question after the prefilled name and division."""
    await chat.say("報告したい")
    await chat.say("内線3456")  # contact
    await chat.press(case.system)
    await chat.press("スキップ")  # 発生日
    await chat.press("今日")  # 検知日
    await chat.press(case.category)
    await chat.say(case.what)
    if case.excerpt is None:
        await chat.press("スキップ")
    else:
        await chat.say(case.excerpt)
    await chat.press(case.entered)
    await chat.press(case.impact)
    await chat.press(case.severity)
    await chat.press("スキップ")  # これまでの対応
    assert f"「{TITLE}」の内容を確認してください" in chat.text, chat.text


async def file_report(chat: Chat, case: Case = Case()) -> str:
    """File a report from start to 送信; its number."""
    await answer_up_to_review(chat, case)
    await chat.press("送信")
    assert "として情報政策課に報告しました" in chat.text, chat.text
    return number_in(chat)


async def rows_holding(runtime: Runtime, needle: str) -> list[str]:
    """Every row, in every table of the database, whose text holds `needle` (also as JSON
    escapes it, as a JSON column may store it)."""
    needles = {needle, json.dumps(needle)[1:-1]}
    found: list[str] = []
    async with runtime.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in tables:
            for row in await conn.execute(text(f'SELECT * FROM "{table}"')):
                line = " ".join(str(value) for value in row)
                if any(n in line for n in needles):
                    found.append(f"{table}: {line}")
    assert "risk_report" in tables and "conversation_state" in tables  # the search saw the tables
    return found


# --- filing (§4ア) ------------------------------------------------------------------------


async def test_a_report_is_filed_with_the_name_and_division_known_and_the_excerpt_masked(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.say("報告したい")
    assert INTRO in yamada.text
    # name and division come from the directory: the first question is the contact
    assert "3/13 連絡先（内線・メールなど）を入力してください。" in yamada.text
    assert "お名前" not in yamada.text
    await yamada.say("内線3456")
    assert "4/13 どのシステムで起きましたか？" in yamada.text
    assert {COPILOT, "庁内AIアシスタント", "指定外のシステム・その他"} <= set(yamada.labels)
    await yamada.press(COPILOT)
    assert "5/13 起きた日はいつですか？（わからなければスキップ）" in yamada.text
    await yamada.press("スキップ")
    assert "6/13 気づいた（検知した）日はいつですか？" in yamada.text
    await yamada.press("今日")
    assert "7/13 どんなことが起きましたか？" in yamada.text
    assert yamada.labels[:5] == [
        "偏見・差別的な出力",
        "攻撃的・危険な内容",
        "誤った情報による不利益",
        "既存の作品に似た出力・権利者からの申出",
        "その他",
    ]
    await yamada.press("攻撃的・危険な内容")
    await yamada.say("住民向け案内文の下書きに攻撃的な表現が出力された")
    assert "9/13 関係する入力や出力があれば貼り付けてください" in yamada.text
    await yamada.say(EXCERPT)
    assert "10/13 そのシステムに、個人情報や要機密情報を入力しましたか？" in yamada.text
    await yamada.press("入力していない")
    await yamada.press("庁内だけ")
    await yamada.press("重大ではないと思う")
    assert "13/13 これまでにした対応があれば書いてください" in yamada.text
    await yamada.press("スキップ")

    review = card(yamada)
    assert review["title"] == f"「{TITLE}」の内容を確認してください"
    today = datetime.now(JST).date().isoformat()
    assert facts(review) == {
        "報告者": "山田 花子",
        "所属": "税務課",
        "連絡先": "内線3456",
        "システム": COPILOT,
        "発生日": "（なし）",
        "検知日": today,
        "種類": "攻撃的・危険な内容",
        "内容": "住民向け案内文の下書きに攻撃的な表現が出力された",
        "入力・出力（伏せ字）": MASKED,
        "入力した情報": "入力していない",
        "影響": "庁内だけ",
        "重大性（報告者の見立て）": "重大ではないと思う",
        "これまでの対応": "（なし）",
    }
    assert set(yamada.labels) == {"送信", "修正する", "中止"}

    await yamada.press("送信")
    number = f"RC-{fiscal_year_now()}-0001"
    assert f"{number} として情報政策課に報告しました。受付や指示はここでお知らせします。" in (
        yamada.text
    )
    assert "CAIO" not in yamada.text  # not serious: the policy division only
    assert yamada.labels == ["対処を追記（イ）", "結果を報告（ウ）"]

    # the resident's name and number were never stored, in any table, on either backend
    assert await rows_holding(runtime, "090-1234-5678") == []
    assert await rows_holding(runtime, "山田太郎") == []
    assert await rows_holding(runtime, "［電話番号］")  # the masked excerpt is what is kept


async def test_reports_are_numbered_in_order_within_the_fiscal_year(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    tanaka = Persona(runtime, "tanaka")
    year = fiscal_year_now()
    assert await file_report(yamada) == f"RC-{year}-0001"
    assert await file_report(tanaka) == f"RC-{year}-0002"
    assert await file_report(yamada) == f"RC-{year}-0003"


def test_the_fiscal_year_of_a_report_turns_at_midnight_on_april_first_in_japan() -> None:
    assert fiscal_year(datetime(2027, 3, 31, 14, 59, tzinfo=UTC)) == 2026  # 3/31 23:59 JST
    assert fiscal_year(datetime(2027, 3, 31, 15, 0, tzinfo=UTC)) == 2027  # 4/1 0:00 JST
    assert fiscal_year(datetime(2027, 1, 5, tzinfo=JST)) == 2026


async def test_the_prefilled_name_and_division_can_be_changed_at_the_confirmation(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await answer_up_to_review(yamada)
    await yamada.press("修正する")
    assert "どの項目を修正しますか？" in yamada.text
    assert {"報告者", "所属", "連絡先", "入力・出力（伏せ字）"} <= set(yamada.labels)
    await yamada.press("所属")
    assert "2/13 報告者の所属を選んでください。" in yamada.text
    await yamada.press("市民課")
    # only the edited answer is asked again: back to the confirmation
    assert facts(card(yamada))["所属"] == "市民課"
    await yamada.press("修正する")
    await yamada.press("報告者")
    assert "1/13 報告者のお名前を教えてください。" in yamada.text
    await yamada.say("山田 花")
    review = facts(card(yamada))
    assert (review["報告者"], review["所属"]) == ("山田 花", "市民課")
    await yamada.press("送信")
    await yamada.say(f"報告 {number_in(yamada)}")
    assert facts(card(yamada))["報告者"] == "市民課 山田 花"


async def test_an_excerpt_edited_at_the_confirmation_is_masked_again(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    await answer_up_to_review(yamada, Case(excerpt="個人情報なし"))
    await yamada.press("修正する")
    await yamada.press("入力・出力（伏せ字）")
    assert "9/13 関係する入力や出力があれば貼り付けてください" in yamada.text
    await yamada.say(EXCERPT)
    assert facts(card(yamada))["入力・出力（伏せ字）"] == MASKED
    await yamada.press("送信")
    assert await rows_holding(runtime, "090-1234-5678") == []


async def test_back_asks_the_previous_question_again_and_a_required_one_cannot_be_skipped(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.say("報告したい")
    await yamada.say("内線3456")
    await yamada.press(COPILOT)
    await yamada.press("スキップ")  # 発生日
    assert "6/13 気づいた（検知した）日はいつですか？" in yamada.text
    await yamada.say("スキップ")
    assert "この項目は必須のため、スキップできません。" in yamada.text
    assert "6/13 気づいた（検知した）日はいつですか？" in yamada.text
    await yamada.press("戻る")
    assert "5/13 起きた日はいつですか？" in yamada.text
    await yamada.press("昨日")
    await yamada.say("戻る")  # typed works as well as pressed
    await yamada.say("戻る")
    assert "4/13 どのシステムで起きましたか？" in yamada.text
    await yamada.press("庁内AIアシスタント")
    await yamada.say("2026-11-02")
    await yamada.press("今日")
    await yamada.press("その他")
    await yamada.say("要約に存在しない条例名が出た")
    await yamada.press("スキップ")
    await yamada.press("入力していない")
    await yamada.press("庁内だけ")
    await yamada.press("わからない")
    await yamada.say("出力は使わずに破棄した")
    review = facts(card(yamada))
    assert review["システム"] == "庁内AIアシスタント"
    assert review["発生日"] == "2026-11-02"
    assert review["入力・出力（伏せ字）"] == "（なし）"
    assert review["これまでの対応"] == "出力は使わずに破棄した"
    await yamada.say("戻る")  # at the confirmation: the last answer is asked again
    assert "13/13 これまでにした対応があれば書いてください" in yamada.text


async def test_a_cancelled_report_files_nothing_and_the_next_one_starts_afresh(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await answer_up_to_review(yamada)
    await yamada.press("中止")
    assert f"「{TITLE}」を中止しました。入力内容は破棄しました。" in yamada.text
    await runtime.deliver()
    assert await (await runtime.town()).threads("policy") == []
    assert await (await runtime.town()).reports_with_events(None, None) == []

    await yamada.say("報告したい")
    assert INTRO in yamada.text
    assert "3/13 連絡先" in yamada.text
    await yamada.say("中止")  # typed, in the middle
    assert "を中止しました" in yamada.text
    assert await file_report(yamada) == f"RC-{fiscal_year_now()}-0001"


async def test_a_half_filled_report_continues_at_the_same_question_after_a_restart(
    database: Database,
) -> None:
    first = await start_runtime(database)
    await Persona(first, "yamada").say("報告したい")
    yamada = Persona(first, "yamada")
    await yamada.say("内線3456")
    await yamada.press(COPILOT)
    await yamada.press("スキップ")
    await yamada.press("今日")
    await yamada.press("誤った情報による不利益")
    assert "8/13 何が起きたかを具体的に書いてください。" in yamada.text
    await first.close()

    second = await start_runtime(database)
    try:
        yamada = Persona(second, "yamada")
        await yamada.say("存在しない制度を住民向け文書に書いてしまった")
        assert "9/13 関係する入力や出力があれば貼り付けてください" in yamada.text
        await yamada.say("あとで")
        assert f"「{TITLE}」の入力を保存しました" in yamada.text
        await yamada.say("報告したい")
        assert f"「{TITLE}」の続きから再開します。" in yamada.text
        assert "9/13 関係する入力や出力があれば貼り付けてください" in yamada.text
        await yamada.press("スキップ")
        await yamada.press("入力していない")
        await yamada.press("住民など第三者に影響")
        await yamada.press("わからない")
        await yamada.press("スキップ")
        review = facts(card(yamada))
        assert review["連絡先"] == "内線3456"
        assert review["種類"] == "誤った情報による不利益"
        assert review["内容"] == "存在しない制度を住民向け文書に書いてしまった"
        await yamada.press("送信")
        assert f"RC-{fiscal_year_now()}-0001 として情報政策課に報告しました" in yamada.text
    finally:
        await second.close()


# --- seriousness, as the reporter is told (§4ア) -----------------------------------------


async def test_the_reporter_is_told_a_biased_output_went_to_the_caio_at_once(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await file_report(yamada, Case(category="偏見・差別的な出力"))
    assert "重大なケースとして、CAIOにもすぐに知らせました（§4ア）。" in yamada.text


async def test_the_reporter_is_told_of_a_possible_security_incident(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    await file_report(yamada, Case(entered="個人情報を入力した"))
    assert (
        "情報セキュリティインシデントの可能性があるため、情報政策課 セキュリティ担当にも"
        "知らせました。" in yamada.text
    )
    assert "CAIO" not in yamada.text  # not serious by any rule


# --- who may see and act on a report -------------------------------------------------------


async def test_only_the_reporter_the_policy_division_and_the_caio_see_a_report(
    runtime: Runtime,
) -> None:
    number = await file_report(Persona(runtime, "yamada"))
    for who in ("yamada", "sato", "suzuki"):
        chat = Persona(runtime, who)
        await chat.say(f"報告 {number}")
        assert card(chat)["title"] == f"{number} 攻撃的・危険な内容（{COPILOT}）", who

    tanaka = Persona(runtime, "tanaka")
    await tanaka.say(f"報告 {number}")
    assert NOT_FOUND in tanaka.text
    assert "住民向け案内文" not in tanaka.text
    await tanaka.say(f"報告 {number} を更新")
    assert NOT_FOUND in tanaka.text
    # a report that does not exist gets the very same answer: nothing leaks
    await tanaka.say("報告 RC-2001-0099")
    assert NOT_FOUND in tanaka.text


async def test_staff_cannot_press_the_policy_divisions_buttons(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    await file_report(yamada)
    report_id = yamada.button("対処を追記（イ）").id.split(":")[1]
    for verb in ("ack", "ask", "escalate", "close"):
        await yamada.act(f"report:{report_id}:{verb}")
        assert yamada.text == "この操作は情報政策課またはCAIOだけが行えます。", verb
    await yamada.say(f"報告 RC-{fiscal_year_now()}-0001")
    shown = card(yamada)
    assert shown["lines"][-2:] == ["経過", shown["lines"][-1]]  # only the filing happened
    assert shown["lines"][-1].endswith("税務課 山田 花子: 報告")
    [(report, _)] = await (await runtime.town()).reports_with_events(None, None)
    assert (report.status, report.serious) == ("open", False)


async def test_someone_else_cannot_add_the_handling_to_a_report(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    await file_report(yamada)
    handling = yamada.button("対処を追記（イ）").id
    tanaka = Persona(runtime, "tanaka")
    await tanaka.act(handling)
    assert NOT_FOUND in tanaka.text
    assert "業務への影響を書いてください" not in tanaka.text


# --- handling (§4イ) and result (§4ウ) ------------------------------------------------------


async def test_the_reporter_adds_the_handling_and_the_result_and_sees_the_timeline(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    number = await file_report(yamada)
    await yamada.press("対処を追記（イ）")
    assert "対処の内容を追記します（業務影響・原因・暫定対応・恒久対応）。" in yamada.text
    assert "1/4 業務への影響を書いてください。" in yamada.text
    await yamada.say("案内文の発送が1日遅れた")
    await yamada.say("プロンプトに口調の指定がなかった")
    await yamada.say("出力を必ず2人で確認する")
    await yamada.press("スキップ")  # 恒久対応: not yet
    review = facts(card(yamada))
    assert review["業務影響"] == "案内文の発送が1日遅れた"
    assert review["恒久対応"] == "（なし）"
    await yamada.press("送信")
    assert f"{number} に対処を追記しました。" in yamada.text

    await yamada.say(f"報告 {number} を更新")
    assert f"{number} に何を追記しますか？" in yamada.text
    assert yamada.labels == ["対処を追記（イ）", "結果を報告（ウ）"]
    await yamada.press("結果を報告（ウ）")
    assert "対応結果を報告します。" in yamada.text
    assert "1/3 行った対応を書いてください。" in yamada.text
    await yamada.say("テンプレートに口調の指定を加えた")
    await yamada.say("事業者に不適切表現のフィルタ強化を依頼")
    await yamada.press("今日")
    await yamada.press("送信")
    assert f"{number} に対応結果を報告しました。" in yamada.text

    await yamada.say(f"報告 {number}")
    shown = card(yamada)
    assert shown["title"] == f"{number} 攻撃的・危険な内容（{COPILOT}）"
    listed = facts(shown)
    assert listed["業務影響"] == "案内文の発送が1日遅れた"
    assert listed["暫定対応"] == "出力を必ず2人で確認する"
    assert listed["対応内容"] == "テンプレートに口調の指定を加えた"
    assert listed["事業者への依頼"] == "事業者に不適切表現のフィルタ強化を依頼"
    timeline = shown["lines"][shown["lines"].index("経過") + 1 :]
    assert [line.split(": ")[-1] for line in timeline] == ["報告", "対処の追記", "対応結果"]
    assert all(re.match(r"・\d\d/\d\d \d\d:\d\d 税務課 山田 花子: ", line) for line in timeline)


async def test_personal_information_in_any_free_text_of_a_report_is_masked_and_the_reporter_told(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    what = "高橋誠司様（090-2222-3333、マイナンバー 123456789018）の相談記録を要約させた"
    await file_report(yamada, Case(what=what))
    raw = ("高橋誠司", "090-2222-3333", "123456789018")
    for value in raw:
        assert await rows_holding(runtime, value) == [], value
    [(report, _)] = await (await runtime.town()).reports_with_events(None, None)
    assert "［電話番号］" in report.detection["what"]
    assert "［マイナンバー］" in report.detection["what"]


async def test_the_reporter_is_told_what_was_masked(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.say("報告したい")
    await yamada.say("内線3456")
    await yamada.press(COPILOT)
    await yamada.press("スキップ")
    await yamada.press("今日")
    await yamada.press("攻撃的・危険な内容")
    await yamada.say("090-2222-3333 に電話するよう出力された")
    assert "個人情報らしい部分（電話番号）を伏せ字にして保存しました" in yamada.text
