"""The 別表 as files an admin edits (YAML, CSV) or reads (XLSX), and importing them.

Every bad row is reported with the line its entry starts on; a bad file saves nothing.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from bot.files.registry_io import (
    COLUMNS,
    RegistryFileError,
    read_registry,
    to_csv,
    to_xlsx,
    to_yaml,
)
from bot.runtime import Runtime
from bot.settings import load_municipality
from dialogs.catalog import Catalog, Catalogs
from dialogs.context import MunicipalityFacts
from storage.models import AISystem
from tests.conftest import REPO, SAMPLE_MUNICIPALITY, SAMPLE_TENANT

SAMPLE = REPO / "config" / "systems.yaml"
SAMPLE_IDS = ["copilot", "image-generator", "knowledge-rag", "lgwan-assistant", "translator"]


def facts() -> MunicipalityFacts:
    return load_municipality(SAMPLE_MUNICIPALITY).facts()


def ja() -> Catalog:
    return Catalogs().for_locale("ja")


def read(path: Path) -> list[AISystem]:
    return read_registry(path, facts(), ja())


def rows(systems: list[AISystem]) -> list[dict[str, Any]]:
    """What a file can say about each system (no tenant, no timestamp), in id order."""
    return [
        {column: getattr(s, column) for column in COLUMNS}
        for s in sorted(systems, key=lambda s: s.id)
    ]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, line: str, occurrence: int = 1) -> int:
    """The 1-based number of the `occurrence`-th line equal to `line`."""
    numbers = [n for n, each in enumerate(text.splitlines(), start=1) if each == line]
    assert len(numbers) >= occurrence, f"no line {line!r} #{occurrence}"
    return numbers[occurrence - 1]


def errors_of(path: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(RegistryFileError) as raised:
        read(path)
    return [(e.line, e.system, e.message) for e in raised.value.errors]


def sample_as_csv(folder: Path) -> Path:
    """The sample written by hand as a spreadsheet would save it: lists as "a; b",
    booleans as true/false and はい/いいえ, missing dates as empty cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in yaml.safe_load(SAMPLE.read_text(encoding="utf-8")):
        cells = []
        for column in COLUMNS:
            value = item.get(column)
            if isinstance(value, list):
                cells.append("; ".join(value))
            elif column == "personal_info":
                cells.append("はい" if value else "いいえ")
            elif column == "users_all_staff":
                cells.append("true" if value in (True, None) else "false")
            elif isinstance(value, date):
                cells.append(value.isoformat())
            else:
                cells.append("" if value is None else str(value))
        writer.writerow(cells)
    return write(folder, "systems.csv", out.getvalue())


BAD_YAML = """\
# 別表 with four bad entries among good ones
- id: good-one
  name: 良いシステム
  service_type: contracted
  owner_division: DX推進課
  max_class: "1"

- id: wrong-type
  name: 種類違いのシステム
  service_type: saas
  owner_division: DX推進課
  max_class: "1"

- id: class-five
  name: 分類にない機密性
  service_type: contracted
  owner_division: DX推進課
  max_class: "5"

- id: class-two
  name: 確認日のない機密性2
  service_type: contracted
  owner_division: DX推進課
  max_class: "2"

- id: good-one
  name: 重複したID
  service_type: contracted
  owner_division: DX推進課
  max_class: "1"
"""


# --- reading ------------------------------------------------------------------------------


def test_the_sample_registry_reads_into_five_entries() -> None:
    systems = read(SAMPLE)

    assert sorted(s.id for s in systems) == SAMPLE_IDS
    copilot = next(s for s in systems if s.id == "copilot")
    assert copilot.max_class == "1"  # quoted in the file, a string of the scale
    assert copilot.aliases[:2] == ["Copilot", "Copilot Chat"]
    rag = next(s for s in systems if s.id == "knowledge-rag")
    assert rag.ml_exclusion_confirmed_on == date(2026, 3, 15)
    assert rag.user_divisions == ["税務課", "市民課", "福祉課", "情報政策課", "DX推進課"]


def test_a_file_with_several_bad_rows_reports_each_with_its_line_and_id(tmp_path: Path) -> None:
    path = write(tmp_path, "systems.yaml", BAD_YAML)

    errors = errors_of(path)

    assert [(line, system) for line, system, _ in errors] == [
        (line_of(BAD_YAML, "- id: wrong-type"), "wrong-type"),
        (line_of(BAD_YAML, "- id: class-five"), "class-five"),
        (line_of(BAD_YAML, "- id: class-two"), "class-two"),
        (line_of(BAD_YAML, "- id: good-one", occurrence=2), "good-one"),
    ]
    wrong_type, class_five, class_two, repeated = (message for _, _, message in errors)
    assert "service_type" in wrong_type
    assert "機密性「5」は分類にありません" in class_five
    assert "3A, 3B, 3C, 2, 1" in class_five
    assert "(§2)" in class_five
    assert "確認日が両方必要" in class_two
    assert "(§2・末尾の注記)" in class_two
    assert str(line_of(BAD_YAML, "- id: good-one")) in repeated


