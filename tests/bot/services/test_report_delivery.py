"""Where a risk report goes (§4): one thread per report in the policy division's channel, with
every later step as a reply in it; serious cases at once to the CAIO as well — channel and
mail (§4ア); possible security incidents to the security contact; reminders when the handling
(§4イ) or the result (§4ウ) is late; and the export of every report with its timeline.

Mail goes over real SMTP to a fake server on loopback (tests/smtp.py). Times the bot decides
on (reminders, retries) are given explicitly, as timezone-aware datetimes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select, update

from bot.files.report_export import to_csv, to_xlsx
from bot.runtime import Runtime
from dialogs.context import JST
from storage.db import transaction
from storage.models import OutboxMessage, ReportEvent, RiskReport, utcnow
from storage.posts import Thread
from tests.conftest import Database, settings_for
from tests.dialogs.test_risk_report import (
    COPILOT,
    EXCERPT,
    MASKED,
    Case,
    Persona,
    file_report,
)
from tests.smtp import HOST, FakeSmtp, smtp_server

CAIO_MAIL = "caio@city.sakura.example.lg.jp"
SECURITY_MAIL = "security@city.sakura.example.lg.jp"
POLICY_BUTTONS = ["受付", "追加情報を依頼", "CAIOへ報告", "完了"]
SATO = "情報政策課 佐藤 健"
YAMADA = "税務課 山田 花子"


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    with smtp_server() as server:
        yield server


async def mailing_runtime(database: Database, smtp: FakeSmtp) -> Runtime:
    """A runtime that sends its mail to the fake SMTP server."""
    runtime = Runtime.create(settings_for(database, smtp_host=HOST, smtp_port=smtp.port))
    await runtime.load_sample_data()
    return runtime


@pytest.fixture
async def bot(database: Database, smtp: FakeSmtp) -> AsyncIterator[Runtime]:
    runtime = await mailing_runtime(database, smtp)
    yield runtime
    await runtime.close()


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JST)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive UTC; PostgreSQL an aware time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def said(body: dict[str, Any]) -> str:
    """A post as a person reads it: its text, or a card's title, facts and lines."""
    if body["type"] != "card":
        return str(body["text"])
    facts = [f"{fact['label']}: {fact['value']}" for fact in body.get("facts", [])]
    return "\n".join([body["title"], *facts, *body.get("lines", [])])


def facts(body: dict[str, Any]) -> dict[str, str]:
    return {fact["label"]: fact["value"] for fact in body["facts"]}


def labels(body: dict[str, Any]) -> list[str]:
    return [button["label"] for button in body.get("buttons", [])]


async def thread_of(runtime: Runtime, number: str, channel: str = "policy") -> Thread:
    """The one top-level post of this report in the channel, with its replies."""
    await runtime.deliver()
    found = [
        t
        for t in await (await runtime.town()).threads(channel)
        if t.post.body["title"].startswith(number)
    ]
    assert len(found) == 1, [
        t.post.body["title"] for t in await (await runtime.town()).threads(channel)
    ]
    return found[0]


async def thread_replies(runtime: Runtime, number: str) -> list[str]:
    return [said(reply.body) for reply in (await thread_of(runtime, number)).replies]


async def inbox(runtime: Runtime, user: str) -> list[dict[str, Any]]:
    await runtime.deliver()
    posts, _ = await (await runtime.town()).inbox(user, 0)
    return [post.body for post in posts]


async def press_on(chat: Persona, body: dict[str, Any], label: str) -> None:
    """Press a button of a post (a thread's top post, an inbox message)."""
    [button] = [b for b in body["buttons"] if b["label"] == label]
    await chat.act(button["id"])


async def top_post(runtime: Runtime, number: str) -> dict[str, Any]:
    return (await thread_of(runtime, number)).post.body


