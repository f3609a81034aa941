"""PostgreSQL-only behaviour: the RDKit cartridge, concurrent writers, ``registry db``.

Everything else runs on both backends through the ``db_url`` fixture (tests/store_support.py).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_server import PostgresServer
from store_support import PYTHON, ROOT, cli_env, new_postgres_database

from registry.config import Settings
from registry.service import Registry
from registry.service.conflicts import retrying
from registry.sources.chemicals_data import iter_pubchem_rows
from registry.store import SCHEMA_REVISION


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database on the session's server."""
    url, drop = new_postgres_database(postgres_server.url("postgres"))
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def cartridge_url(postgres_server: PostgresServer, pg_url: str) -> str:
    """A fresh database where the RDKit cartridge is installed."""
    if not postgres_server.has_rdkit:
        reason = "the RDKit cartridge (postgresql-15-rdkit) is not installed"
        if _ci():
            pytest.fail(f"{reason}; CI installs it")
        pytest.skip(reason)
    return pg_url


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_path / "data"), "REGISTRY_CACHE_DIR": str(tmp_path / "c")},
        author="tester",
        offline=True,
    )


# 400 real PubChem structures (file order, the first with a SMILES) plus the probes' relatives.
def _pubchem(n: int) -> list[tuple[str, str]]:
    rows = (r for r in iter_pubchem_rows() if r.smiles)
    return [(r.smiles, r.common_name or f"CID {r.cid}") for r in itertools.islice(rows, n)]


SIMILAR_PROBES = [
    "CCN(CC)C(=O)C1(CC1CN)c1ccccc1",  # milnacipran
    "CC(=O)Oc1ccccc1C(=O)O",  # aspirin
    "CCO",
    "c1ccc2ccccc2c1",
    "OC(=O)CCCCC(=O)O",
]
SUBSTRUCTURES = ["c1ccccc1", "C(=O)[OX2H1]", "[#7]", "C(F)(F)F", "[Cl,Br,I]", "[r3]", "N-C=O"]


def test_cartridge_search_equals_in_process_search(cartridge_url: str, tmp_path: Path) -> None:
    with Registry.open(cartridge_url, settings=_settings(tmp_path), seed=False) as registry:
        assert registry.store.cartridge
        new, _ = registry.add_many(_pubchem(400), with_descriptors=False, workers=1)
        assert len(new) > 350
        for probe, threshold in itertools.product(SIMILAR_PROBES, (0.0, 0.3, 0.7)):
            registry.store.cartridge = True
            in_db = registry.search(similar=probe, min_similarity=threshold, limit=1000)
            registry.store.cartridge = False
            in_process = registry.search(similar=probe, min_similarity=threshold, limit=1000)
            assert list(in_db) == list(in_process), (probe, threshold)
        hits = 0
        for pattern in SUBSTRUCTURES:
            registry.store.cartridge = True
            in_db = registry.search(substructure=pattern, limit=1000)
            registry.store.cartridge = False
            in_process = registry.search(substructure=pattern, limit=1000)
            assert list(in_db) == list(in_process), pattern
            hits += len(in_db)
        assert hits > 100  # the patterns do match real structures


