"""「このテキストを確認」: what in a pasted text looks like personal or confidential information.

The pasted text lives only in this turn: it is not put in the conversation state, not stored,
not logged. The state only remembers that the next message is a text to check.
"""

from __future__ import annotations

import re
from collections import Counter

from dialogs import pii
from dialogs.context import DialogContext
from dialogs.state import ConversationData
from dialogs.text import MAX_TEXT_LENGTH
from dialogs.ui import Step, Text

AWAITING = "pii_text"
# 「このテキストを確認: 本文…」 or the request on its own line: the text came with it.
_AFTER_REQUEST = re.compile(r"[:：]|\n")
# A request is a short sentence; a colon later than this belongs to the pasted text.
_REQUEST_LENGTH = 60


def split_request(text: str) -> tuple[str, str]:
    """The request and the text that came with it after a colon or a line break ("" when
    nothing did, or when what precedes the colon is too long to be a request)."""
    match = _AFTER_REQUEST.search(text)
    if match is None or match.start() > _REQUEST_LENGTH:
        return text, ""
    return text[: match.start()].strip(), text[match.end() :].strip()


def ask_for_text(conv: ConversationData, ctx: DialogContext, text: str | None = None) -> Step:
    """Check the text that came with the request at once; otherwise ask for it."""
    if text is not None and (pasted := split_request(text)[1]):
        return check_text(pasted, ctx)
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
