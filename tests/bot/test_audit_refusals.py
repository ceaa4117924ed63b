"""Refused attempts are audited — only what was recognised, never the text around it."""

from __future__ import annotations

from bot.runtime import Runtime
from storage.models import AuditEntry
from tests.chat import Chat
from tests.dialogs.test_designation import _apply as apply_for_designation
from tests.dialogs.test_risk_report import Persona, file_report


async def refused(runtime: Runtime) -> list[AuditEntry]:
    return [e for e in await (await runtime.town()).audit_log() if e.outcome == "refused"]


async def test_every_refused_button_and_command_of_a_role_is_audited(runtime: Runtime) -> None:
    await file_report(Persona(runtime, "yamada"))
    [(report, _)] = await (await runtime.town()).reports_with_events(None, None)
    request = await apply_for_designation(Chat(runtime, "yamada"))
    tanaka = Persona(runtime, "tanaka")  # staff of 福祉課: none of these are theirs
    buttons = [f"report:{report.id}:{v}" for v in ("ack", "ask", "escalate", "close")]
    buttons += [f"request:{request}:approve", f"request:{request}:reject"]
    for button in buttons:
        await tanaka.act(button)
    for command in ("ガイドライン公開", "確認状況", "system list", "admin add tanaka"):
        await tanaka.say(command)
    entries = await refused(runtime)
    assert [e.target for e in entries] == [
        *buttons,
        "guideline.publish",
        "pre_use.summary",
        "system list",
        "admin add",
    ]
    assert {e.actor for e in entries} == {"tanaka"}


async def test_a_sentence_starting_with_system_is_not_a_command_and_is_not_stored(
    runtime: Runtime,
) -> None:
    staff = Chat(runtime, "yamada")
    await staff.say("system エラーが出ました。高橋誠司様の件")
    assert "だけが行えます" not in staff.text
    await staff.say("system set copilot owner_contact 高橋誠司")
    assert "だけが行えます" in staff.text
    logged = " ".join(f"{e.action} {e.target} {e.before} {e.after}" for e in await refused(runtime))
    assert "高橋" not in logged
    assert [e.target for e in await refused(runtime)] == ["system set"]