def test_cartridge_equals_the_embedded_index_and_the_loop(
    cartridge_url: str, tmp_path: Path
) -> None:
    """The same structures in PostgreSQL (cartridge) and SQLite (search index): same answers,
    for Tanimoto, Tversky, SMARTS and SMILES queries and counts; and both equal the loop."""
    from registry.service import search as search_case

    structures = _pubchem(400)
    settings = _settings(tmp_path)
    with (
        Registry.open(cartridge_url, settings=settings, seed=False) as pg,
        Registry.open(f"sqlite:///{tmp_path / 'e.sqlite'}", settings=settings, seed=False) as lite,
    ):
        assert pg.store.cartridge
        assert lite.store.search_index is not None
        pg.add_many(structures, with_descriptors=False, workers=1)
        lite.add_many(structures, with_descriptors=False, workers=1)

        def shown(hits: object) -> list[tuple[str, float | None]]:
            return [(h.name, h.score) for h in hits]  # type: ignore[attr-defined]

        for probe, threshold in itertools.product(SIMILAR_PROBES, (0.0, 0.3, 0.7)):
            for how in ({}, {"metric": "tversky", "alpha": 0.2, "beta": 0.8}):
                in_db = pg.search(similar=probe, min_similarity=threshold, limit=1000, **how)  # type: ignore[arg-type]
                embedded = lite.search(similar=probe, min_similarity=threshold, limit=1000, **how)  # type: ignore[arg-type]
                loop = search_case.search_similar(
                    pg.store,
                    probe,
                    threshold,
                    1000,
                    use_index=False,
                    **how,  # type: ignore[arg-type]
                )
                assert shown(in_db) == shown(embedded), (probe, threshold, how)
                assert list(in_db) == list(loop), (probe, threshold, how)
            many = lite.search_many(SIMILAR_PROBES, min_similarity=threshold, limit=1000)
            assert [shown(r) for r in many] == [
                shown(pg.search(similar=p, min_similarity=threshold, limit=1000))
                for p in SIMILAR_PROBES
            ]
        queries = [(q, "smarts") for q in SUBSTRUCTURES] + [
            (q, "smiles") for q in ("c1ccccc1C(=O)N", "C(=O)O", "c1ccncc1", "CCN")
        ]
        for query, kind in queries:
            in_db = pg.search(substructure=query, query_format=kind, limit=5, count=True)  # type: ignore[arg-type]
            embedded = lite.search(substructure=query, query_format=kind, limit=5, count=True)  # type: ignore[arg-type]
            loop = search_case.search_substructure(
                pg.store,
                query,
                5,
                query_format=kind,
                count=True,
                use_index=False,  # type: ignore[arg-type]
            )
            assert shown(in_db) == shown(embedded), query
            assert list(in_db) == list(loop), query
            assert in_db.total == embedded.total == loop.total, query  # type: ignore[attr-defined]
        exact = pg.search(stereoisomers=structures[0][0])
        assert shown(exact) == shown(lite.search(stereoisomers=structures[0][0]))


def test_cartridge_indexes_serve_the_searches(cartridge_url: str, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    with Registry.open(cartridge_url, settings=_settings(tmp_path), seed=False) as registry:
        registry.add_many(_pubchem(50), with_descriptors=False, workers=1)
    engine = create_engine(cartridge_url)
    try:
        with engine.connect() as connection:
            indexes = {
                row[0]: row[1]
                for row in connection.execute(
                    text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename='compounds'")
                )
            }
            assert "USING gist (mol)" in indexes["ix_compounds_mol"]
            assert "USING gist (mfp)" in indexes["ix_compounds_mfp"]
            filled = connection.execute(
                text("SELECT count(*) FROM compounds WHERE mol IS NULL OR mfp IS NULL")
            ).scalar()
            assert filled == 0
            connection.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(
                row[0]
                for row in connection.execute(
                    text(
                        "EXPLAIN SELECT id FROM compounds "
                        "WHERE mol @> qmol_from_smarts('c1ccccc1'::cstring)"
                    )
                )
            )
            assert "ix_compounds_mol" in plan
    finally:
        engine.dispose()


def _cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "registry", *args],
        cwd=ROOT,
        env=cli_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


SECRET = "S3cret-Pw-7z"


