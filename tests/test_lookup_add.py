"""Registering lookup results (`registry lookup --add`, `registry add NAME`) and the registry probe.

Real data throughout: the offline index built from the chemicals tables (once per session), the
bundled record files, a real SQLite registry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.config import Settings
from registry.errors import Ambiguous, DuplicateCompound, NotFound, ValidationError
from registry.identifiers import classify
from registry.models import Candidate, CasNumber, Identifier, LookupResult
from registry.service import LookupResolver, Registry, Resolved
from registry.service.registry_source import RegistrySource
from registry.sources.chain import choose, default_sources, lookup
from registry.store import key
from registry.store import probe as store_probe
from registry.store.matching import MatchKind, compound_ids

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def registry(offline: Settings) -> Iterator[Registry]:
    with Registry.open(settings=offline, seed=False) as reg:
        yield reg


def _index_lookup(query: str, settings: Settings) -> LookupResult:
    return lookup(query, settings, default_sources(settings))


# --- CAS roles ----------------------------------------------------------------------------------


def test_roles_from_an_index_candidate() -> None:
    candidate = Candidate(
        "reference",
        "2026-01-02T03:04:05+00:00",
        "caffeine",
        (
            CasNumber("58-08-2", "primary"),
            CasNumber("71701-02-5", "synonym"),
            CasNumber("58-08-3", "synonym", valid=False),
        ),
        smiles="CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
        cid=2519,
        synonyms=("caffeine", "58-08-2", "CAS-58-08-2", "guaranine"),
        origin="chemicals:pubchem-small",
    )
    resolved = Resolved.from_candidate(candidate, "71701-02-5")
    assert [(e.number, e.role) for e in resolved.cas] == [
        ("58-08-2", "parent"),  # the index's own CAS field
        ("71701-02-5", "unknown"),  # found among synonyms (even when it was the query)
    ]  # the checksum failure is not stored at all
    assert {e.source for e in resolved.cas} == {"reference:2026-01-02"}
    assert resolved.synonyms == ("caffeine", "guaranine")  # CAS-shaped names are CAS numbers
    assert [(i.kind, i.value) for i in resolved.identifiers] == [("pubchem_cid", "2519")]
    assert dict(resolved.provenance)["retrieved"] == "2026-01-02T03:04:05+00:00"


def test_roles_from_a_pubchem_candidate_asked_by_cas() -> None:
    # PubChem has no CAS field: the number asked for (which led to this record) identifies it.
    candidate = Candidate(
        "pubchem",
        "2026-01-02",
        "aspirin",
        (CasNumber("11126-35-5", "synonym"), CasNumber("50-78-2", "synonym")),
        smiles="CC(=O)OC1=CC=CC=C1C(=O)O",
        cid=2244,
    )
    by_cas = Resolved.from_candidate(candidate, "50 78 2")
    assert [(e.number, e.role) for e in by_cas.cas] == [
        ("50-78-2", "parent"),
        ("11126-35-5", "unknown"),
    ]
    by_name = Resolved.from_candidate(candidate, "aspirin")
    assert {e.role for e in by_name.cas} == {"unknown"}


# --- the library ----------------------------------------------------------------------------------


def test_add_from_lookup_records_provenance(registry: Registry, offline: Settings) -> None:
    result = _index_lookup("58-08-2", offline)
    compound = registry.add_from_lookup(choose(result), query="58-08-2")
    assert compound.name == "caffeine"
    assert compound.inchikey == "RYYVLZVUVIJVGH-UHFFFAOYSA-N"
    roles = {e.number: e.role for e in compound.cas}
    assert roles["58-08-2"] == "parent"
    assert set(roles.values()) <= {"parent", "unknown"}
    assert len(roles) > 1
    [cid] = [i for i in compound.identifiers if i.kind == "pubchem_cid"]
    assert cid.value == "2519"
    assert cid.source.startswith("reference:20")  # source and date on every identifier
    assert registry.get("58-08-2").registry_id == compound.registry_id
    [entry] = registry.history(1)
    detail = json.loads(entry.detail)
    assert detail["lookup_source"] == "reference"
    assert detail["pubchem_cid"] == "2519"
    assert detail["origin"] == "chemicals:pubchem-small"
    assert detail["retrieved"]
    with pytest.raises(DuplicateCompound):
        registry.add_from_lookup(choose(result), query="58-08-2")


def test_a_salt_gets_its_cas_as_salt(registry: Registry, offline: Settings) -> None:
    result = _index_lookup("adriamycin", offline)
    with pytest.raises(Ambiguous, match=r"1\. reference: doxorubicin hydrochloride"):
        choose(result)
    salt = choose(result, cid=443939)
    assert salt is choose(result, pick=1)
    with pytest.raises(ValidationError, match="choose 1 to"):
        choose(result, pick=9)
    with pytest.raises(NotFound, match="CID 1"):
        choose(result, cid=1)
    compound = registry.add_from_lookup(salt, query="adriamycin")
    assert {e.number: e.role for e in compound.cas}["25316-40-9"] == "salt"


def test_add_by_name_or_cas_resolves_through_the_chain(offline: Settings) -> None:
    with Registry.open(settings=offline, seed=False, resolver=LookupResolver(offline)) as reg:
        aspirin = reg.add(query="50-78-2")
        assert aspirin.name == "aspirin"
        assert {e.number: e.role for e in aspirin.cas}["50-78-2"] == "parent"
        caffeine = reg.add(query="Caffeine")
        assert caffeine.formula == "C8H10N4O2"
        with pytest.raises(Ambiguous, match="pick=N or cid=CID"):
            reg.add(query="abamectin")
        with pytest.raises(NotFound, match="did you mean 50-78-2"):
            reg.add(query="50-78-3")
        with pytest.raises(NotFound, match="structure=SMILES"):
            reg.add(query="no such compound anywhere at all")
        with pytest.raises(DuplicateCompound, match=aspirin.registry_id):
            reg.add(query="aspirin")
        assert reg.count() == 2


# --- the probe ------------------------------------------------------------------------------------


@given(st.text(max_size=30))
def test_probe_key_is_the_store_key(text: str) -> None:
    assert store_probe.key(text) == key(text)


def test_probe_agrees_with_the_store(tmp_path: Path, offline: Settings) -> None:
    url = f"sqlite:///{tmp_path / 'seeded.sqlite'}"
    assert store_probe.probe_ids(url, "cas", "92623-85-3") == []  # no database yet
    assert not (tmp_path / "seeded.sqlite").exists()  # and the probe did not create one
    with Registry.open(url, settings=offline) as reg:  # seeded with the bundled records
        reg.add("CCO", name="ethanol", cas=["64-17-5"], synonyms=["Spirit"])
        store = reg.store
        cases: list[tuple[MatchKind, str]] = [
            ("cas", "92623-85-3"),
            ("cas", "101152-94-7"),
            ("cas", "507-60-8"),  # mentioned with role unknown: identifies nothing
            ("cas_mention", "507-60-8"),
            ("cas", "50-78-2"),
            ("inchikey", "GJJFMKBJSRMPLA-UHFFFAOYSA-N"),
            ("inchikey", "lfqscwfljhtthz-uhfffaoysa-n"),
            ("name", "  MILNACIPRAN "),
            ("name", "spirit"),
            ("name", "caffeine"),
            ("pubchem_cid", "65833"),
            ("registry_id", "REG-000002"),
            ("registry_id", "REG-000099"),
        ]
        with store.read() as conn:
            for kind, value in cases:
                expected = compound_ids(conn, kind, value)
                assert store_probe.probe_ids(url, kind, value) == expected, (kind, value)
            assert compound_ids(conn, "cas_mention", "507-60-8")
            assert not compound_ids(conn, "cas", "507-60-8")
        assert store_probe.probe_ids(url, "cas", "92623-85-3")  # the seed is found
    assert store_probe.probe_ids("postgresql+psycopg://db/registry", "cas", "50-78-2") is None
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all" * 100)
    assert store_probe.probe_ids(f"sqlite:///{tmp_path / 'junk.sqlite'}", "cas", "1-1-1") is None


def test_get_and_the_lookup_chain_find_by_one_rule(tmp_path: Path, offline: Settings) -> None:
    """``Registry.get``, the registry's lookup source and its probe find the same compounds."""
    url = f"sqlite:///{tmp_path / 'seeded.sqlite'}"
    with Registry.open(url, settings=offline) as reg:  # seeded with the bundled records
        ethanol = reg.add("CCO", name="ethanol", cas=["64-17-5"], synonyms=["Spirit"])
        reg.add("OCCO", name="glycol", synonyms=["Spirit"])  # a shared synonym
        reg.add(
            "CC(=O)Oc1ccccc1C(=O)O",
            name="aspirin",
            identifiers=[Identifier("pubchem_cid", "2244", "test")],
        )
    texts = [
        "92623-85-3",  # CAS
        "CAS 101152-94-7",
        "507-60-8",  # mentioned only: identifies nothing
        "GJJFMKBJSRMPLA-UHFFFAOYSA-N",  # InChIKey
        "  MILNACIPRAN ",  # name
        "spirit",  # a synonym of two compounds
        "CID 2244",  # PubChem CID
        "2244",
        "64-17-6",  # failing its checksum: no CAS search finds it, nor anything else
        ethanol.registry_id,
        "REG-000099",
        "caffeine",
    ]
    opened: list[Registry] = []

    def opener(settings: Settings) -> Registry:
        opened.append(Registry.open(url, settings=settings))
        return opened[-1]

    with Registry.open(url, settings=offline) as reg:
        by_get = [[c.registry_id for c in reg.find(t)] for t in texts]
        mine = RegistrySource(offline.replace(db_url=url), registry=reg)
        by_source = mine.find_many([classify(t) for t in texts])
    for text, found, candidates in zip(texts, by_get, by_source, strict=True):
        assert [c.origin.removeprefix("registry:") for c in candidates] == found, text
        # A source not open yet asks the probe first, and opens the store only for a hit.
        probing = RegistrySource(offline.replace(db_url=url), opener=opener)
        before = len(opened)
        probed = probing.find_many([classify(text)])[0]
        probing.close()
        assert [c.origin for c in probed] == [c.origin for c in candidates], text
        assert len(opened) - before == (1 if found else 0), text
    assert len(by_get[5]) == 2  # the shared synonym names both
    assert by_get[6] == by_get[7] != []  # "CID 2244" and "2244"
    assert [found == [] for found in by_get].count(True) == 4


