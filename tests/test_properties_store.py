"""PubChem's values stored with registered compounds: provenance, refresh with audit, migration.

A real SQLite registry, the fake PubChem server with the real recordings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from fake_pubchem import FakePubChem
from test_cli_lookup import env, run  # noqa: F401

from registry.config import Settings
from registry.errors import RecordFileError
from registry.service import Registry
from registry.sources.chain import default_sources, lookup
from registry.store.database import MIGRATIONS_DIR, SCHEMA_REVISION, open_store


@pytest.fixture
def registry(settings: Settings) -> Iterator[Registry]:
    with Registry.open(settings=settings.replace(author="tester"), seed=False) as reg:
        yield reg


def _add(registry: Registry, query: str) -> str:
    result = lookup(query, registry.settings, default_sources(registry.settings), exhaustive=True)
    candidate = next(c for c in result.candidates if c.source == "pubchem")
    return registry.add_from_lookup(candidate, query=query).registry_id


def test_lookup_add_stores_pubchem_values_apart_from_rdkit(
    registry: Registry, pubchem: FakePubChem
) -> None:
    compound = registry.get(_add(registry, "1-bromopropane"))
    pubchem_values = [p for p in compound.properties if p.source == "pubchem"]
    rdkit_values = [p for p in compound.properties if p.source == "rdkit"]
    assert rdkit_values
    assert all(p.toolkit_version for p in rdkit_values)
    assert [p.name for p in pubchem_values] == [
        "XLogP", "TPSA", "Complexity", "HBondDonorCount", "HBondAcceptorCount",
        "RotatableBondCount", "ExactMass", "MonoisotopicMass", "Charge", "HeavyAtomCount",
        "IsotopeAtomCount", "DefinedAtomStereoCount", "UndefinedAtomStereoCount",
        "CovalentUnitCount",
    ]  # fmt: skip
    for p in pubchem_values:
        assert (p.cid, p.kind) == (7840, "computed")
        assert p.retrieved
    assert next(p for p in pubchem_values if p.name == "XLogP").value == 2.1


def test_enrich_stores_experimental_values_and_refresh_is_audited(
    registry: Registry, pubchem: FakePubChem, settings: Settings, tmp_path: Path
) -> None:
    registry_id = _add(registry, "1-bromopropane")
    (first,) = registry.enrich([registry_id], experimental=True)
    assert (first.cid, first.stored, first.replaced, first.error) == (7840, 14 + 59, 14, "")
    compound = registry.get(registry_id)
    melting = [p for p in compound.properties if p.name == "Melting Point"]
    assert len(melting) == 6  # every reference's value kept
    assert melting[0].text == "-166 °F (USCG, 1999)"
    assert (melting[0].value, melting[0].unit, melting[0].cid) == (-166.0, "°F", 7840)
    assert melting[0].reference.startswith("CAMEO Chemicals #1")
    # PubChem changes a value; a refresh from a fresh cache replaces it and audits old and new.
    pubchem.compounds[7840].computed["XLogP"] = 2.4
    fresh = Registry(registry.store, settings.replace(cache_dir=tmp_path / "new-cache"))
    (again,) = fresh.enrich([registry_id])
    assert (again.stored, again.replaced) == (14, 14)
    values = fresh.get(registry_id).properties
    assert [p.value for p in values if p.name == "XLogP"] == [2.4]
    assert len([p for p in values if p.name == "Melting Point"]) == 6  # not refreshed: kept
    trail = [a for a in fresh.get(registry_id, history=True).history if a.action == "properties"]
    detail = json.loads(trail[-1].detail)
    assert (detail["source"], detail["cid"]) == ("pubchem", 7840)
    assert detail["old"]["XLogP"] == ["2.1"]
    assert detail["new"]["XLogP"] == ["2.4"]
    pubchem.compounds[7840].computed["XLogP"] = 2.1


def test_enrich_all_and_a_compound_pubchem_cannot_answer(
    registry: Registry, pubchem: FakePubChem, settings: Settings
) -> None:
    ids = [_add(registry, "1-bromopropane"), _add(registry, "benzene")]
    offline = Registry(registry.store, settings.replace(offline=True))
    done = offline.enrich(experimental=True)
    assert [d.registry_id for d in done] == ids
    assert all("PUG-View record" in d.error and "offline" in d.error for d in done)
    assert [d.stored for d in done] == [14, 14]  # the cached computed ones are stored


def test_migration_0003_keeps_existing_properties(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = sa.create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(
            sa.text(
                "INSERT INTO compounds (name, name_key, submitted, smiles, inchi, inchikey, "
                "formula, registration_hash, tautomer_hash, no_stereo_hash, hash_layers, is_salt, "
                "counterions, created_at, updated_at) VALUES ('x', 'x', 'C', 'C', '', '', 'CH4', "
                "'h', 't', 'n', '{}', 0, '[]', '2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO properties (compound_id, name, value, unit, source, "
                "toolkit_version) VALUES (1, 'tpsa', 0.0, 'Å²', 'rdkit', '2026.09.1')"
            )
        )
    engine.dispose()
    store = open_store(url)
    try:
        assert store.revision() == SCHEMA_REVISION  # 0003 and every later revision
        with store.read() as connection:
            (prop,) = store.load(connection, 1).properties
        assert (prop.name, prop.value, prop.source, prop.text, prop.cid) == (
            "tpsa", 0.0, "rdkit", "", None
        )  # fmt: skip
    finally:
        store.close()


def test_cli_enrich_and_show_two_groups(
    env: dict[str, str],
    pubchem: FakePubChem,
) -> None:
    added = run("lookup", "1-bromopropane", "--add", env=env)
    assert added.returncode == 0, added.stderr
    done = run("enrich", "1-bromopropane", "--experimental", env=env)
    assert done.returncode == 0, done.stderr
    assert "7840" in done.stdout
    assert "73" in done.stdout
    shown = run("show", "1-bromopropane", env={**env, "COLUMNS": "250"})  # whole cells
    assert shown.returncode == 0, shown.stderr
    assert "Descriptors (" in shown.stdout
    assert "PubChem (CID 7840, retrieved " in shown.stdout
    assert "-166 °F (USCG, 1999)" in shown.stdout
    assert run("enrich", env=env).returncode == 2  # neither IDs nor --all


def test_export_and_import_keep_the_pubchem_values(
    registry: Registry, pubchem: FakePubChem, settings: Settings, tmp_path: Path
) -> None:
    registry_id = _add(registry, "benzene")
    registry.enrich([registry_id], experimental=True)
    stored = [p for p in registry.get(registry_id).properties if p.source == "pubchem"]
    assert len(stored) == 14 + 97
    (path,) = registry.export("md", tmp_path / "out", queries=[registry_id])
    text = Path(path).read_text(encoding="utf-8")
    assert "pubchem_properties:" in text
    assert "41.9 °F (NTP, 1992)" in text
    other = settings.replace(db_url=f"sqlite:///{tmp_path / 'other.sqlite'}")
    with Registry.open(settings=other, seed=False) as copy:
        report = copy.import_records(tmp_path / "out")
        assert len(report.added) == 1
        (compound,) = copy.list_compounds(full=True)
        again = [p for p in compound.properties if p.source == "pubchem"]
        assert again == stored  # every value, its text, reference, date and CID
        (back,) = copy.export("md", tmp_path / "back", queries=[compound.registry_id])
        assert Path(back).read_bytes() == Path(path).read_bytes()  # unchanged: byte for byte
    broken = text.replace("- name: XLogP", "- label: XLogP", 1)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / Path(path).name).write_text(broken, encoding="utf-8")
    with (
        Registry.open(settings=other, seed=False) as copy,
        pytest.raises(RecordFileError, match="pubchem_properties entry 1 has no name"),
    ):
        copy.import_records(tmp_path / "bad")
