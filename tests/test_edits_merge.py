"""Merging a duplicate found late: what moves, what stays, the redirect, the audit rows.

On SQLite and PostgreSQL (the ``registry`` fixture).
"""

from __future__ import annotations

import json

import pytest
from store_support import db_url, registry, registry_settings  # noqa: F401  (fixtures)

from registry.errors import DuplicateCompound, ValidationError
from registry.models import CasEntry, Identifier, Note, Property
from registry.service import Registry

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
SALICYLIC = "Oc1ccccc1C(=O)O"
SODIUM_SALICYLATE = "Oc1ccccc1C(=O)[O-].[Na+]"
MP = Property("melting point", 135.0, "°C", "pubchem", reference="ref 1")
SOLUBILITY = Property("solubility", 2.2, "g/L", "pubchem", reference="ref 2")


def _pubchem(reg: Registry, query: str, *values: Property) -> None:
    with reg.store.write() as connection:
        number = int(reg.resolve(query).removeprefix("REG-"))
        reg.store.replace_properties(connection, number, "pubchem", list(values))


def _details(reg: Registry, registry_id: str) -> list[tuple[str, object]]:
    """(action, detail) of the rows of this one record, oldest first."""
    trail = reversed(reg.history(query=registry_id))
    return [(a.action, json.loads(a.detail)) for a in trail if a.registry_id == registry_id]


