"""Session-wide fixtures: one throw-away PostgreSQL server for every PostgreSQL test.

The server starts on first use only (a SQLite-only run never starts it). Where no PostgreSQL
binaries are installed the PostgreSQL tests skip with the reason, except in CI (``CI`` set to a
true value), where a missing server is a failure: CI installs ``postgresql`` and
``postgresql-15-rdkit`` precisely so these tests run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pg_server import PostgresServer, find_bindir


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