def test_the_error_text_names_the_file_line_and_system(tmp_path: Path) -> None:
    path = write(tmp_path, "systems.yaml", BAD_YAML)

    with pytest.raises(RegistryFileError) as raised:
        read(path)

    first_line = str(raised.value).splitlines()[0]
    assert first_line.startswith(f"{path}:{line_of(BAD_YAML, '- id: wrong-type')}: wrong-type: ")


def test_an_unquoted_class_is_read_as_text(tmp_path: Path) -> None:
    # YAML reads `max_class: 1` as a number; the file means the class "1".
    text = SAMPLE.read_text(encoding="utf-8").replace('max_class: "1"', "max_class: 1")
    assert text != SAMPLE.read_text(encoding="utf-8")

    systems = read(write(tmp_path, "systems.yaml", text))

    assert {s.max_class for s in systems} == {"1", "2", "3C"}


def test_a_csv_version_of_the_sample_reads_the_same(tmp_path: Path) -> None:
    from_csv = read(sample_as_csv(tmp_path))

    assert rows(from_csv) == rows(read(SAMPLE))


def test_a_csv_bad_row_is_reported_with_its_csv_line(tmp_path: Path) -> None:
    header = ",".join(COLUMNS)

    def row(**cells: str) -> str:
        values = {
            "service_type": "contracted",
            "owner_division": "DX推進課",
            "max_class": "1",
            "server_location": "domestic",
            "status": "designated",
        }
        values |= cells
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([values.get(c, "") for c in COLUMNS])
        return out.getvalue().removesuffix("\n")

    text = "\n".join(
        [
            header,
            row(id="good-one", name="良いシステム", users_all_staff="はい"),
            row(
                id="two-lines",
                name="備考が2行",
                users_all_staff="true",
                users_note="一行目\n二行目",
            ),
            row(id="bad-class", name="分類にない機密性", users_all_staff="はい", max_class="9"),
        ]
    )
    path = write(tmp_path, "systems.csv", text + "\n")

    errors = errors_of(path)

    # line 1 is the header; the second entry spans lines 3 and 4, so the bad one is line 5.
    assert [(line, system) for line, system, _ in errors] == [(5, "bad-class")]
    assert "機密性「9」は分類にありません" in errors[0][2]


def test_csv_lists_may_use_the_full_width_semicolon(tmp_path: Path) -> None:
    text = sample_as_csv(tmp_path).read_text(encoding="utf-8").replace("; ", "；")

    systems = read(write(tmp_path, "wide.csv", text))

    assert rows(systems) == rows(read(SAMPLE))


def test_invalid_yaml_is_one_error_naming_the_line(tmp_path: Path) -> None:
    text = "- id: copilot\n  name: Copilot\n service_type: contracted\n"

    errors = errors_of(write(tmp_path, "systems.yaml", text))

    assert len(errors) == 1
    line, system, message = errors[0]
    assert line == 3  # the badly indented line
    assert system == ""
    assert message.startswith("YAML として読めません（")  # in Japanese, not pyyaml's words
    assert "字下げを確かめてください" in message


def test_a_file_that_is_not_a_list_is_one_error(tmp_path: Path) -> None:
    errors = errors_of(write(tmp_path, "systems.yaml", "id: copilot\nname: Copilot\n"))

    assert len(errors) == 1
    assert errors[0][2] == (
        "システムの一覧（各項目が「- 」で始まる YAML のリスト）になっていません。"
    )


def test_a_missing_file_is_one_error(tmp_path: Path) -> None:
    errors = errors_of(tmp_path / "missing.yaml")

    assert len(errors) == 1


# --- writing --------------------------------------------------------------------------------


def test_the_sample_survives_a_round_trip_through_yaml(tmp_path: Path) -> None:
    original = read(SAMPLE)

    again = read(write(tmp_path, "export.yaml", to_yaml(original)))

    assert rows(again) == rows(original)


def test_the_sample_survives_a_round_trip_through_csv(tmp_path: Path) -> None:
    original = read(SAMPLE)

    again = read(write(tmp_path, "export.csv", to_csv(original)))

    assert rows(again) == rows(original)


def test_the_csv_export_starts_with_the_column_names() -> None:
    first_line = to_csv(read(SAMPLE)).splitlines()[0]

    assert first_line == ",".join(COLUMNS)


