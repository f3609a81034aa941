"""Editing registered compounds: rename, CAS numbers and roles, synonyms, identifiers; retiring.

Each change is checked by what the registry holds afterwards and by its audit row (action and
exact before/after detail), on SQLite and PostgreSQL (the ``registry`` fixture).
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from store_support import db_url, registry, registry_settings  # noqa: F401  (fixtures)

from registry.errors import DuplicateCompound, NotFound, ValidationError
from registry.models import CasEntry, Identifier
from registry.service import Registry

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
SALICYLIC = "Oc1ccccc1C(=O)O"


def _trail(reg: Registry, query: str) -> list[tuple[str, object]]:
    """(action, detail) of a record's audit rows, oldest first."""
    return [(a.action, json.loads(a.detail)) for a in reg.get(query, history=True).history]


def test_one_edit_changes_several_fields_with_one_audit_row(registry: Registry) -> None:
    registry.add(ASPIRIN, name="asprin", synonyms=["ASA"])
    done = registry.edit(
        "asprin",
        name="aspirin",
        add_cas=["50-78-2", CasEntry("11126-35-5", "unknown")],
        add_synonyms=["acetylsalicylic acid"],
        remove_synonyms=["asa"],  # any case finds it
        add_identifiers=[
            ("chembl", "CHEMBL25"),
            Identifier("inchikey", "bsyNRYMUTXBXSQ-UHFFFAOYSA-N"),
        ],
        source="curator",
    )
    c = done.compound
    assert (c.name, c.synonyms) == ("aspirin", ("acetylsalicylic acid",))
    assert [(e.number, e.role, e.source) for e in c.cas] == [
        ("50-78-2", "parent", "curator"),
        ("11126-35-5", "unknown", "curator"),
    ]
    assert [(i.kind, i.value) for i in c.identifiers] == [
        ("chembl", "CHEMBL25"),
        ("inchikey", "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"),
    ]
    expected = [
        {"field": "name", "before": "asprin", "after": "aspirin"},
        {"field": "cas", "before": None, "after": "50-78-2 (parent)"},
        {"field": "cas", "before": None, "after": "11126-35-5 (unknown)"},
        {"field": "synonym", "before": "ASA", "after": None},
        {"field": "synonym", "before": None, "after": "acetylsalicylic acid"},
        {"field": "chembl", "before": None, "after": "CHEMBL25"},
        {"field": "inchikey", "before": None, "after": "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"},
    ]
    assert (done.action, list(done.changes)) == ("edit", expected)
    assert _trail(registry, "aspirin")[-1] == ("edit", expected)
    [row] = registry.history(1)
    assert row.detail == json.dumps(expected, sort_keys=True, ensure_ascii=False)
    assert (row.author, row.registry_id) == ("tester", c.registry_id)
    # The new name and number find it; the old name does not.
    assert registry.get("50-78-2").registry_id == c.registry_id
    assert registry.get("CHEMBL25").registry_id == c.registry_id
    with pytest.raises(NotFound):
        registry.get("asprin")


def test_roles_decide_what_a_number_identifies(registry: Registry) -> None:
    registry.add(ASPIRIN, name="aspirin")
    done = registry.edit("aspirin", add_cas=[CasEntry("50-78-2", "unknown")])
    assert (done.action, done.changes) == (
        "add-cas",
        ({"field": "cas", "before": None, "after": "50-78-2 (unknown)"},),
    )
    with pytest.raises(NotFound, match="mentioned"):
        registry.get("50-78-2")  # a number of role unknown identifies nothing
    done = registry.edit("aspirin", set_role={"50-78-2": "parent"})
    assert (done.action, done.changes) == (
        "set-role",
        ({"field": "cas", "before": "50-78-2 (unknown)", "after": "50-78-2 (parent)"},),
    )
    assert registry.get("50-78-2").name == "aspirin"
    done = registry.edit("aspirin", remove_cas=["50-78-2"])
    assert (done.action, done.changes) == (
        "remove-cas",
        ({"field": "cas", "before": "50-78-2 (parent)", "after": None},),
    )
    assert registry.get("aspirin").cas == ()
    with pytest.raises(NotFound):
        registry.get("50-78-2")


