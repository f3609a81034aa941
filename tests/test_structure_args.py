"""A registry id, name or CAS number where a structure is expected: the rule, and what `search`,
`draw` and `descriptors` say about it on stderr."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_support import in_process_cli

from registry import chem
from registry.config import Settings
from registry.errors import Ambiguous, InvalidStructure, NotFound
from registry.service import Registry
from registry.service.structure_args import StructureArgument, as_structure, resolve_structures

IBUPROFEN = "CC(C)Cc1ccc(C(C)C(=O)O)cc1"
ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"  # the offline index's SMILES (CID 2244)
SERTRALINE = "CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21"


@pytest.fixture
def registry(offline: Settings) -> Iterator[Registry]:
    with Registry.open(settings=offline, seed=False) as reg:
        reg.add(IBUPROFEN, name="ibuprofen")
        reg.add("CO", name="methanol", synonyms=["CO", "spirit"])
        reg.add("CCO", name="ethanol", synonyms=["spirit"])
        reg.add(SERTRALINE + ".Cl", name="sertraline hydrochloride")
        yield reg


def test_what_is_a_structure_itself() -> None:
    assert as_structure("CCO") == (True, "")
    assert as_structure("InChI=1S/CH4/h1H4") == (True, "")
    assert as_structure("InChI=nonsense") == (True, "")  # an InChI: RDKit's error will say why
    assert as_structure("REG-000001") == (False, "a registry id")
    assert as_structure("reg-7") == (False, "a registry id")
    plain, why = as_structure("ibuprofen")
    assert not plain
    assert why.startswith("cannot read SMILES 'ibuprofen'")
    assert as_structure("[OX2H][CX4]", smarts=True) == (True, "")
    assert not as_structure("[OX2H][CX4]")[0]  # not a SMILES
    assert not as_structure("aspirin", smarts=True)[0]


def test_the_rule_in_order(registry: Registry) -> None:
    found = registry.structures_of(["REG-000001", "reg-2", "Ibuprofen", "CO", "aspirin", "50-78-2"])
    assert [(f.source, f.registry_id, f.structure) for f in found] == [
        ("registry", "REG-000001", IBUPROFEN),
        ("registry", "REG-000002", "CO"),
        ("registry", "REG-000001", IBUPROFEN),
        ("structure", "", "CO"),  # a SMILES stays a SMILES, though a synonym of methanol too
        ("reference", "", ASPIRIN),
        ("reference", "", ASPIRIN),
    ]
    assert found[4].cid == 2244
    assert [f.describe() for f in found[2:5]] == [
        f"Ibuprofen -> REG-000001 {IBUPROFEN}",
        "CO is a structure",
        f"aspirin -> CID 2244 (offline index) {ASPIRIN}",
    ]
    assert found[2].label == "REG-000001 ibuprofen"
    salt = registry.structure_of("sertraline hydrochloride")
    assert salt.structure == SERTRALINE + ".Cl"


def test_what_resolves_nothing_says_why(registry: Registry) -> None:
    with pytest.raises(NotFound) as missing:
        registry.structure_of("ibuprofn")
    assert str(missing.value) == (
        "'ibuprofn' is no SMILES, and no compound is known by it (asked: registry, offline index)"
    )
    with pytest.raises(NotFound, match=r"^no compound REG-000099 in the registry$"):
        registry.structure_of("REG-99")
    with pytest.raises(NotFound, match="fails its CAS checksum; did you mean 50-78-2"):
        registry.structure_of("50-78-3")
    with pytest.raises(InvalidStructure, match=r"^cannot read SMILES 'C1CC': unclosed ring"):
        registry.structure_of("C1CC")
    with pytest.raises(Ambiguous) as ambiguous:
        registry.structure_of("spirit")
    assert str(ambiguous.value).startswith("'spirit' names several compounds: 1. registry: ")
    assert "methanol" in str(ambiguous.value)
    assert "ethanol" in str(ambiguous.value)
    kept = resolve_structures(["ibuprofn", "CCO"], registry.settings, keep_unresolved=True)
    assert [(k.source, k.structure) for k in kept] == [
        ("unresolved", "ibuprofn"),
        ("structure", "CCO"),
    ]
    assert kept[0].error.startswith("'ibuprofn' is no SMILES")


def test_without_a_registry_the_index_answers(offline: Settings) -> None:
    found = resolve_structures(["caffeine", "CCO"], offline)
    assert found == [
        StructureArgument(
            "caffeine",
            "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
            "reference",
            name="caffeine",
            cid=2519,
            error=found[0].error,
        ),
        StructureArgument("CCO", "CCO"),
    ]


# --- the commands ------------------------------------------------------------------------------


@pytest.fixture
def run(registry: Registry, offline: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    invoke = in_process_cli(tmp_path, monkeypatch, offline.db_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(offline.data_dir))
    return invoke


def test_search_takes_names_and_says_what_they_were(run) -> None:  # type: ignore[no-untyped-def]
    out = run("search", "--similar", "ibuprofen", "--min", "0.9", "-f", "csv")
    assert out.stderr == f"ibuprofen -> REG-000001 {IBUPROFEN}\n"
    assert out.stdout.splitlines()[1].startswith("REG-000001,ibuprofen,1.0,similar,")
    out = run("search", "--substructure", "REG-000003", "-f", "csv")  # CCO, as a SMILES query
    assert out.stderr == "REG-000003 -> REG-000003 CCO\n"
    assert [line.split(",")[1] for line in out.stdout.splitlines()[1:]] == ["ibuprofen", "ethanol"]
    out = run("search", "--substructure", "[CX4][OX2H]", "-f", "csv")  # a SMARTS stays one
    assert out.stderr == ""
    assert [line.split(",")[1] for line in out.stdout.splitlines()[1:]] == ["methanol", "ethanol"]
    out = run("search", "--same-parent", "sertraline hydrochloride", "-f", "csv")
    assert out.stderr == f"sertraline hydrochloride -> REG-000004 {SERTRALINE}.Cl\n"
    assert "REG-000004,sertraline hydrochloride" in out.stdout
    out = run("search", "--similar", "ibuprofn", expect=1)
    assert out.output.startswith("error: 'ibuprofn' is no SMILES")


def test_draw_names_and_the_whole_registry(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svg = tmp_path / "three.svg"
    out = run("draw", "ibuprofen", "aspirin", "CCO", "-o", str(svg))
    assert out.stdout == f"wrote {svg} (3 structures)\n"
    assert out.stderr.splitlines() == [
        f"ibuprofen -> REG-000001 {IBUPROFEN}",
        f"aspirin -> CID 2244 (offline index) {ASPIRIN}",
    ]
    expected = chem.draw(
        [IBUPROFEN, ASPIRIN, "CCO"], legends=["REG-000001 ibuprofen", "aspirin", "CCO"]
    )
    assert svg.read_bytes() == expected
    every = tmp_path / "all.svg"
    out = run("draw", "--all", "-o", str(every))
    assert out.stdout == f"wrote {every} (4 structures)\n"
    legends = ["REG-000001 ibuprofen", "REG-000002 methanol", "REG-000003 ethanol"]
    legends.append("REG-000004 sertraline hydrochloride")
    assert every.read_bytes() == chem.draw(
        [IBUPROFEN, "CO", "CCO", SERTRALINE + ".Cl"], legends=legends
    )
    out = run("draw", "--all", "--limit", "2", "-o", str(every))
    assert out.stdout == f"wrote {every} (2 structures)\n"
    out = run("draw", "--all", "CCO", "-o", str(every), expect=2)
    assert "--all draws the registry" in out.output
    # No registry there: the index still answers, and no database is created.
    missing = tmp_path / "none.sqlite"
    out = run("draw", "caffeine", "-o", str(svg), db=f"sqlite:///{missing}")
    assert out.stderr.startswith("caffeine -> CID 2519 (offline index)")
    assert not missing.exists()


def test_descriptors_take_names_and_keep_the_rows_in_order(run) -> None:  # type: ignore[no-untyped-def]
    out = run("descriptors", "REG-000004", "CCO", "ibuprofn", "C1CC", "-f", "json", expect=1)
    assert out.stderr == f"REG-000004 -> REG-000004 {SERTRALINE}.Cl\n"
    rows = json.loads(out.stdout)
    assert [(r["input"], r["name"], r["ok"]) for r in rows] == [
        ("REG-000004", "REG-000004 sertraline hydrochloride", True),
        ("CCO", "", True),
        ("ibuprofn", "", False),
        ("C1CC", "", False),
    ]
    assert rows[0]["smiles"] == SERTRALINE  # measured on the parent, as always
    assert rows[0]["descriptors"]["formula"] == "C17H17Cl2N"
    assert rows[2]["error"].startswith("'ibuprofn' is no SMILES, and no compound is known by it")
    assert rows[3]["error"].startswith("cannot read SMILES 'C1CC': unclosed ring")
    out = run("descriptors", "ibuprofn", expect=1)
    assert out.output.startswith("error: 'ibuprofn' is no SMILES")