def test_the_xlsx_export_has_japanese_headers_one_row_per_system_and_sized_columns() -> None:
    systems = read(SAMPLE)
    msg = ja()

    book = load_workbook(BytesIO(to_xlsx(systems, msg)))
    sheet = book.active
    assert sheet is not None

    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert sheet.title == "別表"
    assert table[0] == [msg.t(f"registry.column.{c}") for c in COLUMNS]
    assert table[0][COLUMNS.index("name")] == "システム名"
    assert len(table) == 1 + len(systems)
    names = [row[COLUMNS.index("name")] for row in table[1:]]
    assert names == [s.name for s in systems]
    name_column = get_column_letter(COLUMNS.index("name") + 1)
    assert sheet.column_dimensions[name_column].width > 10


# --- importing into the database ------------------------------------------------------------


async def export(runtime: Runtime) -> str:
    return to_yaml(await (await runtime.town()).systems())


async def test_the_runtime_starts_with_the_sample_registry(runtime: Runtime) -> None:
    systems = await (await runtime.town()).systems()

    assert [s.id for s in systems] == SAMPLE_IDS
    assert all(s.tenant_id == SAMPLE_TENANT for s in systems)
    assert rows(systems) == rows(read(SAMPLE))


async def test_a_bad_file_changes_nothing(runtime: Runtime, tmp_path: Path) -> None:
    before = await export(runtime)
    # A good change (a system renamed) among bad rows: all or nothing.
    text = to_yaml(read(SAMPLE)).replace("name: Microsoft 365 Copilot Chat", "name: 改名")
    path = write(tmp_path, "systems.yaml", text + BAD_YAML)

    with pytest.raises(RegistryFileError):
        await (await runtime.town()).import_systems(path)

    assert await export(runtime) == before


async def test_importing_the_sample_again_changes_nothing(runtime: Runtime) -> None:
    before = await (await runtime.town()).systems()

    assert await (await runtime.town()).import_systems(SAMPLE) == (0, 0)

    after = await (await runtime.town()).systems()
    assert rows(after) == rows(before)
    assert [s.updated_at for s in after] == [s.updated_at for s in before]


async def test_a_changed_file_adds_and_changes_and_the_export_shows_it(
    runtime: Runtime, tmp_path: Path
) -> None:
    systems = read(SAMPLE)
    assistant = next(s for s in systems if s.id == "lgwan-assistant")
    assistant.max_class = "1"
    extra = AISystem(
        tenant_id="",
        id="minutes-ai",
        name="議事録作成AI",
        service_type="contracted",
        owner_division="総務課",
        max_class="1",
    )
    path = write(tmp_path, "systems.yaml", to_yaml([*systems, extra]))

    assert await (await runtime.town()).import_systems(path) == (1, 1)

    stored = {s.id: s for s in await (await runtime.town()).systems()}
    assert stored["lgwan-assistant"].max_class == "1"
    assert stored["minutes-ai"].name == "議事録作成AI"
    assert stored["copilot"].max_class == "1"
    exported = yaml.safe_load(await export(runtime))
    assert [item["id"] for item in exported] == sorted([*SAMPLE_IDS, "minutes-ai"])
    assert next(i for i in exported if i["id"] == "lgwan-assistant")["max_class"] == "1"


async def test_loading_the_sample_again_changes_nothing(runtime: Runtime) -> None:
    before = await export(runtime)

    assert await runtime.load_sample_data() is False

    assert await export(runtime) == before


def test_each_bad_value_is_worded_for_the_person_who_edits_the_file(tmp_path: Path) -> None:
    text = (
        '- id: "Bad ID"\n  name: 一\n  service_type: cloud\n  owner_division: 課\n'
        '  max_class: "1"\n  personal_info: maybe\n'
    )
    messages = [message for _, _, message in errors_of(write(tmp_path, "systems.yaml", text))]
    assert messages[0].startswith("id: 「Bad ID」は使えません。英小文字・数字・ハイフン")
    assert messages[1] == (
        "service_type: 次のいずれかを書いてください: "
        "public_terms: 約款型クラウド（規約に同意するだけで使えるもの） ／ "
        "contracted: 契約によるクラウド ／ on_premises: 庁内設置（オンプレミス）"
    )
    assert (
        messages[2]
        == "personal_info: 「maybe」は はい/いいえ（true/false、yes/no）で書いてください。"
    )
    assert not any("should" in message for message in messages)  # none of pydantic's English


def test_an_unreadable_file_is_one_line_without_a_line_number(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(RegistryFileError) as raised:
        read(missing)
    assert str(raised.value) == f"{missing}: そのファイルまたはフォルダがありません"
