"""`aiguide tenants …` and `--tenant`, run as the IT staff of a prefecture would."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.cli import REPO, aiguide, sqlite_at

MOMIJI = REPO / "tests" / "data" / "momiji" / "municipality.toml"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh database holding the sample municipality (as the first `make run` leaves it)."""
    values = sqlite_at(tmp_path / "aiguide.db")
    assert aiguide("systems", "list", env=values).returncode == 0
    return values


def test_a_second_municipality_is_added_listed_and_exported(env: dict[str, str]) -> None:
    added = aiguide("tenants", "add", str(MOMIJI), env=env)
    assert added.returncode == 0, added.stderr
    assert "momiji-town" in added.stdout

    listed = aiguide("tenants", "list", env=env).stdout.splitlines()
    assert [line.split("\t")[:2] for line in listed] == [
        ["momiji-town", "もみじ町"],
        ["sakura-city", "さくら市"],
    ]
    exported = aiguide("tenants", "export", "momiji-town", env=env)
    assert exported.returncode == 0
    settings = tomllib.loads(exported.stdout)
    assert settings["municipality"]["name"] == "もみじ町"
    assert settings["roles"]["admins"] == ["tanaka"]
    assert [p["id"] for p in settings["personas"]] == ["yamada", "tanaka", "kimura"]

    again = aiguide("tenants", "add", str(MOMIJI), env=env)
    assert again.returncode == 2
    assert "ID momiji-town の自治体はすでに登録されています" in again.stderr


def test_an_export_updated_unchanged_changes_nothing_and_a_change_is_shown_and_audited(
    env: dict[str, str], tmp_path: Path
) -> None:
    exported = tmp_path / "sakura.toml"
    assert (
        aiguide("tenants", "export", "sakura-city", "--output", str(exported), env=env).returncode
        == 0
    )
    unchanged = aiguide("tenants", "update", str(exported), env=env)
    assert unchanged.returncode == 0, unchanged.stderr
    assert "sakura-city: 変更はありません。" in unchanged.stdout

    exported.write_text(
        exported.read_text(encoding="utf-8").replace("内線2101", "内線2199"), encoding="utf-8"
    )
    changed = aiguide("tenants", "update", str(exported), env=env)
    assert "contacts.policy.phone: '内線2101' -> '内線2199'" in changed.stdout
    audit = aiguide("audit", "export", "--format", "json", env=env).stdout
    assert "tenant.update" in audit and "内線2199" in audit


def test_a_bad_file_is_refused_with_its_line(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        MOMIJI.read_text(encoding="utf-8").replace(
            'confidential_from = "2"', 'confidential_from = "9"'
        ),
        encoding="utf-8",
    )
    result = aiguide("tenants", "add", str(bad), env=env)
    assert result.returncode == 2
    assert (
        "confidentiality.confidential_from: must be one of the classes (3, 2, 1)" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert "momiji-town" not in aiguide("tenants", "list", env=env).stdout


@pytest.mark.parametrize("verb", ["add", "update"])
def test_a_file_that_is_not_there_is_named_without_pointing_at_the_environment(
    env: dict[str, str], tmp_path: Path, verb: str
) -> None:
    missing = tmp_path / "momiji.toml"
    result = aiguide("tenants", verb, str(missing), env=env)
    assert result.returncode != 0
    assert f"{missing} が見つかりません" in result.stderr, result.stderr
    assert "AIGUIDE_MUNICIPALITY_FILE" not in result.stderr  # the file was named here
    assert "Traceback" not in result.stderr


def test_a_workspace_belongs_to_one_municipality_at_most(env: dict[str, str]) -> None:
    assert aiguide("tenants", "add", str(MOMIJI), env=env).returncode == 0
    linked = aiguide("tenants", "link", "sakura-city", "--slack-team", "T0SAKURA", env=env)
    assert linked.returncode == 0 and "を関連付けました" in linked.stdout
    taken = aiguide("tenants", "link", "momiji-town", "--slack-team", "T0SAKURA", env=env)
    assert taken.returncode == 2
    assert "すでに sakura-city に関連付けられています" in taken.stderr
    teams = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert (
        aiguide("tenants", "link", "momiji-town", "--teams-tenant", teams, env=env).returncode == 0
    )
    shown = aiguide("tenants", "show", "momiji-town", env=env).stdout
    assert f"teams_tenant: {teams}" in shown
    assert (
        aiguide("tenants", "unlink", "sakura-city", "--slack-team", "T0SAKURA", env=env).returncode
        == 0
    )
    assert (
        aiguide("tenants", "link", "momiji-town", "--slack-team", "T0SAKURA", env=env).returncode
        == 0
    )


def test_with_several_municipalities_a_command_asks_which_one(env: dict[str, str]) -> None:
    only = aiguide("systems", "list", env=env)
    assert only.returncode == 0 and "lgwan-assistant" in only.stdout  # one town: no id needed
    assert aiguide("tenants", "add", str(MOMIJI), env=env).returncode == 0

    unsure = aiguide("systems", "list", env=env)
    assert unsure.returncode == 2
    assert "--tenant" in unsure.stderr and "momiji-town" in unsure.stderr
    assert "sakura-city" in unsure.stderr

    theirs = aiguide("systems", "list", "--tenant", "momiji-town", env=env)
    assert theirs.returncode == 0
    assert theirs.stdout.strip().splitlines()[1:] == []  # a header, and no 別表 yet
    unknown = aiguide("training", "status", "--tenant", "kaede-village", env=env)
    assert unknown.returncode == 2 and "kaede-village" in unknown.stderr
    assert "Traceback" not in unknown.stderr
