"""The 別表 as files: read YAML or CSV (every bad row reported with its line), write YAML,
CSV or XLSX. Reading checks each entry against the registry's rules (dialogs.registry), so a
file can never put into the database what an admin could not save by hand."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from bot.files.text_files import NotTextError, os_error_text, read_text
from bot.files.xlsx import tidy
from dialogs.catalog import Catalog
from dialogs.context import MunicipalityFacts
from dialogs.registry import check_entry
from dialogs.registry_values import (
    CHOICES,
    LIST_FIELDS,
    choice_named,
    class_named,
    day_named,
    is_link,
)
from storage.models import AISystem, max_length_of

COLUMNS = (
    "id",
    "name",
    "aliases",
    "service_type",
    "owner_division",
    "owner_contact",
    "users_all_staff",
    "user_divisions",
    "users_note",
    "purposes",
    "prohibited_purposes",
    "max_class",
    "personal_info",
    "personal_info_condition",
    "server_location",
    "ml_exclusion_confirmed_on",
    "no_audit_confirmed_on",
    "cloud_permission_on",
    "status",
    "manual_url",
    "description",
)
_TRUE = {"true", "yes", "1", "はい", "可", "○"}
_FALSE = {"false", "no", "0", "いいえ", "不可", "×", ""}


def _length(field: str) -> int:
    """The column's length: a row that passes here always fits the table."""
    return max_length_of(AISystem, field)