# --- the command line -----------------------------------------------------------------------------


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def env(reference_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "REGISTRY_DATA_DIR": str(reference_dir),
        "REGISTRY_CACHE_DIR": str(tmp_path / "cache"),
        "REGISTRY_DB": f"sqlite:///{tmp_path / 'registry.sqlite'}",
        "REGISTRY_OFFLINE": "1",
        "REGISTRY_AUTHOR": "tester",
    }


def test_cli_lookup_add(env: dict[str, str]) -> None:
    done = run("lookup", "50-78-2", "--add", "-f", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["#"] == 1  # stdout stays the lookup table
    assert "registered REG-" in done.stderr
    assert "50-78-2 (parent)" in done.stderr
    shown = run("show", "50-78-2", "-f", "json", env=env)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)[0]["name"] == "aspirin"
    again = run("lookup", "50-78-2", "--add", env=env)  # now the registry answers first
    assert again.returncode == 1
    assert "already registered" in again.stderr

    refused = run("lookup", "adriamycin", "--add", env=env)
    assert refused.returncode == 1
    assert "--pick N or --cid CID" in refused.stderr
    assert "1. reference: doxorubicin hydrochloride (CID 443939" in refused.stderr
    assert "2. reference: doxorubicin" in refused.stderr
    picked = run("lookup", "adriamycin", "--add", "--pick", "2", env=env)
    assert picked.returncode == 0, picked.stderr
    assert "registered REG-" in picked.stderr
    assert "23214-92-8 (parent)" in picked.stderr

    usage = run("lookup", "caffeine", "--pick", "1", env=env)
    assert usage.returncode == 2
    two = run("lookup", "caffeine", "aspirin", "--add", env=env)
    assert two.returncode == 2


