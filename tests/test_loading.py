"""Whole records read in bulk (``Store.load_many``, what exports and full listings use) are the
records read one at a time, on SQLite and PostgreSQL; ``Compound.to_dict`` is ``asdict``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from store_support import db_url, registry, registry_settings  # noqa: F401

from registry import Registry
from registry.errors import NotFound
from registry.store import loading

TEAM = Path(__file__).parent / "data" / "team.csv"


def test_load_many_reads_every_record_as_load_does(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = registry
    # Salts, enantiomers, a tautomer pair, CAS numbers, synonyms and project values.
    reg.import_structures(TEAM, allow_stereoisomer=True, allow_tautomer=True)
    reg.add_note("aspirin", "Pharmacology", "Irreversible COX inhibitor.[^1]\n\n[^1]: a source")
    reg.add_note("aspirin", "pharmacology", "A second note in the same section.")
    reg.retire("acetone", "left the collection")
    pyridone, hydroxypyridine = reg.resolve("2-pyridone"), reg.resolve("2-hydroxypyridine")
    reg.merge(pyridone, hydroxypyridine, reason="one substance")
    store = reg.store
    with store.read() as connection:
        ids = list(store.all_ids(connection))
        one_by_one = [store.load(connection, i) for i in ids]
        # Two compounds a query: every record's rows meet the chunk boundaries somewhere.
        monkeypatch.setattr(loading, "IN_LIMIT", 2)
        in_bulk = store.load_many(connection, list(reversed(ids)) + ids[:3])
    assert in_bulk == [*reversed(one_by_one), *one_by_one[:3]]
    # What each part holds, read back from the bulk load (the single load shares its code).
    by_name = {c.name: c for c in one_by_one}
    sertraline, salt = by_name["sertraline"], by_name["sertraline hydrochloride"]
    assert sertraline.salt_forms == (salt.registry_id,)
    assert salt.parent_id == sertraline.registry_id
    racemate = by_name["ibuprofen"]
    enantiomers = sorted(by_name[n].registry_id for n in ("dexibuprofen", "(R)-ibuprofen"))
    assert list(racemate.stereoisomers) == enantiomers
    assert all(c.registry_id not in c.tautomers + c.stereoisomers for c in one_by_one)
    assert [n.body for n in by_name["aspirin"].notes][1] == "A second note in the same section."
    assert by_name["2-hydroxypyridine"].merged_from == (pyridone,)
    assert [(e.number, e.role) for e in by_name["aspirin"].cas] == [("50-78-2", "parent")]
    filled = {
        "salt_forms": any(c.salt_forms for c in in_bulk),
        "stereoisomers": any(c.stereoisomers for c in in_bulk),
        "tautomers": any(c.tautomers for c in in_bulk),
        "merged_from": any(c.merged_from for c in in_bulk),
        "notes": any(len(c.notes) == 2 for c in in_bulk),
        "properties": any(c.properties for c in in_bulk),
        "cas": any(c.cas for c in in_bulk),
        "synonyms": any(c.synonyms for c in in_bulk),
        "retired": any(c.retired_reason for c in in_bulk),
    }
    assert all(filled.values()), filled
    # Their plain values (JSON output, the JSON export) are what dataclasses.asdict gives.
    assert [c.to_dict() for c in in_bulk] == [dataclasses.asdict(c) for c in in_bulk]


def test_load_many_names_a_missing_compound(registry: Registry) -> None:
    store = registry.store
    with store.read() as connection, pytest.raises(NotFound, match="REG-000999"):
        store.load_many(connection, [*store.all_ids(connection), 999])
