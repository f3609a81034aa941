"""A real, throw-away PostgreSQL server for the test session.

``initdb`` + ``pg_ctl`` on a temporary directory and a free port on 127.0.0.1. PostgreSQL
refuses to run as root, so when the tests run as root (CI and these machines do) the server
runs as the ``postgres`` system user that Debian's package creates. The RDKit cartridge
(Debian's ``postgresql-15-rdkit``) is enabled when installed.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


def find_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None when not installed."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for directory in candidates:
        if all((directory / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def _runuser() -> str:
    # An administrator's tool: in /usr/sbin, which a minimal PATH (env -i, cron) leaves out.
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which("runuser", path=search) or "runuser"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """A running server; ``stop()`` shuts it down and removes its files."""

    bindir: Path
    root: Path
    port: int
    user: str | None  # OS user the server runs as, None for the current one
    has_rdkit: bool = False
    _databases: int = field(default=0, repr=False)

    @classmethod
    def start(cls, bindir: Path | None = None) -> PostgresServer:
        bindir = bindir or find_bindir()
        if bindir is None:
            raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl) installed")
        root = Path(tempfile.mkdtemp(prefix="registry-pg-"))
        user = "postgres" if os.geteuid() == 0 else None
        if user is not None:
            shutil.chown(root, user=user)
        server = cls(bindir=bindir, root=root, port=_free_port(), user=user)
        data = root / "data"
        server._run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        options = (
            f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        server._run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        server.has_rdkit = server._try_rdkit()
        return server

    def _run(self, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        if self.user is not None:
            command = [_runuser(), "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{command[-1]} failed: {done.stderr or done.stdout}\n{tail}")
        return done

    def _psql(self, sql: str, database: str = "postgres") -> bool:
        import psycopg

        try:
            with psycopg.connect(self.dsn(database), autocommit=True) as conn:
                conn.execute(sql)  # type: ignore[arg-type]
        except psycopg.Error:
            return False
        return True

    def _try_rdkit(self) -> bool:
        return self._psql("CREATE EXTENSION IF NOT EXISTS rdkit", "template1")

    def dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "registry_test") -> str:
        """A new empty database (with the cartridge when installed); returns its URL."""
        self._databases += 1
        name = f"{prefix}_{self._databases}_{int(time.time() * 1000) % 100000}"
        if not self._psql(f'CREATE DATABASE "{name}"'):
            raise RuntimeError(f"could not create database {name}")
        return self.url(name)

    def add_password_user(self, name: str, password: str, database: str) -> None:
        """A login role that must give ``password`` over TCP, owning ``database``.

        Its ``pg_hba.conf`` line goes first, so this role (and only it) is checked with
        scram-sha-256 while every other connection stays trusted.
        """
        if not self._psql(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'"):
            raise RuntimeError(f"could not create role {name}")
        if not self._psql(f'ALTER DATABASE "{database}" OWNER TO "{name}"'):
            raise RuntimeError(f"could not give {database} to {name}")
        hba = self.root / "data" / "pg_hba.conf"
        rule = f"host all {name} 127.0.0.1/32 scram-sha-256\n"
        hba.write_text(rule + hba.read_text())
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "reload"])
        time.sleep(0.3)  # the postmaster rereads pg_hba.conf on SIGHUP, asynchronously

    def stop(self) -> None:
        try:
            self._run(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.root / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ]
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