async def report_row(runtime: Runtime, number: str) -> RiskReport:
    async with transaction(runtime.sessions) as session:
        return (await session.exec(select(RiskReport).where(RiskReport.number == number))).one()


# --- routing: the policy division always, the CAIO when serious (§4ア) ------------------


async def test_a_case_that_is_not_serious_opens_one_thread_for_the_policy_division_only(
    bot: Runtime, smtp: FakeSmtp
) -> None:
    number = await file_report(Persona(bot, "yamada"), Case(excerpt=EXCERPT))
    thread = await thread_of(bot, number)
    top = thread.post.body
    assert top["title"] == f"{number} 攻撃的・危険な内容（{COPILOT}）"
    assert facts(top)["報告者"] == YAMADA
    assert facts(top)["重大性"] == "通常"
    assert facts(top)["影響"] == "庁内だけ"
    assert f"入力・出力（伏せ字）: {MASKED}" in top["lines"]
    assert labels(top) == POLICY_BUTTONS
    assert thread.replies == []
    assert await (await bot.town()).threads("caio") == []
    assert smtp.mails == []  # no CAIO, and nothing entered: no security contact either


SERIOUS = [
    # (what the reporter answers, the rule and clause the thread names)
    (Case(category="偏見・差別的な出力"), "偏見・差別的な出力（§4ア）"),
    (Case(impact="住民など第三者に影響"), "第三者への影響（§4）"),
    (Case(impact="すでに公開・外部に送付済み"), "公開・外部送付済み（§4）"),
    (Case(severity="重大だと思う"), "報告者が重大と判断（§4ア）"),
]


@pytest.mark.parametrize(("case", "why"), SERIOUS, ids=["bias", "third", "published", "own"])
async def test_a_serious_case_goes_to_the_caio_at_once_by_channel_and_mail(
    bot: Runtime, smtp: FakeSmtp, case: Case, why: str
) -> None:
    yamada = Persona(bot, "yamada")
    number = await file_report(yamada, replace(case, excerpt=EXCERPT))
    assert "重大なケースとして、CAIOにもすぐに知らせました（§4ア）。" in yamada.text

    assert await thread_replies(bot, number) == [f"重大なケースのため、CAIOへ通知しました: {why}"]
    top = await top_post(bot, number)
    assert facts(top)["重大性"].startswith("重大（")
    assert facts(top)["重大性"].endswith("）→ CAIOへ通知済み")
    caio = (await thread_of(bot, number, "caio")).post.body
    assert facts(caio)["報告者"] == YAMADA
    assert "buttons" not in caio or caio["buttons"] == []  # the CAIO is told; the division acts

    [mail] = smtp.mails
    assert mail.recipients == (CAIO_MAIL,)
    assert mail.to == CAIO_MAIL
    assert number in mail.subject
    assert number in mail.text and MASKED in mail.text
    assert "090-1234-5678" not in mail.text


async def test_personal_information_entered_where_it_is_not_allowed_goes_to_security(
    bot: Runtime, smtp: FakeSmtp
) -> None:
    yamada = Persona(bot, "yamada")
    # Copilot Chat takes no personal information (別表): a possible security incident
    number = await file_report(yamada, Case(entered="個人情報を入力した"))
    assert await thread_replies(bot, number) == [
        "情報セキュリティインシデントの可能性があるため、セキュリティ窓口に連絡しました。"
    ]
    assert "セキュリティ窓口にも連絡しました" in said(await top_post(bot, number))
    [mail] = smtp.mails
    assert mail.recipients == (SECURITY_MAIL,)
    assert number in mail.subject and "情報セキュリティインシデント" in mail.subject
    assert await (await bot.town()).threads("caio") == []

    # the search AI may take minimum-necessary personal information: no incident
    allowed = await file_report(
        yamada, Case(system="例規・マニュアル検索AI", entered="個人情報を入力した")
    )
    assert await thread_replies(bot, allowed) == []
    assert len(smtp.mails) == 1


