"""aiguide manifest teams --app-id GUID --out aiguide-teams.zip [--domain HOST …]

Builds the package an admin uploads to Teams: manifest/teams/manifest.json with the app's
id, its valid domains, and the two icons, zipped at the top level as Teams expects.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "manifest" / "teams"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(
    r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)+(:\d{1,5})?$"
)
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def add_manifest_commands(commands: Any) -> None:
    manifest = commands.add_parser("manifest", help="build the app package for a platform")
    platforms = manifest.add_subparsers(dest="manifest_platform", required=True)
    teams = platforms.add_parser("teams", help="the Teams app package (.zip) an admin uploads")
    teams.add_argument("--app-id", required=True, help="the Azure Bot registration's app id")
    teams.add_argument("--out", type=Path, default=Path("aiguide-teams.zip"))
    teams.add_argument(
        "--domain", action="append", default=[], help="a domain the app may open (repeatable)"
    )
    teams.add_argument("--version", default="1.0.0", help="the package version (x.y.z)")
    teams.add_argument("--template", type=Path, default=TEMPLATE_DIR, help=argparse.SUPPRESS)


def teams_manifest(
    app_id: str, domains: list[str], version: str = "1.0.0", template: Path = TEMPLATE_DIR
) -> dict[str, Any]:
    """The manifest for this app id; ValueError names what is wrong."""
    if not _GUID.match(app_id):
        raise ValueError(f"--app-id must be the app's GUID (got {app_id[:60]!r})")
    for domain in domains:
        if not _DOMAIN.match(domain) or "/" in domain:
            raise ValueError(f"--domain must be a host name without scheme or path: {domain!r}")
    if not _VERSION.match(version):
        raise ValueError(f"--version must look like 1.0.0 (got {version!r})")
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
    try:
        out = build_teams_package(args.app_id, args.out, args.domain, args.version, args.template)
    except (ValueError, OSError) as error:
        print(f"aiguide: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out} (upload it in Teams: Apps → Manage your apps → Upload an app)")
    return 0