def test_an_edit_that_changes_nothing_writes_no_audit_row(registry: Registry) -> None:
    registry.add(ASPIRIN, name="aspirin", cas=["50-78-2"], synonyms=["ASA"])
    before = registry.history()
    done = registry.edit(
        "aspirin",
        name="aspirin",
        add_cas=["50-78-2"],
        add_synonyms=["asa", "Aspirin"],  # held already; the record's own name
        set_role=[("50-78-2", "parent")],
    )
    assert (done.changed, done.action, done.changes) == (False, "", ())
    assert registry.history() == before


def test_a_refused_edit_changes_nothing(registry: Registry) -> None:
    registry.add(ASPIRIN, name="aspirin", cas=["50-78-2"], synonyms=["ASA"])
    registry.add(
        SALICYLIC,
        name="salicylic acid",
        cas=["69-72-7"],
        identifiers=[Identifier("chembl", "CHEMBL424")],
    )
    before = (registry.get("aspirin"), registry.history())

    def unchanged() -> None:
        assert (registry.get("aspirin"), registry.history()) == before

    # A valid rename next to a removal of what the record lacks: neither happens.
    with pytest.raises(ValidationError, match=r"remove_cas=58-08-2: REG-000001 \(aspirin\) has no"):
        registry.edit("aspirin", name="ASA tablets", remove_cas=["58-08-2"])
    unchanged()
    with pytest.raises(DuplicateCompound, match=r"CAS 69-72-7 already identifies REG-000002 "):
        registry.edit("aspirin", add_synonyms=["x"], add_cas=["69-72-7"])
    unchanged()
    with pytest.raises(ValidationError, match=r"has it already with role parent; change that "):
        registry.edit("aspirin", add_cas=[CasEntry("50-78-2", "salt")])
    with pytest.raises(ValidationError, match=r"is the name of REG-000002 \(salicylic acid\)"):
        registry.edit("aspirin", name="Salicylic  Acid")
    with pytest.raises(ValidationError, match=r"has no synonym 'nope'"):
        registry.edit("aspirin", remove_synonyms=["nope"])
    with pytest.raises(ValidationError, match=r"set_role=69-72-7:salt: REG-000001 .* has no CAS"):
        registry.edit("aspirin", set_role={"69-72-7": "salt"})
    with pytest.raises(DuplicateCompound, match=r"chembl chembl424 already identifies REG-000002"):
        registry.edit("aspirin", add_identifiers=[("chembl", "chembl424")])
    unchanged()
    # Checked before the database is touched: the parameter is named.
    refusals = [
        ({"add_cas": ["50-78-3"]}, r"add_cas=50-78-3: .*check digit"),
        ({"add_cas": [CasEntry("50-78-2", "free base")]}, r"CAS role 'free base' is not one of"),
        ({"remove_cas": ["12-34"]}, r"remove_cas=12-34:"),
        ({"set_role": {"50-78-2": "main"}}, r"set_role=50-78-2: CAS role 'main'"),
        ({"add_identifiers": [("cas", "50-78-2")]}, r"add_identifiers=cas:50-78-2: .*add_cas="),
        ({"add_identifiers": [("inchikey", "XYZ")]}, r"not an InChIKey"),
        ({"add_identifiers": [("pubchem_cid", "2244a")]}, r"a PubChem CID is a whole number"),
        ({"add_synonyms": ["a\nb"]}, r"one line of text"),
        ({"add_synonyms": ["  "]}, r"a synonym is empty"),
        ({"name": " "}, r"name is empty"),
        ({"add_synonyms": ["nul\x00"]}, r"NUL"),
    ]
    for changes, message in refusals:
        with pytest.raises(ValidationError, match=message):
            registry.edit("aspirin", **changes)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="add_synonyms must be a sequence"):
        registry.edit("aspirin", add_synonyms="ASA")
    unchanged()