def test_db_commands_and_credentials_never_shown(
    postgres_server: PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    from sqlalchemy.engine import make_url

    database = make_url(pg_url).database
    assert database
    postgres_server.add_password_user("chemist", SECRET, database)
    port = postgres_server.port
    with_password = f"postgresql+psycopg://chemist:{SECRET}@127.0.0.1:{port}/{database}"

    init = _cli(tmp_path, "db", "init", "--db", with_password, "--format", "json")
    assert init.returncode == 0, init.stderr
    assert SECRET not in init.stdout + init.stderr

    info = json.loads(init.stdout)[0]
    assert info["created"] is True
    assert info["backend"] == "postgresql"
    assert info["schema_revision"] == SCHEMA_REVISION
    assert info["url"] == f"postgresql+psycopg://chemist:***@127.0.0.1:{port}/{database}"
    assert info["compounds"] >= 1  # the bundled records
    assert info["cartridge_available"] is postgres_server.has_rdkit
    assert ("cartridge" in info["search"]) is postgres_server.has_rdkit

    # The password from the environment (libpq's PGPASSWORD), not the URL.
    no_password = f"postgresql+psycopg://chemist@127.0.0.1:{port}/{database}"
    show = _cli(tmp_path, "show", "milnacipran", "--db", no_password, PGPASSWORD=SECRET)
    assert show.returncode == 0, show.stderr
    assert "C15H22N2O" in show.stdout

    # A service file and a password file, the way a team shares connection settings.
    (tmp_path / "pg_service.conf").write_text(
        f"[registry]\nhost=127.0.0.1\nport={port}\ndbname={database}\nuser=chemist\n"
    )
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{port}:{database}:chemist:{SECRET}\n")
    passfile.chmod(0o600)
    service = _cli(
        tmp_path,
        "db",
        "info",
        "--format",
        "json",
        REGISTRY_DB="postgresql+psycopg:///?service=registry",
        PGSERVICEFILE=str(tmp_path / "pg_service.conf"),
        PGPASSFILE=str(passfile),
    )
    assert service.returncode == 0, service.stderr
    assert json.loads(service.stdout)[0]["compounds"] == info["compounds"]

    # Wrong password, password in the query string, unknown database: one clean error line.
    wrong = _cli(tmp_path, "db", "info", "--db", with_password.replace(SECRET, SECRET + "x"))
    assert wrong.returncode != 0
    assert "password authentication failed" in wrong.stderr
    assert SECRET not in wrong.stdout + wrong.stderr
    assert "Traceback" not in wrong.stderr
    in_query = _cli(
        tmp_path,
        "db",
        "info",
        "--db",
        f"postgresql+psycopg://chemist@127.0.0.1:{port}/nosuchdb?password={SECRET}",
    )
    assert in_query.returncode != 0
    assert SECRET not in in_query.stdout + in_query.stderr
    assert "nosuchdb" in in_query.stderr

    upgrade = _cli(tmp_path, "db", "upgrade", "--db", with_password, "--format", "json")
    assert upgrade.returncode == 0, upgrade.stderr
    assert json.loads(upgrade.stdout)[0]["previous_revision"] == SCHEMA_REVISION
    assert SECRET not in upgrade.stdout + upgrade.stderr


def test_upgrade_adds_the_cartridge_to_a_registry_made_without_it(
    cartridge_url: str, tmp_path: Path
) -> None:
    """A registry created before the extension was there gets the columns on upgrade."""
    from sqlalchemy import create_engine, text

    from registry.service.admin import upgrade_database

    with Registry.open(cartridge_url, settings=_settings(tmp_path), seed=False) as registry:
        registry.add_many(_pubchem(30), with_descriptors=False, workers=1)
        expected = list(registry.search(similar="c1ccccc1O", min_similarity=0.2))
    engine = create_engine(cartridge_url)
    with engine.begin() as connection:  # as if the cartridge had not been installed
        connection.execute(text("ALTER TABLE compounds DROP COLUMN mol, DROP COLUMN mfp"))
    engine.dispose()
    with Registry.open(cartridge_url, settings=_settings(tmp_path), seed=False) as registry:
        assert not registry.store.cartridge
    info = upgrade_database(cartridge_url, settings=_settings(tmp_path))
    assert info["search"].startswith("rdkit cartridge")
    with Registry.open(cartridge_url, settings=_settings(tmp_path), seed=False) as registry:
        assert registry.store.cartridge
        assert list(registry.search(similar="c1ccccc1O", min_similarity=0.2)) == expected
        assert expected


def test_eight_concurrent_writers_keep_everything_once(pg_url: str, tmp_path: Path) -> None:
    """Eight processes register overlapping lists at once; nothing is lost or doubled."""
    from registry import cas as cas_numbers

    pool: list[tuple[str, str, str]] = []
    seen_smiles: set[str] = set()
    for row in iter_pubchem_rows():
        if (
            row.smiles
            and "." not in row.smiles
            and row.common_name
            and cas_numbers.is_valid(row.cas)
            and row.smiles not in seen_smiles
        ):
            pool.append((row.smiles, row.common_name, row.cas))
            seen_smiles.add(row.smiles)
        if len(pool) == 16:
            break
    with Registry.open(pg_url, settings=_settings(tmp_path), seed=False):
        pass  # create the schema once, so the writers race on rows, not on the migration
    workers = 8
    plan: dict[int, list[tuple[str, str, str]]] = {}
    for worker in range(workers):
        # 10 of the 16 compounds each, in a rotated order: every compound is wanted by 5
        # writers on average, and they collide in different orders.
        chosen = [pool[(worker * 3 + k) % len(pool)] for k in range(10)]
        plan[worker] = chosen if worker % 2 else chosen[::-1]
        (tmp_path / f"list{worker}.json").write_text(json.dumps(plan[worker]))
    processes = [
        subprocess.Popen(
            [
                PYTHON,
                str(ROOT / "tests" / "concurrent_writer.py"),
                pg_url,
                str(tmp_path / "data"),
                str(worker),
                str(tmp_path / f"list{worker}.json"),
            ],
            cwd=ROOT,
            env=cli_env(tmp_path, PYTHONPATH=str(ROOT)),  # this checkout's registry package
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(workers)
    ]
    for process in processes:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    wanted = {(s, n, c) for items in plan.values() for s, n, c in items}
    with Registry.open(pg_url, settings=_settings(tmp_path), seed=False) as registry:
        assert registry.count() == len(wanted)
        for smiles, name, number in wanted:
            record = registry.get(number)  # the CAS number finds exactly this record
            writers = sorted(w for w, items in plan.items() if (smiles, name, number) in items)
            assert [e.number for e in record.cas] == [number]
            assert sorted(n.body for n in record.notes) == sorted(
                f"Registered by writer {w}." for w in writers
            )
            assert sorted(record.synonyms) == sorted(f"{name} (writer {w})" for w in writers)
            assert record.name == name


def test_serialization_failures_and_deadlocks_are_retried(pg_url: str, tmp_path: Path) -> None:
    """PostgreSQL's 40001 and 40P01 become Conflict, and a Conflict reruns the unit of work."""
    from sqlalchemy import text

    from registry.store import Conflict

    raise_sql = "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '{}'; END $$"
    with Registry.open(pg_url, settings=_settings(tmp_path), seed=False) as registry:
        for code in ("serialization_failure", "deadlock_detected"):
            with pytest.raises(Conflict), registry.store.write() as connection:
                connection.execute(text(raise_sql.format(code)))
        attempts: list[int] = []

        def work() -> int:
            with registry.store.write() as connection:
                attempts.append(1)
                if len(attempts) < 3:  # the first two attempts lose to another writer
                    connection.execute(text(raise_sql.format("serialization_failure")))
                registry.store.log(connection, "test", "tester", None, "retried")
            return len(attempts)

        assert retrying(work) == 3
        assert [e.detail for e in registry.history()] == ["retried"]  # only the last committed


def test_without_the_extension_search_falls_back_in_process(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """A role that may not create the extension gets a working registry searching in-process."""
    import uuid

    import psycopg

    name = f"plain_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server.dsn("postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')  # no rdkit in it
    role = f"user_{uuid.uuid4().hex[:8]}"
    postgres_server.add_password_user(role, SECRET, name)
    url = f"postgresql+psycopg://{role}:{SECRET}@127.0.0.1:{postgres_server.port}/{name}"
    try:
        with Registry.open(url, settings=_settings(tmp_path), seed=False) as registry:
            assert not registry.store.cartridge
            registry.add_many(_pubchem(40), with_descriptors=False, workers=1)
            hits = registry.search(substructure="c1ccccc1", limit=1000)
            assert len(hits) > 5
        info = _cli(tmp_path, "db", "info", "--db", url, "--format", "json")
        assert info.returncode == 0, info.stderr
        shown = json.loads(info.stdout)[0]
        assert shown["search"] == "in-process (RDKit in Python)"
        assert shown["cartridge_available"] is postgres_server.has_rdkit  # installed, not allowed
        assert shown["compounds"] >= 35
    finally:
        with psycopg.connect(postgres_server.dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_has_no_search_index(pg_url: str, tmp_path: Path) -> None:
    """`registry db index` on PostgreSQL says why there is none; `db info` says what searches."""
    done = _cli(tmp_path, "db", "index", "--db", pg_url)
    assert done.returncode == 1
    assert done.stderr.startswith("error: the registry at postgresql+psycopg://")
    assert "has no search index: only a registry in an SQLite file has one" in done.stderr
    info = _cli(tmp_path, "db", "info", "--db", pg_url, "-f", "json")
    assert info.returncode == 0, info.stderr
    shown = json.loads(info.stdout)[0]["search_index"]
    assert shown in (
        "none (postgresql; rdkit cartridge)",
        "none (postgresql; none: every structure is read)",
    )
