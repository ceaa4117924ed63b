"""`aiguide systems import` as the policy division uses it: the workbook's own words in a CSV
saved by Excel, a row it cannot take named with the words it can, and every entry it changes
in the audit log (who, before → after), as a change typed in a chat is."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from tests.cli import REPO, aiguide, sqlite_at


def audit_rows(env: dict[str, str]) -> list[dict[str, str]]:
    exported = aiguide("audit", "export", env=env)
    assert exported.returncode == 0, exported.stderr
    return list(csv.DictReader(io.StringIO(exported.stdout)))


def test_an_import_is_audited_per_entry_with_before_and_after(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    lines = aiguide("systems", "export", "--format", "csv", env=env).stdout.splitlines()
    changed = [
        line.replace("内線3300", "内線3301") if line.startswith("translator,") else line
        for line in lines
    ]
    systems = tmp_path / "systems.csv"
    systems.write_bytes("\r\n".join(changed).encode("cp932"))  # as Japanese Excel saves it

    imported = aiguide("systems", "import", str(systems), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "追加 0 件、変更 1 件" in imported.stdout

    (row,) = [r for r in audit_rows(env) if r["action"] == "system.import"]
    assert row["channel"] == "cli"
    assert row["actor"].startswith("cli")
    assert row["target"] == "system:translator"
    assert '"owner_contact": "内線3300"' in row["before"]
    assert '"owner_contact": "内線3301"' in row["after"]

    # The same file again changes nothing, and nothing more is audited.
    again = aiguide("systems", "import", str(systems), env=env)
    assert "追加 0 件、変更 0 件" in again.stdout
    assert [r["action"] for r in audit_rows(env)].count("system.import") == 1


def test_a_csv_may_use_the_words_the_workbook_shows(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "a.db")
    rows = list(
        csv.DictReader(io.StringIO(aiguide("systems", "export", "--format", "csv", env=env).stdout))
    )
    translator = next(r for r in rows if r["id"] == "translator")
    translator |= {"server_location": "国内", "service_type": "約款型クラウド"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerow(translator)
    systems = tmp_path / "systems.csv"
    systems.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode())  # Excel's UTF-8 with a BOM

    imported = aiguide("systems", "import", str(systems), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "追加 0 件、変更 1 件" in imported.stdout
    exported = yaml.safe_load(aiguide("systems", "export", env=env).stdout)
    entry = next(e for e in exported if e["id"] == "translator")
    assert (entry["server_location"], entry["service_type"]) == ("domestic", "public_terms")


def test_one_bad_row_changes_nothing_and_says_which_row_and_the_words_it_takes(
    tmp_path: Path,
) -> None:
    env = sqlite_at(tmp_path / "a.db")
    before = aiguide("systems", "export", env=env).stdout
    entries = yaml.safe_load((REPO / "config" / "systems.yaml").read_text(encoding="utf-8"))
    entries[0]["owner_contact"] = "内線9999"  # a good change, not saved either
    entries[2]["server_location"] = "月面"
    bad = tmp_path / "systems.yaml"
    bad.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")

    refused = aiguide("systems", "import", str(bad), env=env)
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert "何も変更していません" in refused.stderr
    wanted = (
        f": {entries[2]['id']}: server_location: 次のいずれかを書いてください: "
        "domestic: 国内 ／ abroad: 国外"
    )
    assert any(
        said.startswith(f"{bad}:") and said.endswith(wanted) for said in refused.stderr.splitlines()
    ), refused.stderr
    assert aiguide("systems", "export", env=env).stdout == before
    assert [r for r in audit_rows(env) if r["action"] == "system.import"] == []
