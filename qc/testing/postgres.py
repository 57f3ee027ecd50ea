"""A throw-away PostgreSQL cluster for tests: initdb in a folder, a loopback port, trust authentication.

initdb refuses to run as root, so as root the cluster belongs to the ``postgres`` system user (Debian's package
creates it) and its commands run through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def postgres_bin() -> Path | None:
    """The folder holding initdb, pg_ctl and createdb: Debian's /usr/lib/postgresql/<version>/bin (newest), else
    where initdb on PATH really is (Debian puts only some of them on PATH)."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


@contextmanager
def temporary_postgres(port: int, database: str = "prefect") -> Iterator[str]:
    """A running cluster on 127.0.0.1:``port`` with ``database``; yields its asyncpg URL, then stops and deletes it."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # Its own folder under the system's temporary one, which the postgres user can reach (a test's tmp_path may not be).
    folder = Path(tempfile.mkdtemp(prefix="qc-postgres-"))
    folder.chmod(0o711)
    data, sockets = folder / "data", folder / "sockets"
    for path in (data, sockets):
        path.mkdir()
        if as_postgres:
            shutil.chown(path, "postgres")

    def run(*args: str) -> None:
        done = subprocess.run([*as_postgres, *args], check=False, capture_output=True, text=True, cwd="/")
        if done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    run(str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-locale")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "120",
        "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1", "start")
    try:
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", database)
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], check=False,
                       capture_output=True, cwd="/")
        shutil.rmtree(folder, ignore_errors=True)
