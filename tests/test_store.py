"""The database layer: migrations, SQLite settings, error translation, registry ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from store_support import db_url  # noqa: F401  (fixture)

from registry.errors import StoreError
from registry.store import cartridge
from registry.store.database import (
    MIGRATIONS_DIR,
    SCHEMA_REVISION,
    format_registry_id,
    metadata,
    open_store,
    parse_registry_id,
)


def test_schema_revision_is_the_alembic_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


@pytest.mark.filterwarnings("ignore:Did not recognize type")
def test_migrations_build_exactly_the_metadata(db_url: str) -> None:
    store = open_store(db_url)
    try:
        assert store.created
        assert store.revision() == SCHEMA_REVISION
        with store.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": cartridge.include_object}
            )
            diff = compare_metadata(context, metadata)
        assert diff == []
    finally:
        store.close()
    again = open_store(db_url)  # an existing database is not migrated twice
    try:
        assert not again.created
        assert again.revision() == SCHEMA_REVISION
    finally:
        again.close()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'new' / 'dirs' / 'r.sqlite'}")
    try:
        with store.read() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        store.close()
    assert (tmp_path / "new" / "dirs" / "r.sqlite").is_file()


def test_database_errors_become_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot use database URL"):
        open_store("nosuchdb://x")
    not_a_db = tmp_path / "junk.sqlite"
    not_a_db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="registry database error"):
        open_store(f"sqlite:///{not_a_db}")


def test_a_newer_schema_is_refused(db_url: str) -> None:
    store = open_store(db_url)
    try:
        with store.write() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        store.close()
    with pytest.raises(StoreError, match="cannot bring the registry database to schema"):
        open_store(db_url)


def test_a_failed_write_rolls_back(db_url: str) -> None:
    store = open_store(db_url)
    try:

        def half_done() -> None:
            with store.write() as connection:
                store.log(connection, "first", "tester")
                connection.execute(text("INSERT INTO nonexistent VALUES (1)"))

        with pytest.raises(StoreError):
            half_done()
        with store.read() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit")).scalar() == 0
    finally:
        store.close()


def test_registry_ids() -> None:
    assert format_registry_id(1) == "REG-000001"
    assert format_registry_id(1234567) == "REG-1234567"
    assert parse_registry_id(" reg-000123 ") == 123
    assert parse_registry_id("REG123") == 123
    for other in ["123", "REG-", "REG-12a", "92623-85-3", ""]:
        assert parse_registry_id(other) is None


def test_a_missing_database_driver_is_one_clear_error() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "sys.modules['psycopg'] = None\n"
        "sys.argv = ['registry', 'list', '--db', 'postgresql+psycopg://u@127.0.0.1:1/x']\n"
        "from registry.cli import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "driver is not installed" in done.stderr
    assert "registry[postgres]" in done.stderr