async def test_a_busy_mail_server_gets_the_caio_mail_again_later_and_it_arrives_once(
    database: Database,
) -> None:
    with smtp_server(busy_for=3) as busy:
        runtime = await mailing_runtime(database, busy)
        try:
            number = await file_report(
                Persona(runtime, "yamada"), Case(category="偏見・差別的な出力")
            )
            assert runtime.delivery is not None
            now = utcnow() + timedelta(seconds=1)
            waits: list[float] = []
            while True:
                await runtime.delivery.run_once(now)
                mail = await caio_mail_row(runtime)
                if mail.sent_at is not None:
                    break
                assert len(waits) < 5, mail.last_error
                next_try = as_utc(mail.next_attempt_at)
                waits.append((next_try - now).total_seconds())
                # not before its time: a pass just before it leaves the mail alone
                attempts = busy.attempts
                await runtime.delivery.run_once(next_try - timedelta(milliseconds=500))
                assert busy.attempts == attempts
                now = next_try
            # 451 three times, each wait longer than the one before
            assert waits == [2, 4, 8]
            assert busy.attempts == 4
            await runtime.delivery.run_once(now + timedelta(hours=2))
            [arrived] = busy.mails
            assert arrived.to == CAIO_MAIL and number in arrived.subject
            assert len((await thread_of(runtime, number, "caio")).replies) == 0
            assert len(await (await runtime.town()).threads("policy")) == 1
        finally:
            await runtime.close()


async def caio_mail_row(runtime: Runtime) -> OutboxMessage:
    async with transaction(runtime.sessions) as session:
        statement = select(OutboxMessage).where(col(OutboxMessage.target) == CAIO_MAIL)
        return (await session.exec(statement)).one()


# --- the policy division works in the thread -------------------------------------------


async def test_the_policy_division_acts_from_the_thread_and_every_step_is_a_reply_in_it(
    bot: Runtime, smtp: FakeSmtp
) -> None:
    yamada, sato = Persona(bot, "yamada"), Persona(bot, "sato")
    number = await file_report(yamada)
    top = await top_post(bot, number)

    await press_on(sato, top, "受付")
    assert f"{number} を受付しました。報告者に知らせました。" in sato.text
    assert await thread_replies(bot, number) == [f"{SATO} が受付しました。"]
    assert said((await inbox(bot, "yamada"))[-1]) == f"{number} を {SATO} が受付しました。"

    await press_on(sato, top, "追加情報を依頼")
    assert "報告者に追加情報を依頼します。" in sato.text
    assert "どんな情報が必要ですか？（報告者にそのまま送られます）" in sato.text
    await sato.say("出力の全文と、使ったプロンプトを送ってください")  # one question: sent at once
    assert f"{number} の報告者に追加情報を依頼しました。" in sato.text
    request = (await inbox(bot, "yamada"))[-1]
    assert said(request) == (
        f"{number} について情報政策課から追加情報の依頼です: "
        "出力の全文と、使ったプロンプトを送ってください"
    )
    assert labels(request) == ["回答する"]

    await press_on(yamada, request, "回答する")
    assert "情報政策課からの依頼に回答します。" in yamada.text
    await yamada.say("プロンプトは「住民向けに丁寧に」、出力は添付のとおりです")
    assert f"{number} の回答を情報政策課に送りました。" in yamada.text

    assert await (await bot.town()).threads("caio") == []
    await press_on(sato, top, "CAIOへ報告")
    assert f"{number} をCAIOへ報告しました。" in sato.text
    caio = (await thread_of(bot, number, "caio")).post.body
    assert caio["title"].startswith(number)
    assert "情報政策課がCAIOへ報告" in facts(caio)["重大性"]
    [mail] = smtp.to(CAIO_MAIL)
    assert number in mail.subject
    report = await report_row(bot, number)
    assert report.serious and "escalated" in report.serious_reasons
    assert said((await inbox(bot, "yamada"))[-1]) == (
        f"{number} は情報政策課からCAIOへ報告されました。"
    )

    await press_on(sato, top, "完了")
    assert f"{number} を完了にしました。" in sato.text
    assert said((await inbox(bot, "yamada"))[-1]) == (
        f"{number} は {SATO} が完了にしました。ご協力ありがとうございました。"
    )

    assert await thread_replies(bot, number) == [
        f"{SATO} が受付しました。",
        f"{SATO} が追加情報を依頼しました: 出力の全文と、使ったプロンプトを送ってください",
        f"{YAMADA} が追加情報に回答しました: "
        "プロンプトは「住民向けに丁寧に」、出力は添付のとおりです",
        f"{SATO} がCAIOへ報告しました。",
        f"{SATO} が完了にしました。",
    ]
    assert len(await (await bot.town()).threads("policy")) == 1
    assert len(smtp.mails) == 1


