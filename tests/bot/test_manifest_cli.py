"""`aiguide manifest teams`: the package an admin uploads to Teams, checked against the
manifest schema kept in the repository, with icons of the sizes and colours Teams requires."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest

from bot.runtime import Runtime
from tests.chat import Chat
from tests.cli import REPO, aiguide

APP_ID = "8f0c2c8e-1111-4d2e-9d4b-0a1b2c3d4e5f"
SCHEMA = json.loads((REPO / "manifest/teams/manifest.schema.json").read_text(encoding="utf-8"))


def pixels(png: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and RGBA pixels of a non-interlaced 8-bit RGBA PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data, width, height = 8, b"", 0, 0
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 6), "8-bit RGBA expected"
        elif kind == b"IDAT":
            data += body
        position += 12 + length
    raw = zlib.decompress(data)
    stride = width * 4 + 1
    found = []
    for row in range(height):
        line = raw[row * stride : (row + 1) * stride]
        assert line[0] == 0, "unfiltered scanlines expected"
        found += [tuple(line[1 + i : 5 + i]) for i in range(0, width * 4, 4)]
    return width, height, found


@pytest.fixture
def package(tmp_path: Path) -> zipfile.ZipFile:
    out = tmp_path / "aiguide-teams.zip"
    done = aiguide(
        "manifest",
        "teams",
        "--app-id",
        APP_ID,
        "--out",
        str(out),
        "--domain",
        "aiguide.city.sakura.example.lg.jp",
    )
    assert done.returncode == 0, done.stderr
    assert "に書き出しました" in done.stdout
    return zipfile.ZipFile(out)


def test_the_package_holds_a_valid_manifest_for_this_app_and_its_two_icons(
    package: zipfile.ZipFile,
) -> None:
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(package.read("manifest.json"))
    jsonschema.validate(manifest, SCHEMA)
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["validDomains"] == ["aiguide.city.sakura.example.lg.jp"]
    personal = next(c for c in bot["commandLists"] if c["scopes"] == ["personal"])
    titles = [c["title"] for c in personal["commands"]]
    assert {"help", "check", "report", "my status", "system list"} <= set(titles)


def test_the_schema_catches_what_teams_would_refuse(package: zipfile.ZipFile) -> None:
    manifest = json.loads(package.read("manifest.json"))
    for broken in (
        {**manifest, "id": "not-a-guid"},
        {**manifest, "validDomains": ["https://aiguide.example/path"]},
        {**manifest, "name": {"short": "x" * 31}},
        {**manifest, "bots": [{**manifest["bots"][0], "scopes": ["everywhere"]}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SCHEMA)


def test_the_icons_have_the_sizes_and_colours_teams_requires(package: zipfile.ZipFile) -> None:
    width, height, colour = pixels(package.read("color.png"))
    assert (width, height) == (192, 192)
    assert all(p[3] == 255 for p in colour), "the colour icon is fully opaque"
    assert len(set(colour)) > 1
    width, height, outline = pixels(package.read("outline.png"))
    assert (width, height) == (32, 32)
    assert set(outline) <= {(255, 255, 255, 255), (0, 0, 0, 0)}, "white on transparent only"
    assert (255, 255, 255, 255) in outline and (0, 0, 0, 0) in outline


def test_a_wrong_app_id_or_domain_is_refused_with_the_reason(tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    done = aiguide("manifest", "teams", "--app-id", "my-bot", "--out", str(out))
    assert done.returncode == 2 and "--app-id にはアプリの GUID を指定してください" in done.stderr
    wrong = ("--app-id", APP_ID, "--out", str(out), "--domain", "https://x.jp/", "--lang", "en")
    done = aiguide("manifest", "teams", *wrong)
    assert done.returncode == 2 and "--domain must be a host name" in done.stderr
    assert not out.exists()


async def test_every_personal_command_in_the_manifest_is_understood(runtime: Runtime) -> None:
    manifest = json.loads((REPO / "manifest/teams/manifest.json").read_text(encoding="utf-8"))
    personal = next(c for c in manifest["bots"][0]["commandLists"] if c["scopes"] == ["personal"])
    chat = Chat(runtime, "sato", "佐藤 健")  # an admin of the sample municipality
    for command in personal["commands"]:
        await chat.say(command["title"])
        assert "うまく理解できませんでした" not in chat.text, command["title"]
