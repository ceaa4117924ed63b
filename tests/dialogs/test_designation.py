"""指定申請 (§2) and `system add` / `system edit`: transcripts through the real router."""

from __future__ import annotations

from bot.runtime import Runtime
from tests.chat import Chat

APPLICATION = [
    "議事録AI",
    "サンプル株式会社",
    "[契約によるクラウド（規約に同意するだけで使えるもの）]",
]


async def _apply(chat: Chat, klass: str = "2") -> str:
    """Fill in a designation request as a division would; the request's number."""
    await chat.say("指定申請")
    assert "指定されていない生成AIシステムを使いたいときの申請です（§2）" in chat.text
    await chat.say("議事録AI")
    await chat.say("サンプル株式会社")
    await chat.press("契約によるクラウド")
    await chat.press("国内")
    await chat.say("議事録の要約")
    # Each class with what it covers, as the entry check offers them (public first).
    assert chat.labels[:2] == [
        "公開済み・公開してよい情報（機密性1）例: ホームページの記事、公開済みの議事録",
        "職員限りの内部情報（機密性2）例: 未公開の資料、庁内の打合せメモ",
    ]
    await chat.say(klass)  # the class itself, typed, is understood too
    await chat.press("いいえ")  # no personal information
    await chat.press("わからない")  # machine learning: not known
    await chat.press("わからない")  # audit: not known
    await chat.say("内線4444")
    await chat.press("送信")
    assert "指定申請 DR-" in chat.text
    return chat.text.split("DR-")[1].split(" ")[0]


async def _thread_texts(runtime: Runtime) -> list[str]:
    await runtime.deliver()
    threads = await (await runtime.town()).threads("policy")
    texts = []
    for thread in threads:
        texts.append(thread.post.body.get("title") or thread.post.body.get("text", ""))
        texts += [reply.body.get("text", "") for reply in thread.replies]
    return texts


async def test_a_request_is_approved_through_system_add_with_the_rules_enforced(
    runtime: Runtime,
) -> None:
    applicant = Chat(runtime, "yamada")
    number = await _apply(applicant)
    assert any(
        t.startswith(f"指定申請 DR-{number}: 議事録AI") for t in await _thread_texts(runtime)
    )

    staff = Chat(runtime, "tanaka", "田中 一郎")
    await staff.send(action=f"request:{number}:approve", event_id="tanaka-approve")
    assert "情報政策課（管理者）だけが行えます" in staff.text

    admin = Chat(runtime, "sato", "佐藤 健")
    await admin.send(action=f"request:{number}:approve", event_id="sato-approve")
    # Class 2 without the two provider confirmations cannot be approved as asked.
    assert "この申請のままでは指定できません" in admin.text
    assert "事業者の2つの確認" in admin.text
    await admin.say("gijiroku-ai")
    await admin.say("スキップ")  # aliases
    await admin.press("DX推進課")
    await admin.say("内線1234")
    await admin.say("はい")  # all trained staff
    for _ in range(4):  # prohibited purposes, two confirmation dates, manual
        await admin.say("スキップ")
    await admin.press("送信")
    assert "このままでは送信できません" in admin.text
    assert "末尾の注記" in admin.text
    await admin.press("修正する")
    await admin.press("入力できる機密性の上限")
    await admin.press("1")
    await admin.press("送信")
    assert "議事録AI を追加しました" in admin.text
    assert f"指定申請 DR-{number} を承認しました" in admin.text

    systems = {s.id: s for s in await (await runtime.town()).systems()}
    assert systems["gijiroku-ai"].max_class == "1"
    await runtime.deliver()
    posts, _ = await (await runtime.town()).inbox("yamada", 0)
    assert any(
        "は承認され、議事録AI が別表に追加されました" in p.body.get("text", "") for p in posts
    )
    assert any("承認し、議事録AI を別表に追加しました" in t for t in await _thread_texts(runtime))
    assert [e.action for e in await (await runtime.town()).audit_log()][-2:] == [
        "system.add",
        "designation.approve",
    ]


async def test_a_request_can_be_sent_back_for_more_and_rejected(runtime: Runtime) -> None:
    applicant = Chat(runtime, "yamada")
    number = await _apply(applicant, klass="1")
    admin = Chat(runtime, "sato", "佐藤 健")
    await admin.send(action=f"request:{number}:ask", event_id="ask")
    await admin.say("利用規約のURLを教えてください")
    assert f"DR-{number} の申請者に追加情報を依頼しました" in admin.text

    await runtime.deliver()
    posts, _ = await (await runtime.town()).inbox("yamada", 0)
    assert "利用規約のURLを教えてください" in posts[-1].body["text"]
    await applicant.send(action=f"request:{number}:answer", event_id="answer")
    await applicant.say("https://example.jp/terms")
    assert any("回答しました: https://example.jp/terms" in t for t in await _thread_texts(runtime))

    await admin.send(action=f"request:{number}:reject", event_id="reject")
    await admin.say("同等の指定システムがあるため")
    await runtime.deliver()
    posts, _ = await (await runtime.town()).inbox("yamada", 0)
    assert posts[-1].body["text"] == (
        f"指定申請 DR-{number} は却下されました。理由: 同等の指定システムがあるため"
    )
    await admin.send(action=f"request:{number}:approve", event_id="late-approve")
    assert "すでに処理済みです" in admin.text


async def test_system_edit_is_prefilled_and_checked(runtime: Runtime) -> None:
    admin = Chat(runtime, "sato", "佐藤 健")
    await admin.say("system edit translator")
    assert "「別表のシステム」の内容を確認してください" in admin.text
    assert "システム名: 翻訳AIサービス" in admin.text
    await admin.press("修正する")
    await admin.press("入力できる機密性の上限")
    await admin.press("2")
    await admin.press("送信")
    # A public-terms cloud stays at the lowest class (§3(1)2).
    assert "このままでは送信できません" in admin.text
    assert "約款型クラウド" in admin.text
    await admin.press("中止")
    assert {s.id: s.max_class for s in await (await runtime.town()).systems()}["translator"] == "1"

    staff = Chat(runtime, "yamada")
    await staff.say("system add")
    assert "情報政策課（管理者）だけが行えます" in staff.text
