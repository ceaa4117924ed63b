"""Field kinds: dates and choices typed the ways people type them."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.settings import load_municipality
from dialogs.catalog import Catalogs
from dialogs.context import JST, DialogContext, PersonFacts
from dialogs.fields import ChoiceKind, DateKind, MultiChoiceKind, TextKind, stored_length
from dialogs.system_form import FIELDS as SYSTEM_FIELDS
from dialogs.ui import Option
from storage.models import AISystem
from tests.conftest import SAMPLE_MUNICIPALITY


@pytest.fixture(scope="module")
def ctx() -> DialogContext:
    return DialogContext(
        catalogs=Catalogs(),
        municipality=load_municipality(SAMPLE_MUNICIPALITY).facts(),
        person=PersonFacts(user_id="yamada"),
        locale="ja",
        now=datetime(2026, 11, 28, 10, 0, tzinfo=JST),
    )


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("2026-11-20", "2026-11-20"),
        ("２０２６／１１／２０", "2026-11-20"),
        ("2026年11月20日", "2026-11-20"),
        ("11月20日", "2026-11-20"),
        ("11/20", "2026-11-20"),
        ("令和8年11月20日", "2026-11-20"),
        ("今日", "2026-11-28"),
        ("きのう", "2026-11-27"),
        ("おととい", "2026-11-26"),
    ],
)
def test_dates_typed_many_ways(ctx: DialogContext, typed: str, iso: str) -> None:
    assert DateKind().parse(typed, ctx).value == iso


@pytest.mark.parametrize("typed", ["2026-02-30", "そのうち", "13/45", ""])
def test_not_a_date(ctx: DialogContext, typed: str) -> None:
    parsed = DateKind().parse(typed, ctx)
    assert parsed.error == "form.error.date"


def test_a_future_date_is_refused_where_the_past_is_asked(ctx: DialogContext) -> None:
    parsed = DateKind().parse("2026-12-01", ctx)
    assert ctx.t(parsed.error or "", **parsed.params) == (
        "未来の日付は入力できません（今日は 2026-11-28 です）。"
    )
    assert DateKind(allow_future=True).parse("2026-12-01", ctx).value == "2026-12-01"


def test_a_choice_by_label_value_or_number(ctx: DialogContext) -> None:
    kind = ChoiceKind(lambda _: [Option("internal", "庁内のみ"), Option("public", "公開済み")])
    assert kind.parse("公開済み", ctx).value == "public"
    assert kind.parse("PUBLIC", ctx).value == "public"
    assert kind.parse("１", ctx).value == "internal"
    assert kind.parse("3", ctx).error == "form.error.choice"


def test_several_choices_ticked_or_typed(ctx: DialogContext) -> None:
    kind = MultiChoiceKind(
        lambda _: [Option("a", "引継ぎ"), Option("b", "個人端末"), Option("c", "DeepSeek")]
    )
    assert kind.parse("DeepSeek、引継ぎ", ctx).value == "a,c"  # in the list's order
    assert kind.parse("1, 3", ctx).value == "a,c"
    assert kind.parse("a,c", ctx).value == "a,c"  # as a card sends the ticked values
    assert kind.parse("引継ぎ、北海道", ctx).error == "form.error.choice"
    assert kind.display("a,c", ctx) == "引継ぎ、DeepSeek"


def test_a_system_entry_never_accepts_more_than_its_column_holds() -> None:
    columns = AISystem.__table__.columns  # type: ignore[attr-defined]
    for field in SYSTEM_FIELDS:
        stored = field.key in columns and getattr(columns[field.key].type, "length", None)
        if isinstance(field.kind, TextKind) and stored:
            assert field.kind.max_length == stored_length(AISystem, field.key), field.key