async def test_a_closed_report_stays_closed_when_its_old_buttons_are_pressed(
    runtime: Runtime,
) -> None:
    yamada, sato = Persona(runtime, "yamada"), Persona(runtime, "sato")
    number = await file_report(yamada)
    top = await top_post(runtime, number)
    await press_on(sato, top, "完了")
    thanked = f"{number} は {SATO} が完了にしました。ご協力ありがとうございました。"
    assert said((await inbox(runtime, "yamada"))[-1]) == thanked
    await press_on(sato, top, "受付")  # the top post's buttons stay in the channel
    assert said((await inbox(runtime, "yamada"))[-1]) == thanked
    assert (await report_row(runtime, number)).status == "closed"


async def test_the_caio_may_act_on_a_report_too(bot: Runtime) -> None:
    number = await file_report(Persona(bot, "yamada"))
    suzuki = Persona(bot, "suzuki")
    await press_on(suzuki, await top_post(bot, number), "受付")
    assert await thread_replies(bot, number) == ["副市長室 鈴木 CAIO が受付しました。"]


async def test_the_handling_and_the_result_are_replies_in_the_reports_thread(
    bot: Runtime,
) -> None:
    yamada = Persona(bot, "yamada")
    number = await file_report(yamada, Case(category="偏見・差別的な出力"))
    await yamada.press("対処を追記（イ）")
    for answer in (
        "窓口案内の文案作成を止めた",
        "学習データの偏り",
        "人が全件確認する",
        "スキップ",
    ):
        await yamada.say(answer)
    await yamada.press("送信")
    await yamada.say(f"報告 {number} を更新")
    await yamada.press("結果を報告（ウ）")
    await yamada.say("文案テンプレートを改め、研修で周知した")
    await yamada.press("スキップ")
    await yamada.press("今日")
    await yamada.press("送信")

    assert await thread_replies(bot, number) == [
        "重大なケースのため、CAIOへ通知しました: 偏見・差別的な出力（§4ア）",
        f"{YAMADA} が対処を追記しました: "
        "窓口案内の文案作成を止めた / 学習データの偏り / 人が全件確認する",
        f"{YAMADA} が対応結果を報告しました: 文案テンプレートを改め、研修で周知した / "
        f"{datetime.now(JST).date().isoformat()}",
    ]
    assert len(await (await bot.town()).threads("policy")) == 1


# --- reminders for a late handling (イ) or result (ウ) ---------------------------------------


