"""Fixtures shared by the registry tests (imported by name into each test module).

``db_url`` yields a fresh database URL per test. It is SQLite today; a PostgreSQL URL can be
added to its parameters (issue 7) and every store test then runs on both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.config import Settings
from registry.service import Registry

ROOT = Path(__file__).resolve().parent.parent
COMPOUNDS = ROOT / "compounds"
MILNACIPRAN = "CCN(CC)C(=O)C1(CC1CN)c1ccccc1"
MILNACIPRAN_HCL = "CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl"


# REGISTRY_TEST_POSTGRES_URL (an admin URL such as postgresql://postgres@/postgres?host=/tmp)
# adds PostgreSQL: each test then also runs on a database of its own on that server.
_POSTGRES = os.environ.get("REGISTRY_TEST_POSTGRES_URL", "")
_BACKENDS = ["sqlite", *(["postgresql"] if _POSTGRES else [])]


@pytest.fixture(params=_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty registry database that no other test uses."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'registry.sqlite'}"
        return
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(_POSTGRES).set(drivername="postgresql+psycopg")
    name = f"registry_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``python -m registry`` subprocess with a private data directory."""
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


PYTHON = sys.executable
