"""Schema revision 0004 (retired and merged compounds): `registry db upgrade` takes a 0003
database to it with every row kept, and the downgrade drops the columns in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from store_support import cli_env, db_url  # noqa: F401  (fixture)
from typer.testing import CliRunner

from registry.cli import app
from registry.config import Settings
from registry.service import Registry
from registry.store.database import MIGRATIONS_DIR, SCHEMA_REVISION


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = sa.create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: [
                    tuple(r)
                    for r in connection.execute(
                        sa.text(f"SELECT id, compound_id FROM {table} ORDER BY id")
                    )
                ]
                for table in ("identifiers", "notes", "properties")
            }
    finally:
        engine.dispose()


@pytest.mark.filterwarnings("ignore:Did not recognize type")  # the cartridge's columns
def test_upgrade_from_0003_keeps_everything(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_url.startswith("sqlite"):
        Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True)
    _migrate(db_url, "0003")
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO compounds (name, name_key, submitted, smiles, inchi, inchikey, "
                "formula, registration_hash, tautomer_hash, no_stereo_hash, hash_layers, is_salt, "
                "counterions, created_at, updated_at) VALUES ('ethanol', 'ethanol', 'CCO', 'CCO', "
                "'', 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N', 'C2H6O', 'h', 't', 'n', '{}', FALSE, '[]', "
                "'2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO identifiers (compound_id, kind, value, value_key, role, form, source, "
                "origin, exclusive, position, created_at) VALUES (1, 'cas', '64-17-5', "
                "'64-17-5', 'parent', '', 'user', '', TRUE, 0, '2026-01-01')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO notes (compound_id, section, body, citations, source, author, "
                "origin, position, search_text, created_at, updated_at) VALUES (1, 'Usage', "
                "'Solvent.', '[]', 'user', 'x', '', 0, 'usage solvent.', '2026-01-01', "
                "'2026-01-01')"
            )
        )
    engine.dispose()
    before = _rows(db_url)

    for name, value in cli_env(tmp_path).items():
        if name.startswith("REGISTRY_"):
            monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["db", "upgrade", "--db", db_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)[0]
    assert (info["previous_revision"], info["schema_revision"]) == ("0003", SCHEMA_REVISION)
    assert SCHEMA_REVISION == "0004"
    assert _rows(db_url) == before

    settings = Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_path)}, author="tester")
    with Registry.open(db_url, settings=settings, seed=False) as registry:
        c = registry.get("64-17-5")
        assert (c.name, c.status, c.retired_at, c.merged_into) == ("ethanol", "active", "", "")
        assert registry.retire("ethanol", "test").compound.status == "retired"

    # The downgrade drops the three columns in place: no row of any table is lost.
    _migrate(db_url, "0003", down=True)
    assert _rows(db_url) == before
    engine = sa.create_engine(db_url)
    try:
        columns = {c["name"] for c in sa.inspect(engine).get_columns("compounds")}
    finally:
        engine.dispose()
    assert not columns & {"retired_at", "retired_reason", "merged_into"}
