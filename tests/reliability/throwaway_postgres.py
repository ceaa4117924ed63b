"""A PostgreSQL cluster of the test's own (initdb + pg_ctl on a free port, in a temporary
directory), so a test can stop and restart it without touching the server other suites use.

Needs the PostgreSQL server binaries (`initdb`, `pg_ctl`: /usr/lib/postgresql/*/bin on Debian,
as on the CI image); as root they run as the `postgres` user, as PostgreSQL insists.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.bot.test_serve import free_port


def server_binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").is_file():
            return Path(folder)
    return None


@dataclass
class Cluster:
    bin: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.data / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


def new_cluster(bin: Path) -> Cluster:
    data = Path(tempfile.mkdtemp(prefix="aiguide-pg-")) / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data.parent, "postgres")
        shutil.chown(data, "postgres")
    return Cluster(bin, data, free_port())


def remove(cluster: Cluster) -> None:
    with contextlib.suppress(subprocess.CalledProcessError):  # not running
        cluster.stop("immediate")
    shutil.rmtree(cluster.data.parent, ignore_errors=True)
