"""「このテキストを確認」: what in a pasted text looks like personal or confidential information.

The pasted text lives only in this turn: it is not put in the conversation state, not stored,
not logged. The state only remembers that the next message is a text to check.
"""

from __future__ import annotations

from collections import Counter

from dialogs import pii
from dialogs.context import DialogContext
from dialogs.state import ConversationData
from dialogs.text import MAX_TEXT_LENGTH
from dialogs.ui import Step, Text

AWAITING = "pii_text"


def ask_for_text(conv: ConversationData, ctx: DialogContext) -> Step:
    conv.awaiting = AWAITING
    return Step().say(Text(ctx.t("pii.ask", max=MAX_TEXT_LENGTH)))


def check_text(text: str, ctx: DialogContext) -> Step:
    result = pii.scan(text)
    town = ctx.municipality
    klass = pii.suggested_class(result, town.confidentiality_classes, town.confidential_from)
    if not result.findings:
        return Step().say(Text(ctx.t("pii.none", klass=klass)))
    lines = [ctx.t("pii.found", count=len(result.findings), klass=klass)]
    # A sentence pasted 150 times is one finding said once, with how often it occurs.
    counts = Counter((f.kind, f.excerpt) for f in result.findings)
    for (kind, excerpt), count in counts.items():
        line = ctx.t("pii.finding", kind=ctx.t(f"pii.kind.{kind}"), excerpt=excerpt)
        lines.append(line if count == 1 else ctx.t("pii.repeated", finding=line, count=count))
    if result.sensitive:
        lines.append(ctx.t("pii.sensitive"))
    masked = pii.mask(text, result.findings, lambda kind: ctx.t(f"pii.kind.{kind}"))
    return Step().say(Text("\n".join(lines)), Text(ctx.t("pii.masked")), Text(masked))
