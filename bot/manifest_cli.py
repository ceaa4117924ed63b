"""aiguide manifest teams --app-id GUID --out aiguide-teams.zip [--domain HOST …]

Builds the package an admin uploads to Teams: manifest/teams/manifest.json with the app's
id, its valid domains, and the two icons, zipped at the top level as Teams expects.
"""

from __future__ import annotations

import argparse
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "manifest" / "teams"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(
    r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)+(:\d{1,5})?$"
)
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


class ManifestError(ValueError):
    """What is wrong with an option, as a catalogue key (`cli.manifest.`) and its values."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def add_manifest_commands(
    commands: Any, say: Callable[[str], str], common: argparse.ArgumentParser
) -> None:
    """`say(key)`: the help text of `cli.help.<key>`; `common`: the options every command
    takes (see bot/cli/parser.py)."""
    manifest = commands.add_parser("manifest", parents=[common], help=say("manifest"))
    platforms = manifest.add_subparsers(
        dest="manifest_platform", required=True, title=say("commands")
    )
    teams = platforms.add_parser("teams", parents=[common], help=say("manifest_teams"))
    teams.add_argument("--app-id", metavar="GUID", required=True, help=say("manifest_app_id"))
    teams.add_argument(
        "--out", metavar="FILE", type=Path, default=Path("aiguide-teams.zip"), help=say("out")
    )
    teams.add_argument(
        "--domain", metavar="HOST", action="append", default=[], help=say("manifest_domain")
    )
    teams.add_argument("--version", default="1.0.0", help=say("manifest_version"))
    teams.add_argument("--template", type=Path, default=TEMPLATE_DIR, help=argparse.SUPPRESS)


def teams_manifest(
    app_id: str, domains: list[str], version: str = "1.0.0", template: Path = TEMPLATE_DIR
) -> dict[str, Any]:
    """The manifest for this app id; ManifestError names what is wrong."""
    if not _GUID.match(app_id):
        raise ManifestError("bad_app_id", value=app_id[:60])
    for domain in domains:
        if not _DOMAIN.match(domain) or "/" in domain:
            raise ManifestError("bad_domain", value=domain[:200])
    if not _VERSION.match(version):
        raise ManifestError("bad_version", value=version[:60])
    manifest = json.loads((template / "manifest.json").read_text(encoding="utf-8"))
    manifest["id"] = app_id
    manifest["version"] = version
    for bot in manifest["bots"]:
        bot["botId"] = app_id
    manifest["validDomains"] = sorted(set(domains))
    return manifest


def build_teams_package(
    app_id: str,
    out: Path,
    domains: list[str],
    version: str = "1.0.0",
    template: Path = TEMPLATE_DIR,
) -> Path:
    manifest = teams_manifest(app_id, domains, version, template)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for icon in ("color.png", "outline.png"):
            package.write(template / icon, icon)
    return out


def manifest_command(args: argparse.Namespace) -> int:
    from bot.cli.messages import catalog, fail, t
    from bot.files.text_files import os_error_text

    try:
        out = build_teams_package(args.app_id, args.out, args.domain, args.version, args.template)
    except ManifestError as error:
        return fail(f"cli.manifest.{error.key}", **error.params)
    except OSError as error:
        return fail("cli.cannot_write", path=args.out, reason=os_error_text(error, catalog()))
    print(t("cli.manifest.wrote", path=out))
    return 0