def test_retired_records_stay_readable_and_keep_their_numbers(registry: Registry) -> None:
    aspirin = registry.add(ASPIRIN, name="aspirin", cas=["50-78-2"])
    registry.add(SALICYLIC, name="salicylic acid")
    with pytest.raises(ValidationError, match="reason= is empty"):
        registry.retire("aspirin", " ")
    done = registry.retire("50-78-2", "withdrawn: duplicate of a supplier record")
    assert (done.action, done.changes) == (
        "retire",
        (
            {
                "field": "retired",
                "before": None,
                "after": "withdrawn: duplicate of a supplier record",
            },
        ),
    )
    c = registry.get("aspirin")
    assert (c.status, c.retired_reason) == ("retired", "withdrawn: duplicate of a supplier record")
    assert datetime.fromisoformat(c.retired_at).tzinfo is not None
    assert registry.get("50-78-2").registry_id == aspirin.registry_id  # still found
    assert [x.name for x in registry.list_compounds()] == ["salicylic acid"]
    listed = registry.list_compounds(include_retired=True)
    assert [(x.name, x.status) for x in listed] == [
        ("aspirin", "retired"),
        ("salicylic acid", "active"),
    ]
    assert [x.name for x in registry.list_compounds(full=True)] == ["salicylic acid"]
    [hit] = registry.search("aspir")
    assert (hit.registry_id, hit.matched) == (aspirin.registry_id, "name: aspirin [retired]")
    # Its structure and number never name another compound.
    with pytest.raises(DuplicateCompound, match=r"REG-000001 \(aspirin\)"):
        registry.add(ASPIRIN, name="aspirin again")
    with pytest.raises(
        DuplicateCompound, match=r"CAS 50-78-2 already identifies REG-000001 \(aspirin, retired\)"
    ):
        registry.edit("salicylic acid", add_cas=["50-78-2"])
    with pytest.raises(ValidationError, match=r"REG-000001 \(aspirin\) is retired \(withdrawn"):
        registry.edit("aspirin", add_synonyms=["ASA"])
    before = registry.history()
    assert not registry.retire("aspirin", "another reason").changed  # retired already
    assert registry.history() == before
    done = registry.restore("aspirin")
    assert (done.action, done.changes, done.compound.status) == (
        "restore",
        (
            {
                "field": "retired",
                "before": "withdrawn: duplicate of a supplier record",
                "after": None,
            },
        ),
        "active",
    )
    assert not registry.restore("aspirin").changed
    assert registry.edit("aspirin", add_synonyms=["ASA"]).changed
    assert [a for a, _ in _trail(registry, "aspirin")] == [
        "register",
        "retire",
        "restore",
        "add-synonym",
    ]


def test_add_link_finds_the_record_by_name_or_cas(registry: Registry) -> None:
    registry.add(ASPIRIN, name="aspirin", synonyms=["ASA"])
    # No structure, no resolver: the name finds the record and the number goes onto it.
    linked = registry.add(query="ASA", cas=["50-78-2"], link=True)
    assert (linked.registry_id, linked.name) == ("REG-000001", "aspirin")
    assert [(e.number, e.role) for e in linked.cas] == [("50-78-2", "parent")]
    assert linked.synonyms == ("ASA",)  # nothing else added
    action, detail = _trail(registry, "aspirin")[-1]
    assert action == "link"
    assert detail["changes"] == [{"field": "cas", "before": None, "after": "50-78-2 (parent)"}]
    registry.add(query="50-78-2", synonyms=["acetylsalicylic acid"], link=True)
    assert registry.get("acetylsalicylic acid").registry_id == "REG-000001"
    _, detail = _trail(registry, "aspirin")[-1]
    assert detail["changes"] == [
        {"field": "synonym", "before": None, "after": "acetylsalicylic acid"}
    ]
    assert registry.count() == 1
    # Without link=True a registered name is refused as before.
    with pytest.raises(DuplicateCompound, match="already registered as REG-000001"):
        registry.add(query="aspirin", cas=["50-78-2"])
