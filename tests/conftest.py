"""Shared fixtures: a fake PubChem server and settings pointing at it with tiny timings; one
throw-away PostgreSQL server for every PostgreSQL test.

The PostgreSQL server starts on first use only (a SQLite-only run never starts it). Where no
PostgreSQL binaries are installed the PostgreSQL tests skip with the reason, except in CI
(``CI`` set to a true value), where a missing server is a failure: CI installs ``postgresql`` and
``postgresql-15-rdkit`` precisely so these tests run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_pubchem import FakePubChem
from pg_server import PostgresServer, find_bindir
from store_support import with_reference_index

from registry.config import Settings

_USER_DIRS = Path(tempfile.mkdtemp(prefix="registry-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    """No test reads or writes the user's own registry, offline index or PubChem cache.

    Commands run by tests (in this process or as subprocesses) without settings of their own
    use these throw-away directories instead of the user's data and cache directories, and
    never a registry database named by ``REGISTRY_DB``; tables are 100 columns wide.
    """
    os.environ["REGISTRY_DATA_DIR"] = str(_USER_DIRS / "data")
    os.environ["REGISTRY_CACHE_DIR"] = str(_USER_DIRS / "cache")
    os.environ.pop("REGISTRY_DB", None)
    # Commands lay tables out for the width a pipe has (100 columns); GNU readline, which
    # pytest loads, puts COLUMNS=80 into the environment subprocesses inherit.
    os.environ["COLUMNS"] = "100"
    os.environ["LINES"] = "24"


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_USER_DIRS, ignore_errors=True)


@pytest.fixture(scope="session")
def fake_pubchem() -> Iterator[FakePubChem]:
    with FakePubChem(stall_seconds=1.0) as server:
        yield server


@pytest.fixture
def pubchem(fake_pubchem: FakePubChem) -> FakePubChem:
    fake_pubchem.reset()
    return fake_pubchem


@pytest.fixture(scope="session")
def reference_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir per session holding the session's offline index (built once)."""
    return with_reference_index(tmp_path_factory.mktemp("data"))


@pytest.fixture
def settings(pubchem: FakePubChem, reference_dir: Path, tmp_path: Path) -> Settings:
    """Fresh cache, shared index, fake PubChem, timeouts and backoff small enough for tests."""
    return Settings.from_env(
        {},
        data_dir=reference_dir,
        cache_dir=tmp_path / "cache",
        db_url=f"sqlite:///{tmp_path / 'registry.sqlite'}",
        pubchem_url=pubchem.url,
        pubchem_timeout=0.3,
        pubchem_retries=3,
        pubchem_backoff=0.02,
        pubchem_max_wait=3.0,
    )


@pytest.fixture
def offline(reference_dir: Path, tmp_path: Path) -> Settings:
    """The session's offline index, a registry database of the test's own, never the network."""
    return Settings.from_env(
        {},
        data_dir=reference_dir,
        cache_dir=tmp_path / "cache",
        db_url=f"sqlite:///{tmp_path / 'registry.sqlite'}",
        offline=True,
        author="tester",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("REGISTRY_ONLINE_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="talks to the real PubChem; set REGISTRY_ONLINE_TESTS=1")
    for item in items:
        if "online" in item.keywords:
            item.add_marker(skip)


# --- PostgreSQL (issue 7) -----------------------------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server (with the RDKit cartridge when installed) for the session."""
    if find_bindir() is None:
        reason = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if _in_ci():
            pytest.fail(f"{reason}; CI must install postgresql and postgresql-15-rdkit")
        pytest.skip(reason)
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()
