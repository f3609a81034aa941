"""Tautomers and stereoisomers of registered compounds: refused by default, registered on purpose.

A structure whose tautomer-insensitive or stereo-insensitive hash is a registered compound's
(and whose full registration hash is not) is refused with a RelatedStructure naming the record
and the layer, one at a time (``Registry.add``) and in bulk (``add_many``, ``add_prepared``,
``import_structures``: the reason ``"tautomer of REG-000012"`` or ``"... of input 3"``), unless
``allow_tautomer``/``allow_stereoisomer`` accept it; the pair then stays two records that list
each other. ``registry search --tautomers/--stereoisomers`` finds exactly the records a
registration would be refused for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from store_support import (  # noqa: F401  (fixtures)
    MILNACIPRAN,
    MILNACIPRAN_HCL,
    cli_env,
    db_url,
    registry,
    registry_settings,
)
from typer.testing import CliRunner

from registry.chem.registration import Prepared, prepare
from registry.cli import app
from registry.config import Settings
from registry.errors import DuplicateCompound, RelatedStructure
from registry.models import CompoundRow
from registry.service import Registry
from registry.service.related import Allowed, check_one
from registry.store.matching import hash_matches
from registry.store.schema import audit

HYDROXYPYRIDINE = "Oc1ccccn1"
PYRIDONE = "O=c1cccc[nH]1"
L_ALANINE = "C[C@H](N)C(=O)O"
D_ALANINE = "C[C@@H](N)C(=O)O"
ALANINE = "CC(N)C(=O)O"
LEVOMILNACIPRAN = "CCN(CC)C(=O)[C@@]1(C[C@@H]1CN)c1ccccc1"
DEXTROMILNACIPRAN = "CCN(CC)C(=O)[C@]1(C[C@H]1CN)c1ccccc1"


def _audit(registry: Registry) -> list[tuple[str, int | None, str]]:
    with registry.store.read() as connection:
        rows = connection.execute(
            select(audit.c.action, audit.c.compound_id, audit.c.detail).order_by(audit.c.id)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_add_refuses_a_tautomer_naming_the_record_and_the_layer(registry: Registry) -> None:
    registry.add(HYDROXYPYRIDINE, name="2-hydroxypyridine")
    trail = _audit(registry)
    with pytest.raises(RelatedStructure) as caught:
        registry.add(PYRIDONE, name="2-pyridone")
    assert isinstance(caught.value, DuplicateCompound)
    assert str(caught.value) == (
        "the structure is a tautomer of REG-000001 (2-hydroxypyridine): same "
        "tautomer-insensitive hash; use allow_tautomer=True to register it as a compound of "
        "its own"
    )
    assert caught.value.matches == (("tautomer", "REG-000001"),)
    # the other flag does not accept it; nothing is written by a refusal
    with pytest.raises(RelatedStructure, match="allow_tautomer=True"):
        registry.add(PYRIDONE, allow_stereoisomer=True)
    assert registry.count() == 1
    assert _audit(registry) == trail

    pyridone = registry.add(PYRIDONE, name="2-pyridone", allow_tautomer=True)
    assert (pyridone.registry_id, pyridone.tautomers, pyridone.stereoisomers) == (
        "REG-000002",
        ("REG-000001",),
        (),
    )
    assert registry.get("2-hydroxypyridine").tautomers == ("REG-000002",)
    action, compound_id, detail = _audit(registry)[-1]
    assert (action, compound_id, json.loads(detail)["tautomer_of"]) == (
        "register",
        2,
        ["REG-000001"],
    )
    # the same structure again is a duplicate as before, not a tautomer
    with pytest.raises(DuplicateCompound) as again:
        registry.add(PYRIDONE)
    assert not isinstance(again.value, RelatedStructure)
    assert str(again.value).startswith("already registered as REG-000002 (2-pyridone)")


def test_an_enantiomer_pair_is_registered_on_purpose_and_stays_two_records(
    registry: Registry,
) -> None:
    registry.add(L_ALANINE, name="L-alanine")
    with pytest.raises(RelatedStructure) as caught:
        registry.add(D_ALANINE, name="D-alanine")
    assert str(caught.value) == (
        "the structure is a stereoisomer of REG-000001 (L-alanine): same stereo-insensitive "
        "hash; use allow_stereoisomer=True to register it as a compound of its own"
    )
    with pytest.raises(RelatedStructure):
        registry.add(D_ALANINE, allow_tautomer=True)
    d = registry.add(D_ALANINE, name="D-alanine", allow_stereoisomer=True)
    assert (d.registry_id, d.stereoisomers, d.tautomers) == ("REG-000002", ("REG-000001",), ())
    # the racemate is a stereoisomer of both
    with pytest.raises(RelatedStructure) as racemate:
        registry.add(ALANINE, name="alanine")
    assert caught.value.matches == (("stereoisomer", "REG-000001"),)
    assert racemate.value.matches == (
        ("stereoisomer", "REG-000001"),
        ("stereoisomer", "REG-000002"),
    )
    assert "a stereoisomer of REG-000001 (L-alanine) and REG-000002 (D-alanine)" in str(
        racemate.value
    )
    assert [registry.get(n).stereoisomers for n in ("L-alanine", "D-alanine")] == [
        ("REG-000002",),
        ("REG-000001",),
    ]
    assert registry.count() == 2


def test_salt_forms_are_not_refused(registry: Registry) -> None:
    registry.add(MILNACIPRAN, name="milnacipran")
    salt = registry.add(MILNACIPRAN_HCL, name="milnacipran hydrochloride")
    assert (salt.parent_id, salt.stereoisomers, salt.tautomers) == ("REG-000001", (), ())
    # the salt of one enantiomer is a stereoisomer of the racemate's salt
    with pytest.raises(RelatedStructure) as caught:
        registry.add(LEVOMILNACIPRAN + ".Cl", name="levomilnacipran hydrochloride")
    assert caught.value.matches == (("stereoisomer", "REG-000002"),)


def test_add_many_refuses_relatives_of_records_and_of_earlier_inputs(registry: Registry) -> None:
    registry.add(D_ALANINE, name="D-alanine")
    batch = [
        (HYDROXYPYRIDINE, "2-hydroxypyridine"),
        (PYRIDONE, "2-pyridone"),
        (L_ALANINE, "L-alanine"),
        (ALANINE, "alanine"),
        (LEVOMILNACIPRAN, "levomilnacipran"),
        (DEXTROMILNACIPRAN, "dextromilnacipran"),
        (LEVOMILNACIPRAN, "levomilnacipran again"),
        (D_ALANINE, "D-alanine again"),
        (MILNACIPRAN_HCL, "milnacipran hydrochloride"),
        (MILNACIPRAN, "milnacipran"),
        ("C1CC", "unreadable"),
    ]
    new, skipped = registry.add_many(batch, workers=1, with_descriptors=False)
    assert new == ["REG-000002", "REG-000003", "REG-000004"]
    assert skipped == [
        (1, "tautomer of input 1"),
        (2, "stereoisomer of REG-000001"),
        (3, "stereoisomer of REG-000001"),
        (5, "stereoisomer of input 5"),
        (6, "same structure as input 5"),
        (7, "already registered as REG-000001"),
        (9, "stereoisomer of input 5"),
        (10, "invalid structure"),
    ]
    assert [a for a, _, _ in _audit(registry)] == ["register"] * 4


def test_add_many_and_add_prepared_accept_what_is_allowed(
    db_url: str, registry_settings: Settings
) -> None:
    batch = [HYDROXYPYRIDINE, PYRIDONE, L_ALANINE, D_ALANINE, ALANINE, PYRIDONE]
    with Registry.open(db_url, settings=registry_settings, seed=False) as registry:
        new, skipped = registry.add_many(batch, workers=1, allow_stereoisomer=True)
        assert new == ["REG-000001", "REG-000002", "REG-000003", "REG-000004"]
        assert skipped == [(1, "tautomer of input 1"), (5, "tautomer of input 1")]
        prepared = [prepare(s, with_descriptors=False) for s in (PYRIDONE, LEVOMILNACIPRAN)]
        new, skipped = registry.add_prepared(prepared, allow_tautomer=True)
        assert (new, skipped) == (["REG-000005", "REG-000006"], [])
        assert registry.get("REG-000005").tautomers == ("REG-000001",)
        assert registry.get(ALANINE).stereoisomers == ("REG-000002", "REG-000003")
        assert registry.add_prepared([prepare(DEXTROMILNACIPRAN, with_descriptors=False)]) == (
            [],
            [(0, "stereoisomer of REG-000006")],
        )


def _row(name: str, registration: str, tautomer: str, no_stereo: str) -> Prepared:
    row = CompoundRow(
        name=name, submitted="C", smiles="C", inchi="", inchikey="", formula="CH4",
        registration_hash=registration, tautomer_hash=tautomer, no_stereo_hash=no_stereo,
        hash_layers={}, is_salt=False, counterions=(), parent_hash=None, fingerprint=None,
    )  # fmt: skip
    return Prepared(row=row, is_salt=False)


def test_a_match_in_both_layers_needs_both_allowed(registry: Registry) -> None:
    assert registry.add_prepared([_row("x", "r1", "t1", "n1")]) == (["REG-000001"], [])
    both = [_row("y", "r2", "t1", "n1"), _row("z", "r3", "t3", "n3"), _row("w", "r4", "t3", "n1")]
    assert registry.add_prepared(both) == (
        ["REG-000002"],
        [
            (0, "tautomer of REG-000001; stereoisomer of REG-000001"),
            (2, "stereoisomer of REG-000001"),
        ],
    )
    assert registry.add_prepared(both[:1], allow_tautomer=True) == (
        [],
        [(0, "stereoisomer of REG-000001")],
    )
    assert registry.add_prepared(both[2:], allow_stereoisomer=True) == (
        [],
        [(0, "tautomer of REG-000002")],
    )
    assert registry.add_prepared(both[:1], allow_tautomer=True, allow_stereoisomer=True) == (
        ["REG-000003"],
        [],
    )


def test_hash_matches_goes_past_one_statement(registry: Registry) -> None:
    rows = [_row(f"c{i}", f"r{i}", f"t{i % 2}", f"n{i}") for i in range(3)]
    registry.add_prepared(rows, allow_tautomer=True)
    decoys = [f"x{i}" for i in range(1200)]
    with registry.store.read() as connection:
        found = hash_matches(
            connection,
            {"registration_hash": [*decoys[:700], "r2", *decoys[700:]], "no_stereo_hash": ["n0"]},
        )
        assert [m.compound_id for m in found] == [1, 3]
        assert found[1] == (3, "r2", "t0", "n2")
        assert [m.compound_id for m in hash_matches(connection, {"tautomer_hash": ["t0"]})] == [
            1,
            3,
        ]
        with pytest.raises(ValueError, match="inchikey"):
            hash_matches(connection, {"inchikey": ["x"]})


# The even ones are unrelated to each other; each odd one is a relative of an even one.
RELATIVES = [
    (HYDROXYPYRIDINE, "2-hydroxypyridine"),
    (PYRIDONE, "2-pyridone"),
    (L_ALANINE, "L-alanine"),
    (D_ALANINE, "D-alanine"),
    (MILNACIPRAN, "milnacipran"),
    (ALANINE, "alanine"),
    ("c1ccccc1O", "phenol"),
    (LEVOMILNACIPRAN, "levomilnacipran"),
    (MILNACIPRAN_HCL, "milnacipran hydrochloride"),
]


def test_search_modes_find_exactly_what_registration_refuses(
    tmp_path: Path, registry_settings: Settings
) -> None:
    url = f"sqlite:///{tmp_path / 'all.sqlite'}"
    with Registry.open(url, settings=registry_settings, seed=False) as registry:
        registry.add_many(
            RELATIVES[::2], workers=1, with_descriptors=False
        )  # unrelated: none refused
        assert registry.count() == 5
        registry.add_many(RELATIVES[1::2], workers=1, allow_tautomer=True, allow_stereoisomer=True)
        probes = [*(s for s, _ in RELATIVES), DEXTROMILNACIPRAN, LEVOMILNACIPRAN + ".Cl", "CCO"]
        for probe in probes:
            own = registry.find(probe)
            own_ids = {c.registry_id for c in own}
            expected = {
                relation: [h.registry_id for h in registry.search(**{mode: probe})]
                for relation, mode in (("tautomer", "tautomers"), ("stereoisomer", "stereoisomers"))
            }
            expected = {r: [i for i in ids if i not in own_ids] for r, ids in expected.items()}
            expected = {r: ids for r, ids in expected.items() if ids}
            row = prepare(probe, with_descriptors=False).row
            with registry.store.read() as connection:
                found = check_one(registry.store, connection, row, Allowed(True, True))
                assert found == expected, probe
                if expected and not own_ids:
                    with pytest.raises(RelatedStructure) as caught:
                        check_one(registry.store, connection, row, Allowed())
                    assert [i for _, i in caught.value.matches] == [
                        i for ids in expected.values() for i in ids
                    ]
            if own_ids:
                for relation, ids in expected.items():
                    assert getattr(own[0], f"{relation}s") == tuple(ids), probe
        # the probes whose relatives are registered: every one of them has some
        assert registry.search(tautomers=PYRIDONE).total == 2
        assert [h.name for h in registry.search(stereoisomers=DEXTROMILNACIPRAN)] == [
            "milnacipran",
            "levomilnacipran",
        ]


def test_import_structures_refuses_relatives_with_the_reason(
    registry: Registry, tmp_path: Path
) -> None:
    source = tmp_path / "team.smi"
    source.write_text(
        f"{HYDROXYPYRIDINE} 2-hydroxypyridine\n{PYRIDONE} 2-pyridone\n"
        f"{L_ALANINE} L-alanine\n{D_ALANINE} D-alanine\n",
        encoding="utf-8",
    )
    report = registry.import_structures(source, workers=1, with_descriptors=False)
    assert report.added == 2
    assert report.refused == [(2, "tautomer of line 1"), (4, "stereoisomer of line 3")]
    again = registry.import_structures(
        source, workers=1, with_descriptors=False, restart=True, allow_tautomer=True,
        allow_stereoisomer=True,
    )  # fmt: skip
    assert (again.added, again.already_registered, again.refused) == (2, 2, [])
    assert registry.get("2-pyridone").tautomers == ("REG-000001",)


def test_cli_add_refuses_then_registers_on_purpose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in cli_env(tmp_path).items():
        if name.startswith("REGISTRY_"):
            monkeypatch.setenv(name, value)
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner = CliRunner()

    def run(*args: str, expect: int = 0) -> tuple[str, str]:
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == expect, result.output
        return result.stdout, result.stderr

    # a new registry holds the bundled milnacipran (REG-000001), the racemate
    _, err = run("add", LEVOMILNACIPRAN, "--name", "levomilnacipran", expect=1)
    assert "is a stereoisomer of REG-000001 (milnacipran)" in err
    run("add", LEVOMILNACIPRAN, "--name", "levomilnacipran", "--allow-stereoisomer")
    _, err = run("add", DEXTROMILNACIPRAN, "--name", "dextromilnacipran", expect=1)
    assert err.splitlines() == [
        "error: the structure is a stereoisomer of REG-000001 (milnacipran) and REG-000002 "
        "(levomilnacipran): same stereo-insensitive hash; use --allow-stereoisomer to register "
        "it as a compound of its own"
    ]
    out, _ = run(
        "add", DEXTROMILNACIPRAN, "--name", "dextromilnacipran", "--allow-stereoisomer",
        "-f", "json",
    )  # fmt: skip
    assert json.loads(out)[0]["registry_id"] == "REG-000003"
    out, _ = run("show", "levomilnacipran")
    assert "  stereoisomers: REG-000001, REG-000003" in out.splitlines()
    out, _ = run("show", "dextromilnacipran", "-f", "json")
    shown = json.loads(out)[0]
    assert (shown["stereoisomers"], shown["tautomers"]) == (["REG-000001", "REG-000002"], [])
    out, _ = run("add", "--help")
    assert "--allow-tautomer" in out
    assert "--allow-stereoisomer" in out
