"""The database layer: migrations, SQLite settings, error translation, registry ids, matching."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from store_support import db_url  # noqa: F401  (fixture)

from registry.errors import DuplicateCompound, InvalidStructure, StoreError
from registry.identifiers import classify
from registry.models import CompoundRow
from registry.store import cartridge, matching, probe
from registry.store.database import (
    MIGRATIONS_DIR,
    SCHEMA_REVISION,
    Store,
    format_registry_id,
    metadata,
    open_store,
    parse_registry_id,
)
from registry.store.matching import MATCH_KINDS, MatchKind, match_kind


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


# --- matching: how a text finds a stored compound -------------------------------------------


def _row(name: str, inchikey: str, parent_hash: str | None = None) -> CompoundRow:
    digest = f"hash-{name}"
    return CompoundRow(
        name=name,
        submitted=name,
        smiles="C",
        inchi="InChI=1S/CH4/h1H4",
        inchikey=inchikey,
        formula="CH4",
        registration_hash=digest,
        tautomer_hash=digest,
        no_stereo_hash=digest,
        hash_layers={},
        is_salt=False,
        counterions=(),
        parent_hash=parent_hash,
        fingerprint=None,
    )


ASPIRIN_KEY = "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"
RECORDED_KEY = "AAAAAAAAAAAAAA-UHFFFAOYSA-N"


def _seeded(url: str) -> tuple[Store, int, int, int]:
    """Three compounds with identifiers of every kind the match kinds search."""
    store = open_store(url)
    with store.write() as connection:
        aspirin, other, third = store.insert_compounds(
            connection,
            [
                _row("Aspirin", ASPIRIN_KEY),
                _row("Other", "CCCCCCCCCCCCCC-UHFFFAOYSA-N"),
                _row("Third", ASPIRIN_KEY),
            ],
        )
        store.add_identifiers(
            connection,
            aspirin,
            [
                ("cas", "50-78-2", "parent", "", "test"),
                ("pubchem_cid", "2244", None, "", "test"),
                ("unii", "R16CO5Y76E", None, "", "test"),
                ("synonym", "Acetylsalicylic  Acid", None, "", "test"),
            ],
        )
        store.add_identifiers(
            connection,
            other,
            [
                ("cas", "507-60-8", "unknown", "", "test"),  # mentioned, identifies nothing
                ("inchikey", RECORDED_KEY, None, "", "test"),
                ("synonym", "aspirin", None, "", "test"),  # a name two compounds answer to
            ],
        )
    return store, aspirin, other, third


def test_every_match_kind_on_both_backends(db_url: str) -> None:
    store, aspirin, other, third = _seeded(db_url)
    cases: list[tuple[MatchKind, str, list[int]]] = [
        ("registry_id", format_registry_id(other), [other]),
        ("registry_id", " reg-999999 ", []),
        ("registry_id", "aspirin", []),
        ("cas", "50-78-2", [aspirin]),
        ("cas", "507-60-8", []),
        ("cas_mention", "507-60-8", [other]),
        ("cas_mention", "50-78-2", [aspirin]),
        ("pubchem_cid", "2244", [aspirin]),
        ("unii", "r16co5y76e", [aspirin]),
        ("chembl", "CHEMBL25", []),
        ("drugbank", "DB00945", []),
        ("inchikey", ASPIRIN_KEY.lower(), [aspirin, third]),  # structures first, both
        ("inchikey", RECORDED_KEY, [other]),  # only recorded: found as identifier
        ("name", "  ASPIRIN ", [aspirin, other]),  # a preferred name and a synonym
        ("name", "acetylsalicylic acid", [aspirin]),
        ("name", "third", [third]),
        ("name", "caffeine", []),
    ]
    assert {kind for kind, _, _ in cases} == set(MATCH_KINDS)
    try:
        with store.read() as connection:
            for kind, value, expected in cases:
                assert matching.compound_ids(connection, kind, value) == expected, (kind, value)
            # The store's methods are the same rule.
            assert store.ids_by_identifier(connection, "cas", "50-78-2") == [aspirin]
            assert store.mentions_of_cas(connection, "507-60-8") == [other]
            assert store.ids_by_inchikey(connection, RECORDED_KEY) == [other]
            assert store.ids_by_name(connection, "aspirin") == [aspirin, other]
            assert matching.identifier_ids(connection, "inchikey", RECORDED_KEY) == [other]
            assert matching.identifier_ids(connection, "synonym", "aspirin") == []
            assert matching.identifier_ids(connection, "synonym", "aspirin", identifying=False) == [
                other
            ]
        if db_url.startswith("sqlite"):  # the probe runs the very same statements
            for kind, value, expected in cases:
                assert probe.probe_ids(db_url, kind, value) == expected, (kind, value)
            assert probe.probe_ids(db_url, "inchikey", RECORDED_KEY) == [other]
    finally:
        store.close()


def test_a_duplicate_identifier_names_its_holder(db_url: str) -> None:
    store, aspirin, _other, third = _seeded(db_url)
    try:
        with (
            pytest.raises(DuplicateCompound, match=format_registry_id(aspirin)),
            store.write() as connection,
        ):
            store.add_identifiers(connection, third, [("cas", "50-78-2", "parent", "", "x")])
    finally:
        store.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50-78-2", ("cas", "50-78-2")),
        ("CAS 50 78 2", ("cas", "50-78-2")),
        ("50-78-3", ("cas", "50-78-3")),  # the store holds what it was given; none fails here
        ("CID 2244", ("pubchem_cid", "2244")),
        ("bsynrymutxbxsq-uhfffaoysa-n", ("inchikey", ASPIRIN_KEY)),
        ("  aspirin ", ("name", "aspirin")),
        ("PCP", ("name", "PCP")),  # classified as SMILES, still a name to the store
        ("InChI=1S/CH4/h1H4", ("name", "InChI=1S/CH4/h1H4")),
        ("   ", None),
    ],
)
def test_match_kind_maps_each_query_kind(text: str, expected: tuple[str, str] | None) -> None:
    assert match_kind(classify(text)) == expected


def test_an_unknown_match_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind='smiles' is not a match kind"):
        matching.statements("smiles", "CCO")  # type: ignore[arg-type]


def test_cartridge_bits_are_the_stored_fingerprint_bits() -> None:
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    vector = generator.GetFingerprint(Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O"))
    bits = cartridge.raw_bits(bytes(vector.ToBinary()))
    assert len(bits) == 2048 // 8
    on = [i for i in range(2048) if bits[i // 8] >> (i % 8) & 1]
    assert on == list(vector.GetOnBits())
    assert DataStructs.CreateFromBinaryText(bits) == vector
    with pytest.raises(InvalidStructure, match="not a serialised fingerprint"):
        cartridge.raw_bits(b"junk")
