"""Fixtures shared by the registry tests (imported by name into each test module).

``db_url`` yields a fresh database URL per test, once on SQLite and once on PostgreSQL (a
database of its own on the session's server), so every store test runs on both backends.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest
from sqlalchemy.pool import NullPool

from registry.config import Settings
from registry.service import Registry

if TYPE_CHECKING:
    from click.testing import Result

ROOT = Path(__file__).resolve().parent.parent
COMPOUNDS = ROOT / "compounds"
MILNACIPRAN = "CCN(CC)C(=O)C1(CC1CN)c1ccccc1"
MILNACIPRAN_HCL = "CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl"


# Every store test runs on SQLite and on PostgreSQL: on the session's own server (the
# ``postgres_server`` fixture in conftest.py), or on REGISTRY_TEST_POSTGRES_URL when set (an
# admin URL such as postgresql://postgres@/postgres?host=/tmp). Each test gets a database of its
# own, created from template1 (which holds the RDKit extension when the cartridge is installed).
_POSTGRES = os.environ.get("REGISTRY_TEST_POSTGRES_URL", "")


def postgres_admin_url(request: pytest.FixtureRequest) -> str:
    """An admin URL (database ``postgres``) of the PostgreSQL server the tests use."""
    if _POSTGRES:
        from sqlalchemy.engine import make_url

        url = make_url(_POSTGRES).set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    server = request.getfixturevalue("postgres_server")
    return str(server.url("postgres"))


def new_postgres_database(admin: str) -> tuple[str, Callable[[], None]]:
    """Create a fresh database on the server of ``admin``; returns its URL and a dropper."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(admin)
    name = f"registry_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template1'))

    def drop() -> None:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty registry database that no other test uses."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'registry.sqlite'}"
        return
    url, drop = new_postgres_database(postgres_admin_url(request))
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def registry_settings(tmp_path: Path) -> Settings:
    """Settings that point every directory into the test's temporary directory."""
    return Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_path / "data"), "REGISTRY_CACHE_DIR": str(tmp_path / "c")},
        author="tester",
        offline=True,
    )


@pytest.fixture
def registry(db_url: str, registry_settings: Settings) -> Iterator[Registry]:
    """An open, empty registry (no bundled records)."""
    with Registry.open(db_url, settings=registry_settings, seed=False) as reg:
        yield reg


def shared_reference_index() -> Path:
    """The offline index, built once per test session in the session's data directory."""
    from registry.sources.reference import INDEX_FILE, build_reference

    target = Path(os.environ["REGISTRY_DATA_DIR"]) / INDEX_FILE
    if not target.is_file():
        build_reference(Settings.from_env(), target)
    return target


def with_reference_index(folder: Path) -> Path:
    """``folder`` (made if missing) holding the session's offline index: a hard link (the
    index is only ever replaced whole, never written in place), or a copy on another file
    system."""
    shared = shared_reference_index()
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / shared.name
    if not link.exists():
        try:
            os.link(shared, link)
        except OSError:
            shutil.copyfile(shared, link)
    return folder


def cli_env(tmp_path: Path, *, index: bool = True, **extra: str) -> dict[str, str]:
    """Environment for a ``python -m registry`` subprocess with a private data directory.

    ``index``: the data directory starts with the session's offline index (a hard link; it is
    only ever replaced whole), so a command does not spend seconds building its own; False
    for a test of that first build.
    """
    if index:
        with_reference_index(tmp_path / "data")
    env = dict(os.environ)
    env.update(
        {
            "REGISTRY_DATA_DIR": str(tmp_path / "data"),
            "REGISTRY_CACHE_DIR": str(tmp_path / "cache"),
            "REGISTRY_OFFLINE": "1",
            "REGISTRY_AUTHOR": "tester",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    env.pop("REGISTRY_DB", None)
    env.update(extra)
    return env


class Invoke(Protocol):
    """A call of :func:`in_process_cli`."""

    def __call__(
        self, *args: str, input: str | None = None, expect: int = 0, db: str = ...
    ) -> Result: ...


def in_process_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str) -> Invoke:
    """``registry ARGS --db DB`` run by typer's runner in this process, in :func:`cli_env`'s
    environment, tables 250 columns wide (the tests read what is in them). Each call asserts
    the exit status (``expect``, 0 by default) and returns typer's ``Result``."""
    from typer.testing import CliRunner

    from registry.cli import app

    for name, value in cli_env(tmp_path).items():
        if name.startswith("REGISTRY_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("REGISTRY_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, expect: int = 0, db: str = db) -> Result:
        result = runner.invoke(app, [*args, "--db", db], input=input)
        assert result.exit_code == expect, result.output
        return result

    return invoke


PYTHON = sys.executable