class SystemRow(BaseModel):
    """One entry as written in a file: the types and the allowed words of each column."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str = Field(min_length=1, max_length=_length("name"))
    aliases: list[str] = []
    service_type: Literal["public_terms", "contracted", "on_premises"]
    owner_division: str = Field(min_length=1, max_length=_length("owner_division"))
    owner_contact: str = Field(default="", max_length=_length("owner_contact"))
    users_all_staff: bool = True
    user_divisions: list[str] = []
    users_note: str = Field(default="", max_length=_length("users_note"))
    purposes: list[str] = []
    prohibited_purposes: list[str] = []
    max_class: str = Field(min_length=1, max_length=_length("max_class"))
    personal_info: bool = False
    personal_info_condition: str = Field(default="", max_length=_length("personal_info_condition"))
    server_location: Literal["domestic", "abroad"] = "domestic"
    ml_exclusion_confirmed_on: date | None = None
    no_audit_confirmed_on: date | None = None
    cloud_permission_on: date | None = None
    status: Literal["designated", "suspended"] = "designated"
    manual_url: str = Field(default="", max_length=_length("manual_url"))
    description: str = Field(default="", max_length=_length("description"))

    @field_validator(*LIST_FIELDS, mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        # CSV cells hold lists as "a; b; c".
        if isinstance(value, str):
            return [part.strip() for part in value.replace("；", ";").split(";") if part.strip()]
        return [] if value is None else value

    @field_validator("users_all_staff", "personal_info", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        if isinstance(value, str):
            folded = value.strip().lower()
            if folded in _TRUE:
                return True
            if folded in _FALSE:
                return False
        return value

    @field_validator(
        "ml_exclusion_confirmed_on", "no_audit_confirmed_on", "cloud_permission_on", mode="before"
    )
    @classmethod
    def _day(cls, value: Any) -> Any:
        return day_named(value)  # 「2026/4/1」 as Excel shows a date

    @field_validator("manual_url")
    @classmethod
    def _url(cls, value: str) -> str:
        # A link the cards show staff must open: 「社内ポータル参照」 is no link.
        if value and not is_link(value):
            raise PydanticCustomError("not_a_url", "not a URL")
        return value

    @field_validator("max_class", mode="before")
    @classmethod
    def _class_as_text(cls, value: Any) -> Any:
        return class_named(value)  # 「２」 typed in Excel, 「機密性2」 as the guideline says it

    def entry(self) -> AISystem:
        return AISystem(tenant_id="", **self.model_dump())


@dataclass(frozen=True)
class RowError:
    line: int
    system: str
    message: str


class RegistryFileError(Exception):
    def __init__(self, path: Path, errors: list[RowError]) -> None:
        self.errors = errors
        # A problem of the whole file (it cannot be read) has no line and no system.
        lines = [
            f"{path}:{e.line}: {e.system or '-'}: {e.message}" if e.line else f"{path}: {e.message}"
            for e in errors
        ]
        super().__init__("\n".join(lines))


def read_registry(path: Path, town: MunicipalityFacts, msg: Catalog) -> list[AISystem]:
    """Every entry of the file, or RegistryFileError listing every bad row (nothing partial)."""
    try:
        text, _ = read_text(path)
    except OSError as error:
        raise RegistryFileError(path, [RowError(0, "", os_error_text(error, msg))]) from None
    except NotTextError:
        raise RegistryFileError(path, [RowError(0, "", msg.t("cli.not_text"))]) from None
    if path.suffix.lower() == ".csv":
        rows = list(_csv_rows(text))
    else:
        try:
            rows = list(_yaml_rows(text))
        except _NotAList:
            said = msg.t("registry.file.not_a_list")
            raise RegistryFileError(path, [RowError(0, "", said)]) from None
        except yaml.YAMLError as error:
            # pyyaml's own words are English and technical; where it stopped is what helps.
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark else 0
            problem = getattr(error, "problem", None) or ""
            said = msg.t("registry.file.not_yaml", problem=problem)
            raise RegistryFileError(path, [RowError(line, "", said)]) from None
    entries: list[AISystem] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        label = str(raw.get("id", "")) if isinstance(raw, dict) else ""
        if not isinstance(raw, dict):
            errors.append(RowError(line, "", msg.t("registry.file.not_a_mapping")))
            continue
        # 「国外」 or 「約款型クラウド」 as the workbook shows them: the stored words.
        raw = raw | {f: choice_named(f, raw[f], msg.catalogs) for f in CHOICES if f in raw}
        try:
            row = SystemRow.model_validate(raw)
        except ValidationError as error:
            keys = []
            for issue in error.errors():
                keys.append(key := ".".join(str(p) for p in issue["loc"]))
                errors.append(RowError(line, label, f"{key}: {issue_text(issue, msg)}"))
            # The class is checked against the municipality's scale only on a valid entry;
            # a row with other errors still says its class is wrong, so one pass shows all.
            klass = str(class_named(str(raw.get("max_class", ""))))
            if "max_class" not in keys and klass and klass not in town.confidentiality_classes:
                valid = ", ".join(town.confidentiality_classes)
                text_ = msg.t("registry.rule.class_not_on_scale", value=klass, valid=valid)
                errors.append(RowError(line, label, f"max_class: {text_}"))
            continue
        if row.id in seen:
            said = msg.t("registry.file.repeated_id", line=seen[row.id])
            errors.append(RowError(line, row.id, said))
            continue
        seen[row.id] = line
        entry = row.entry()
        for problem in check_entry(entry, town):
            text_ = msg.t(problem.message, **problem.params)
            errors.append(RowError(line, row.id, f"{text_} ({problem.clause})"))
        entries.append(entry)
    if errors:
        raise RegistryFileError(path, errors)
    return entries


def issue_text(issue: Any, msg: Catalog) -> str:
    """A validation problem in the catalogue's words (pydantic's own are English and technical:
    "String should match pattern '^[a-z0-9]…'"); a choice lists its words with their labels,
    a text too long says how long it may be."""
    kind = issue["type"]
    context = issue.get("ctx") or {}
    field = str(issue["loc"][0]) if issue.get("loc") else ""
    if kind == "literal_error" and field in CHOICES:
        prefix = CHOICES[field]
        words = get_args(SystemRow.model_fields[field].annotation)
        valid = " ／ ".join(f"{word}: {msg.t(f'{prefix}.{word}')}" for word in words)
        return msg.t("registry.issue.one_of", valid=valid)
    if kind == "literal_error":
        return msg.t("registry.issue.one_of", valid=context.get("expected", ""))
    if msg.has(f"registry.issue.{kind}"):
        return msg.t(f"registry.issue.{kind}", value=issue.get("input", ""), **context)
    return msg.t("registry.issue.other", value=issue.get("input", ""))


class _NotAList(Exception):
    """The YAML file is not a list of systems (a single mapping, a plain text)."""


def _yaml_rows(text: str) -> Iterable[tuple[int, Any]]:
    node = yaml.compose(text)
    data = yaml.safe_load(text)
    if data is None:
        return
    if not isinstance(data, list) or node is None or not isinstance(node, yaml.SequenceNode):
        raise _NotAList
    for item_node, item in zip(node.value, data, strict=True):
        yield item_node.start_mark.line + 1, item


def _csv_rows(text: str) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    line = 1
    for row in reader:
        # An empty cell means "not given": the column's default applies, as for a YAML key
        # left out.
        yield line + 1, {k: v for k, v in row.items() if k is not None and v not in ("", None)}
        line = reader.line_num


# --- writing ----------------------------------------------------------------------------


def _plain(system: AISystem) -> dict[str, Any]:
    return {column: getattr(system, column) for column in COLUMNS}


def to_yaml(systems: Iterable[AISystem]) -> str:
    return yaml.safe_dump(
        [_plain(s) for s in systems], allow_unicode=True, sort_keys=False, width=100
    )


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def to_csv(systems: Iterable[AISystem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for system in systems:
        writer.writerow([_cell(getattr(system, c)) for c in COLUMNS])
    return out.getvalue()


def to_xlsx(systems: Iterable[AISystem], msg: Catalog) -> bytes:
    """A workbook a person can read: headers in the catalogue's language, sized columns."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = msg.t("registry.sheet")
    sheet.append([msg.t(f"registry.column.{c}") for c in COLUMNS])
    for system in systems:
        sheet.append([_cell(getattr(system, c)) for c in COLUMNS])
    tidy(sheet, freeze="B2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
