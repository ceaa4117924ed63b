"""Every length a form or a command accepts is the length of the column it goes into, so a
value that passes the form is never refused by the database at 確定 (found on PostgreSQL: a
201-character 担当連絡先 passed `system set` and failed against the 200-character column)."""

from __future__ import annotations

from bot.runtime import Runtime
from dialogs.fields import TextKind
from dialogs.system_form import FIELDS
from storage.models import AISystem, max_length_of
from tests.dialogs.test_admin import persona, propose_and, saved


async def test_a_contact_longer_than_its_column_is_refused_before_confirming(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    limit = max_length_of(AISystem, "owner_contact")
    await admin.say(f"system set copilot owner_contact {'内' * (limit + 1)}")
    assert "その値は使えません" in admin.text
    assert admin.labels == []  # nothing to confirm
    assert (await saved(runtime, "copilot")).owner_contact == "内線2101"

    # As long as the column allows: confirmed and stored whole (PostgreSQL checks it).
    await propose_and(admin, f"system set copilot owner_contact {'内' * limit}", "確定")
    assert (await saved(runtime, "copilot")).owner_contact == "内" * limit


def test_the_system_forms_text_fields_take_their_lengths_from_the_table() -> None:
    columns = AISystem.__table__.c  # type: ignore[attr-defined]
    checked = 0
    for field in FIELDS:
        if not isinstance(field.kind, TextKind) or field.key not in columns:
            continue
        if field.key in ("aliases", "user_divisions", "purposes", "prohibited_purposes"):
            continue  # lists, kept as JSON
        assert field.kind.max_length == max_length_of(AISystem, field.key), field.key
        checked += 1
    assert checked >= 5
