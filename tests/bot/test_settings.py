"""The municipality file checker and the deployment settings, as an operator meets them.

Each bad file is the sample file with one line changed, so every test reads
"given this line, the message says…".
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import ConfigError, Settings, load_municipality

SAMPLE = Path(__file__).resolve().parents[2] / "config" / "municipality.toml"


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def line_of(text: str, line: str, occurrence: int = 1) -> int:
    """The 1-based number of the `occurrence`-th line equal to `line`."""
    numbers = [n for n, each in enumerate(text.splitlines(), start=1) if each == line]
    assert len(numbers) >= occurrence, f"the sample file has no line {line!r} #{occurrence}"
    return numbers[occurrence - 1]


def replace_line(text: str, old: str, new: str, occurrence: int = 1) -> str:
    """The text with the `occurrence`-th line equal to `old` replaced by `new`."""
    lines = text.splitlines()
    lines[line_of(text, old, occurrence) - 1] = new
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "municipality.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_municipality(path)
    return str(caught.value)


# --- the sample file ----------------------------------------------------------------------


def test_the_sample_file_loads_and_knows_which_classes_are_confidential() -> None:
    facts = load_municipality(SAMPLE).facts()

    assert facts.name == "さくら市"
    assert facts.confidentiality_classes == ("3A", "3B", "3C", "2", "1")
    assert facts.is_confidential("3A")
    assert facts.is_confidential("2")
    assert not facts.is_confidential("1")


def test_the_sample_file_lists_the_personas_of_the_local_chat() -> None:
    municipality = load_municipality(SAMPLE)

    assert [p.id for p in municipality.personas] == ["yamada", "tanaka", "sato", "suzuki"]
    assert municipality.personas[0].name == "山田 花子"


# --- one bad line, one clear message ------------------------------------------------------


def test_a_wrong_class_names_the_key_its_line_and_the_valid_classes(tmp_path: Path) -> None:
    text = sample_text()
    line = line_of(text, 'confidential_from = "2"')
    path = write(tmp_path, replace_line(text, 'confidential_from = "2"', 'confidential_from = "5"'))

    message = config_error(path)

    assert f"{path}:{line}: confidentiality.confidential_from:" in message
    assert "3A, 3B, 3C, 2, 1" in message


def test_a_repeated_class_names_the_classes_key_and_its_line(tmp_path: Path) -> None:
    text = sample_text()
    old = 'classes = ["3A", "3B", "3C", "2", "1"]'
    line = line_of(text, old)
    path = write(tmp_path, replace_line(text, old, 'classes = ["3A", "3B", "3B", "2", "1"]'))

    message = config_error(path)

    assert f"{path}:{line}: confidentiality.classes:" in message
    assert "appears twice" in message


def test_a_missing_contact_table_is_named_as_missing(tmp_path: Path) -> None:
    text = sample_text()
    start = line_of(text, "[contacts.caio]")
    lines = text.splitlines()
    end = start
    while lines[end].strip():  # the table runs up to the next blank line
        end += 1
    path = write(tmp_path, "\n".join(lines[: start - 1] + lines[end:]) + "\n")

    message = config_error(path)

    assert "contacts.caio: missing (this key is required)" in message


def test_a_misspelt_key_is_named_with_its_line(tmp_path: Path) -> None:
    text = sample_text()
    line = line_of(text, 'name = "さくら市"')
    path = write(tmp_path, replace_line(text, 'name = "さくら市"', 'nmae = "さくら市"'))

    message = config_error(path)

    assert f"{path}:{line}: municipality.nmae:" in message
    assert "municipality.name" in message  # and the key it was meant to be is now missing


def test_a_bad_role_in_the_second_persona_names_that_persona_and_its_line(
    tmp_path: Path,
) -> None:
    text = sample_text()
    line = line_of(text, 'role = "staff"', occurrence=2)
    path = write(tmp_path, replace_line(text, 'role = "staff"', 'role = "boss"', occurrence=2))

    message = config_error(path)

    assert f"{path}:{line}: personas.1.role:" in message
    assert "personas.0" not in message
    assert "'staff', 'admin' or 'caio'" in message


def test_every_bad_key_is_reported_at_once(tmp_path: Path) -> None:
    text = sample_text()
    text = replace_line(text, 'confidential_from = "2"', 'confidential_from = "5"')
    text = replace_line(text, 'role = "staff"', 'role = "boss"', occurrence=2)
    path = write(tmp_path, text)

    message = config_error(path)

    assert len(message.splitlines()) == 2
    assert "confidentiality.confidential_from" in message
    assert "personas.1.role" in message


def test_broken_toml_syntax_says_not_valid_toml_and_the_line(tmp_path: Path) -> None:
    text = sample_text()
    line = line_of(text, 'version = "1.0"')
    path = write(tmp_path, replace_line(text, 'version = "1.0"', 'version = "1.0'))

    message = config_error(path)

    assert message.startswith(f"{path}: not valid TOML")
    assert f"line {line}" in message


def test_a_missing_file_says_so_and_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"

    message = config_error(path)

    assert str(path) in message
    assert "file not found" in message
    assert "AIGUIDE_MUNICIPALITY_FILE" in message


# --- deployment settings from the environment ---------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.upper().startswith("AIGUIDE_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_without_environment_the_bot_runs_locally_on_port_3978(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    settings = Settings(_env_file=None)

    assert settings.database_url.startswith("sqlite+aiosqlite:///var/")
    assert settings.host == "127.0.0.1"
    assert settings.port == 3978
    assert settings.municipality_file == Path("config/municipality.toml")


def test_started_from_another_directory_the_shipped_sample_files_are_used(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_environment.chdir(tmp_path)

    settings = Settings(_env_file=None)

    assert settings.municipality_file.is_file()
    assert settings.systems_file is not None and settings.systems_file.is_file()
    assert load_municipality(settings.municipality_file).facts().name


def test_a_municipality_file_named_in_the_environment_is_taken_as_named(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_environment.chdir(tmp_path)
    clean_environment.setenv("AIGUIDE_MUNICIPALITY_FILE", "mine.toml")

    settings = Settings(_env_file=None)

    assert settings.municipality_file == Path("mine.toml")
    with pytest.raises(ConfigError, match=r"mine\.toml: file not found"):
        load_municipality(settings.municipality_file)


def test_a_port_from_the_environment_is_used(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("AIGUIDE_PORT", "8080")

    assert Settings(_env_file=None).port == 8080


def test_a_port_that_is_not_a_number_is_refused(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("AIGUIDE_PORT", "abc")

    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)

    assert "port" in str(caught.value)


def test_a_port_out_of_range_is_refused(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("AIGUIDE_PORT", "70000")

    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8-sig")
    assert load_municipality(path).municipality.name == "さくら市"