async def test_the_reporter_is_reminded_once_per_late_stage_and_the_thread_notes_it(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    number = await file_report(yamada)
    await runtime.deliver()
    # filed on Monday 2026-11-09, 10:00 JST (Monday 11/23 is a national holiday)
    async with transaction(runtime.sessions) as session:
        filed = jst(2026, 11, 9, 10).astimezone(UTC)
        await session.exec(update(RiskReport).values(created_at=filed))

    def reminders(posts: list[dict[str, Any]]) -> list[str]:
        return [said(p) for p in posts if number in said(p) and "まだ" in said(p)]

    await runtime.tick(jst(2026, 11, 11, 10))  # two working days: not yet
    assert reminders(await inbox(runtime, "yamada")) == []
    for day in (12, 13, 16):  # three working days, and after
        await runtime.tick(jst(2026, 11, day, 10))
    [handling] = [p for p in await inbox(runtime, "yamada") if "まだ" in said(p)]
    assert said(handling) == (
        f"{number} の対処（§4イ）がまだ追記されていません。"
        "業務影響・原因・暫定対応・恒久対応を追記してください。"
    )
    assert labels(handling) == ["対処を追記（イ）", "結果を報告（ウ）"]
    assert await thread_replies(runtime, number) == [
        "対処（イ）が未報告です（報告者にリマインドを送りました）。"
    ]

    await press_on(yamada, handling, "対処を追記（イ）")
    await yamada.say("影響なし")
    for _ in range(3):
        await yamada.press("スキップ")
    await yamada.press("送信")

    await runtime.tick(jst(2026, 11, 20, 10))  # nine working days: the result is not late
    assert len(reminders(await inbox(runtime, "yamada"))) == 1
    await runtime.tick(jst(2026, 11, 24, 10))  # ten working days
    await runtime.tick(jst(2026, 11, 25, 10))
    assert reminders(await inbox(runtime, "yamada")) == [
        said(handling),
        f"{number} の対応結果（§4ウ）がまだ報告されていません。",
    ]
    assert await thread_replies(runtime, number) == [
        "対処（イ）が未報告です（報告者にリマインドを送りました）。",
        f"{YAMADA} が対処を追記しました: 影響なし",
        "対応結果（ウ）が未報告です（報告者にリマインドを送りました）。",
    ]
    assert len(await (await runtime.town()).threads("policy")) == 1


async def test_a_closed_report_is_not_reminded(runtime: Runtime) -> None:
    number = await file_report(Persona(runtime, "yamada"))
    await press_on(Persona(runtime, "sato"), await top_post(runtime, number), "完了")
    async with transaction(runtime.sessions) as session:
        filed = jst(2026, 11, 9, 10).astimezone(UTC)
        await session.exec(update(RiskReport).values(created_at=filed))
    await runtime.tick(jst(2026, 11, 24, 10))
    assert not [p for p in await inbox(runtime, "yamada") if "まだ" in said(p)]
    assert await thread_replies(runtime, number) == ["情報政策課 佐藤 健 が完了にしました。"]


# --- export -------------------------------------------------------------------------------


async def set_times(runtime: Runtime, number: str, filed: datetime, *later: datetime) -> None:
    """Date a report and its events (in order) as if it had happened then."""
    async with transaction(runtime.sessions) as session:
        report = (await session.exec(select(RiskReport).where(RiskReport.number == number))).one()
        report.created_at = filed.astimezone(UTC)
        session.add(report)
        events = (
            await session.exec(
                select(ReportEvent)
                .where(ReportEvent.report_id == report.id)
                .order_by(col(ReportEvent.id))
            )
        ).all()
        for event, moment in zip(events, (filed, *later), strict=True):
            event.created_at = moment.astimezone(UTC)
            session.add(event)


async def two_reports(runtime: Runtime) -> tuple[str, str]:
    """A serious case acknowledged by the policy division, and an open one."""
    yamada = Persona(runtime, "yamada")
    serious = await file_report(yamada, Case(category="偏見・差別的な出力", excerpt=EXCERPT))
    await press_on(Persona(runtime, "sato"), await top_post(runtime, serious), "受付")
    await set_times(runtime, serious, jst(2026, 11, 9, 8, 5), jst(2026, 11, 9, 14, 30))
    plain = await file_report(Persona(runtime, "tanaka"))
    await set_times(runtime, plain, jst(2026, 11, 12, 16, 0))
    return serious, plain


HEADERS = [
    "報告番号",
    "報告日時",
    "状態",
    "重大性",
    "情報セキュリティインシデントの可能性",
    "報告者",
    "所属",
    "連絡先",
    "システム",
    "システム名（指定外）",
    "発生日",
    "検知日",
    "種類",
    "内容",
    "入力・出力（伏せ字）",
    "入力した情報",
    "影響",
    "重大性（報告者の見立て）",
    "これまでの対応",
    "業務影響",
    "原因",
    "暫定対応",
    "恒久対応",
    "対応内容",
    "事業者への依頼",
    "完了日",
    "経過",
]


async def test_the_csv_export_has_one_row_per_report_and_the_timeline_in_japan_time(
    runtime: Runtime,
) -> None:
    serious, plain = await two_reports(runtime)
    found = await (await runtime.town()).reports_with_events(None, None)
    table = list(csv.reader(io.StringIO(to_csv(found, runtime.catalogs.for_locale("ja")))))
    assert table[0] == HEADERS
    assert [row[0] for row in table[1:]] == [serious, plain]
    first = dict(zip(HEADERS, table[1], strict=True))
    assert first["報告日時"] == "2026-11-09 08:05 JST"
    assert first["状態"] == "受付済み"
    assert first["重大性"] == "偏見・差別的な出力"
    assert first["情報セキュリティインシデントの可能性"] == "いいえ"
    assert (first["報告者"], first["所属"]) == ("山田 花子", "税務課")
    assert first["種類"] == "偏見・差別的な出力"
    assert first["影響"] == "庁内だけ"
    assert first["入力・出力（伏せ字）"] == MASKED
    assert first["経過"] == (f"2026-11-09 08:05 {YAMADA} 報告\n2026-11-09 14:30 {SATO} 受付")
    second = dict(zip(HEADERS, table[2], strict=True))
    assert (second["状態"], second["重大性"]) == ("未受付", "通常")
    assert second["経過"] == "2026-11-12 16:00 福祉課 田中 一郎 報告"
    assert "090-1234-5678" not in "\n".join(",".join(row) for row in table)


async def test_the_xlsx_export_has_japanese_headers_and_sized_columns(runtime: Runtime) -> None:
    serious, plain = await two_reports(runtime)
    found = await (await runtime.town()).reports_with_events(None, None)
    book = load_workbook(io.BytesIO(to_xlsx(found, runtime.catalogs.for_locale("ja"))))
    sheet = book.active
    assert sheet is not None and sheet.title == "リスクケース報告"
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == HEADERS
    assert [row[0] for row in cells[1:]] == [serious, plain]
    assert cells[1][-1] == f"2026-11-09 08:05 {YAMADA} 報告\n2026-11-09 14:30 {SATO} 受付"
    widths = {
        letter: sheet.column_dimensions[letter].width
        for letter in (cell.column_letter for cell in sheet[1])
    }
    assert all(width is not None and width >= 10 for width in widths.values()), widths
    # the description and the timeline are wider than the report number
    assert widths["AA"] > widths["A"] and widths["N"] > widths["A"]


async def test_the_export_takes_the_reports_of_the_days_asked_in_japan_time(
    runtime: Runtime,
) -> None:
    serious, plain = await two_reports(runtime)
    # filed 2026-11-09 08:05 JST, which is still 11/08 in UTC
    day = await (await runtime.town()).reports_with_events(jst(2026, 11, 9), jst(2026, 11, 10))
    assert [report.number for report, _ in day] == [serious]
    week = await (await runtime.town()).reports_with_events(jst(2026, 11, 9), jst(2026, 11, 16))
    assert [report.number for report, _ in week] == [serious, plain]
    assert (
        await (await runtime.town()).reports_with_events(jst(2026, 11, 10), jst(2026, 11, 12)) == []
    )