def test_merge_moves_everything_and_redirects(registry: Registry) -> None:
    kept = registry.add(
        ASPIRIN,
        name="aspirin",
        cas=["50-78-2"],
        synonyms=["ASA"],
        notes=[Note("Usage", "Pain relief.", "label")],
    )
    _pubchem(registry, "aspirin", MP)
    duplicate = registry.add(
        SALICYLIC,
        name="aspirin lot 7",
        cas=[CasEntry("11126-35-5", "unknown"), CasEntry("69-72-7", "parent")],
        synonyms=["ASA", "acetylsalicylic acid"],
        identifiers=[Identifier("chembl", "CHEMBL25")],
        notes=[
            Note("Usage", "Pain relief.", "label"),
            Note("Mechanism", "COX inhibitor.", "paper"),
        ],
    )
    _pubchem(registry, "aspirin lot 7", MP, SOLUBILITY)
    earlier = registry.add("CCO", name="lot 7 ethanol entry")
    assert registry.merge(earlier.registry_id, "aspirin lot 7").changed  # merged first
    salt = registry.add(SODIUM_SALICYLATE, name="sodium salicylate")
    assert salt.parent_id == duplicate.registry_id
    own_descriptors = [p for p in registry.get("aspirin").properties if p.source == "rdkit"]
    assert own_descriptors  # registration computed them

    done = registry.merge("aspirin lot 7", "50-78-2", reason="same batch, wrong structure")

    c = done.compound
    assert c.registry_id == kept.registry_id
    assert [(e.number, e.role) for e in c.cas] == [
        ("50-78-2", "parent"),
        ("11126-35-5", "unknown"),
        ("69-72-7", "parent"),
    ]
    assert [(i.kind, i.value) for i in c.identifiers] == [("chembl", "CHEMBL25")]
    assert c.synonyms == ("ASA", "acetylsalicylic acid", "lot 7 ethanol entry", "aspirin lot 7")
    assert [(n.section, n.body) for n in c.notes] == [
        ("Usage", "Pain relief."),
        ("Mechanism", "COX inhibitor."),
    ]
    sourced = [(p.name, p.value, p.reference) for p in c.properties if p.source == "pubchem"]
    assert sorted(sourced) == [("melting point", 135.0, "ref 1"), ("solubility", 2.2, "ref 2")]
    assert [p for p in c.properties if p.source == "rdkit"] == own_descriptors
    assert c.merged_from == (duplicate.registry_id, earlier.registry_id)  # by id
    assert registry.get(salt.registry_id).parent_id == kept.registry_id

    # The duplicate stays as a merged record: its id, name, numbers and structure redirect.
    for query in (duplicate.registry_id, "69-72-7", "CHEMBL25", SALICYLIC, earlier.registry_id):
        found = registry.get(query)
        assert found.registry_id == kept.registry_id, query
    assert registry.get(duplicate.registry_id).redirected_from == duplicate.registry_id
    assert registry.get(earlier.registry_id).redirected_from == earlier.registry_id
    with registry.store.read() as connection:
        old = registry.store.load(connection, int(duplicate.registry_id.removeprefix("REG-")))
        older = registry.store.load(connection, int(earlier.registry_id.removeprefix("REG-")))
    assert (old.status, old.merged_into, old.retired_reason) == (
        "merged",
        kept.registry_id,
        "same batch, wrong structure",
    )
    assert (old.cas, old.synonyms, old.notes) == ((), (), ())
    assert {p.source for p in old.properties} == {"rdkit"}  # its own structure's descriptors
    assert older.merged_into == kept.registry_id  # re-pointed: a redirect is one step
    with pytest.raises(DuplicateCompound, match=duplicate.registry_id):
        registry.add(SALICYLIC, name="salicylic acid")
    listed = [x.registry_id for x in registry.list_compounds()]
    assert listed == [kept.registry_id, salt.registry_id]
    hits = {h.registry_id: h.matched for h in registry.search("lot 7")}
    assert hits[duplicate.registry_id] == f"name: aspirin lot 7 [merged into {kept.registry_id}]"

    # One audit row per compound changed, each field before and after.
    assert _details(registry, duplicate.registry_id)[-1] == (
        "merge",
        [
            {"field": "merged_into", "before": None, "after": kept.registry_id},
            {"field": "cas", "before": "11126-35-5 (unknown)", "after": None},
            {"field": "cas", "before": "69-72-7 (parent)", "after": None},
            {"field": "chembl", "before": "CHEMBL25", "after": None},
            {"field": "synonym", "before": "ASA", "after": None},
            {"field": "synonym", "before": "acetylsalicylic acid", "after": None},
            {"field": "synonym", "before": "lot 7 ethanol entry", "after": None},
            {
                "field": "note",
                "before": {"section": "Usage", "source": "label", "body": "Pain relief."},
                "after": None,
            },
            {
                "field": "note",
                "before": {"section": "Mechanism", "source": "paper", "body": "COX inhibitor."},
                "after": None,
            },
            {"field": "property", "before": "melting point = 135 °C (pubchem)", "after": None},
            {"field": "property", "before": "solubility = 2.2 g/L (pubchem)", "after": None},
        ],
    )
    gained = [
        {"field": "merged_from", "before": None, "after": duplicate.registry_id},
        {"field": "cas", "before": None, "after": "11126-35-5 (unknown)"},
        {"field": "cas", "before": None, "after": "69-72-7 (parent)"},
        {"field": "chembl", "before": None, "after": "CHEMBL25"},
        {"field": "synonym", "before": None, "after": "acetylsalicylic acid"},
        {"field": "synonym", "before": None, "after": "lot 7 ethanol entry"},
        {"field": "synonym", "before": None, "after": "aspirin lot 7"},
        {
            "field": "note",
            "before": None,
            "after": {"section": "Mechanism", "source": "paper", "body": "COX inhibitor."},
        },
        {"field": "property", "before": None, "after": "solubility = 2.2 g/L (pubchem)"},
    ]
    assert (done.action, list(done.changes)) == ("merge", gained)
    assert _details(registry, kept.registry_id)[-1] == ("merge", gained)
    assert _details(registry, salt.registry_id)[-1] == (
        "merge",
        {"field": "parent", "before": duplicate.registry_id, "after": kept.registry_id},
    )
    [last] = registry.history(1, query=earlier.registry_id)
    assert (last.registry_id, last.action, json.loads(last.detail)) == (
        earlier.registry_id,
        "merge",
        {"field": "merged_into", "before": duplicate.registry_id, "after": kept.registry_id},
    )
    # The kept record's history holds the merged records' rows too.
    ids = {a.registry_id for a in registry.history(query="aspirin")}
    assert ids == {kept.registry_id, duplicate.registry_id, earlier.registry_id}
    assert {a.registry_id for a in registry.history(query=duplicate.registry_id)} == {
        duplicate.registry_id
    }


def test_merge_refusals(registry: Registry) -> None:
    registry.add(ASPIRIN, name="aspirin")
    registry.add(SALICYLIC, name="salicylic acid")
    registry.add("CCO", name="ethanol")
    before = registry.history()
    with pytest.raises(ValidationError, match=r"are the same record, REG-000001: nothing to"):
        registry.merge("aspirin", "REG-000001")
    registry.retire("ethanol", "not a drug")
    with pytest.raises(ValidationError, match=r"REG-000003 \(ethanol, retired\) is retired"):
        registry.merge("aspirin", "ethanol")
    with pytest.raises(ValidationError, match="one line of text"):
        registry.merge("aspirin", "salicylic acid", reason="a\nb")
    assert len(registry.history()) == len(before) + 1  # the retirement only
    registry.merge("salicylic acid", "aspirin")
    with pytest.raises(ValidationError, match=r"REG-000002 .* was merged into REG-000001 already"):
        registry.merge("REG-000002", "ethanol")
    with pytest.raises(ValidationError, match=r"was merged into REG-000001; a merged record is"):
        registry.retire("REG-000002", "again")
    # Editing a merged record's id edits the record it was merged into.
    done = registry.edit("REG-000002", add_synonyms=["ASA"])
    assert done.compound.registry_id == "REG-000001"