def test_cli_add_name_and_cas_without_smiles(env: dict[str, str]) -> None:
    done = run("add", "58-08-2", "-f", "json", env=env)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert row["name"] == "caffeine"
    assert "58-08-2 (parent)" in json.dumps(row)
    ambiguous = run("add", "abamectin", env=env)
    assert ambiguous.returncode == 1
    assert "--pick" in ambiguous.stderr


def _loaded(args: tuple[str, ...], modules: tuple[str, ...], env: dict[str, str]) -> list[str]:
    """The ``modules`` that ``registry ARGS`` imported (run in a process of its own); its
    output first, to show it did its work."""
    code = (
        "import sys\n"
        "from registry.cli import main\n"
        f"sys.argv = ['registry', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', [m for m in {modules!r} if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output, _, loaded = done.stdout.rpartition("LOADED ")
    assert loaded, done.stdout + done.stderr
    return [output.strip(), *json.loads(loaded.replace("'", '"'))]


def test_lookup_with_an_existing_registry_stays_light(env: dict[str, str]) -> None:
    seeded = run("lookup", "milnacipran", "-f", "json", env=env)  # creates and seeds the db
    assert json.loads(seeded.stdout)[0]["source"] == "registry"
    output, *heavy = _loaded(
        ("lookup", "50-78-2"), ("sqlalchemy", "rdkit", "polars", "pubchempy"), env
    )
    assert "aspirin" in output
    assert heavy == []
    # and a query the registry holds is still answered by it, first
    mine = run("lookup", "92623-85-3", "-f", "json", env=env)
    assert json.loads(mine.stdout)[0]["source"] == "registry"


@pytest.mark.parametrize(
    "args", [("show", "milnacipran"), ("search", "--similar", "CCN(CC)C(=O)C1(CC1CN)c1ccccc1")]
)
def test_registry_commands_import_only_what_they_use(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    """A command over the registry imports neither the frame libraries (a fifth of a second of
    a search's process; reading tables for an import brings polars) nor what only other
    commands use: record files' YAML, worker pools, PubChem's properties, SQLAlchemy's
    PostgreSQL dialect (together ~80 ms of a search's start-up). The first command creates
    the registry and imports the bundled records; the second is the one checked."""
    assert run(*args, env=env).returncode == 0
    unused = (
        "polars",
        "pandas",
        "yaml",
        "multiprocessing",
        "registry.service.pubchem_properties",
        "sqlalchemy.dialects.postgresql",
    )
    output, *loaded = _loaded(args, unused, env)
    assert "milnacipran" in output
    assert loaded == []


def test_cli_lookup_add_refuses_a_stereoisomer_unless_allowed(env: dict[str, str]) -> None:
    assert run("lookup", "L-alanine", "--add", env=env).returncode == 0
    refused = run("lookup", "D-alanine", "--add", env=env)
    assert refused.returncode == 1
    assert "stereoisomer of REG-000002" in refused.stderr
    assert "--allow-stereoisomer" in refused.stderr
    added = run("lookup", "D-alanine", "--add", "--allow-stereoisomer", env=env)
    assert added.returncode == 0, added.stderr
    assert added.stderr.startswith("registered REG-000003 d-alanine from reference (CID 71080")
    alone = run("lookup", "D-alanine", "--allow-tautomer", env=env)
    assert alone.returncode == 2
    assert "go with --add" in alone.stderr


def test_cli_lookup_add_to_another_database(env: dict[str, str], tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    done = run("lookup", "caffeine", "--add", "--db", other, env=env)
    assert done.returncode == 0, done.stderr
    assert run("show", "caffeine", "--db", other, env=env).returncode == 0
    assert run("show", "caffeine", env=env).returncode == 1  # the default one is untouched
    again = run("lookup", "caffeine", "--add", "--db", other, env=env)
    assert again.returncode == 1
    assert "already registered" in again.stderr
