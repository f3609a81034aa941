"""Search modes: --max/--min, Tversky, SMILES queries and counts, exact structure, search_many,
and the ``registry search`` / ``registry db index|info`` commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_support import in_process_cli

from registry.config import Settings
from registry.errors import InvalidStructure, ValidationError
from registry.service import Registry
from registry.service import search as search_case
from registry.service.search_exact import same_parent_ids, stereoisomer_ids, tautomer_ids

MILNACIPRAN = "CCN(CC)C(=O)C1(CC1CN)c1ccccc1"
STRUCTURES = [
    (MILNACIPRAN, "milnacipran"),
    (MILNACIPRAN + ".Cl", "milnacipran hydrochloride"),
    ("CCN(CC)C(=O)[C@@]1(C[C@@H]1CN)c1ccccc1", "levomilnacipran"),
    ("CCN(CC)C(=O)[C@]1(C[C@H]1CN)c1ccccc1", "dextromilnacipran"),
    ("Oc1ccccn1", "2-hydroxypyridine"),
    ("O=c1cccc[nH]1", "2-pyridone"),
    ("C[C@H](N)C(=O)O", "L-alanine"),
    ("C[C@@H](N)C(=O)O", "D-alanine"),
    ("CC(N)C(=O)O", "alanine"),
    ("c1ccccc1O", "phenol"),
    ("CC(=O)Oc1ccccc1C(=O)O", "aspirin"),
]


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[Registry]:
    settings = Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_path / "data"), "REGISTRY_CACHE_DIR": str(tmp_path / "c")},
        author="tester",
        offline=True,
    )
    with Registry.open(f"sqlite:///{tmp_path / 'm.sqlite'}", settings=settings, seed=False) as r:
        # the stereoisomers and tautomers are registered on purpose (refused by default)
        new, skipped = r.add_many(
            STRUCTURES,
            with_descriptors=False,
            workers=1,
            allow_tautomer=True,
            allow_stereoisomer=True,
        )
        assert len(new) == len(STRUCTURES)
        assert not skipped
        yield r


def names(hits: object) -> list[str]:
    return [h.name for h in hits]  # type: ignore[attr-defined]


def test_exact_structure_modes(reg: Registry) -> None:
    assert names(reg.search(same_parent=MILNACIPRAN)) == [
        "milnacipran",
        "milnacipran hydrochloride",
    ]
    # from the salt: the same family
    assert names(reg.search(same_parent=MILNACIPRAN + ".Cl")) == [
        "milnacipran",
        "milnacipran hydrochloride",
    ]
    assert names(reg.search(stereoisomers="C[C@H](N)C(=O)O")) == [
        "L-alanine",
        "D-alanine",
        "alanine",
    ]
    found = reg.search(stereoisomers=MILNACIPRAN)
    assert names(found) == ["milnacipran", "levomilnacipran", "dextromilnacipran"]
    assert {h.matched for h in found} == {"stereoisomer"}
    assert names(reg.search(tautomers="Oc1ccccn1")) == ["2-hydroxypyridine", "2-pyridone"]
    assert names(reg.search(tautomers="O=c1cccc[nH]1")) == ["2-hydroxypyridine", "2-pyridone"]
    assert names(reg.search(tautomers="CCCCCC")) == []
    limited = reg.search(stereoisomers="CC(N)C(=O)O", limit=1)
    assert names(limited) == ["L-alanine"]
    assert limited.total == 3
    with reg.store.read() as connection:
        ids = same_parent_ids(reg.store, connection, MILNACIPRAN)
        assert ids == [1, 2]
        assert tautomer_ids(reg.store, connection, "Oc1ccccn1") == [5, 6]
        assert stereoisomer_ids(reg.store, connection, "CC(N)C(=O)O") == [7, 8, 9]
    with pytest.raises(InvalidStructure):
        reg.search(tautomers="C1CC")


def test_max_min_tversky_and_totals(reg: Registry) -> None:
    every = reg.search(similar="c1ccccc1O", min_similarity=0.0, limit=1000)
    assert every.total == len(every) == len(STRUCTURES)  # type: ignore[attr-defined]
    scores = [h.score for h in every]
    assert scores == sorted(scores, reverse=True)
    assert every[0].name == "phenol"
    top = reg.search(similar="c1ccccc1O", min_similarity=0.0, limit=3)
    assert list(top) == list(every[:3])
    assert top.total == len(STRUCTURES)
    above = reg.search(similar="c1ccccc1O", min_similarity=0.2, limit=1000)
    assert list(above) == [h for h in every if h.score is not None and h.score >= 0.2]
    # Tversky with alpha=beta=1 is Tanimoto; alpha=1, beta=0 scores how much of the probe is in
    # the compound: phenol inside aspirin-like compounds scores high
    tanimoto_like = reg.search(
        similar="c1ccccc1O", min_similarity=0.0, metric="tversky", alpha=1, beta=1, limit=1000
    )
    assert [(h.name, h.score) for h in tanimoto_like] == [(h.name, h.score) for h in every]
    assert {h.matched for h in tanimoto_like} == {"tversky"}
    probe_in = reg.search(
        similar="c1ccccc1O", min_similarity=0.0, metric="tversky", alpha=1, beta=0, limit=1000
    )
    by_name = {h.name: h.score for h in probe_in}
    assert by_name["phenol"] == 1.0
    assert by_name["aspirin"] > next(h.score for h in every if h.name == "aspirin")
    for bad in (
        {"min_similarity": 1.5},
        {"limit": 0},
        {"metric": "cosine"},
        {"metric": "tversky", "alpha": -1},
    ):
        with pytest.raises(ValidationError):
            reg.search(similar="CCO", **bad)  # type: ignore[arg-type]


def test_substructure_by_smiles_and_counts(reg: Registry) -> None:
    by_smiles = reg.search(substructure="c1ccccc1C(=O)O", query_format="smiles")
    assert names(by_smiles) == ["aspirin"]
    # as SMARTS the same text reads aromatic atoms only, so it matches the same
    assert names(reg.search(substructure="c1ccccc1C(=O)O")) == ["aspirin"]
    # SMILES 'CN' is two aliphatic atoms: every compound with a C-N bond
    assert names(reg.search(substructure="CN", query_format="smiles", limit=100))[:2] == [
        "milnacipran",
        "milnacipran hydrochloride",
    ]
    cut = reg.search(substructure="[#7]", limit=2)
    assert len(cut) == 2
    assert cut.total is None
    counted = reg.search(substructure="[#7]", limit=2, count=True)
    assert list(counted) == list(cut)
    assert counted.total == 9
    whole = reg.search(substructure="[#7]", limit=100)
    assert whole.total == len(whole) == 9  # type: ignore[attr-defined]
    with pytest.raises(InvalidStructure):
        reg.search(substructure="C1CC", query_format="smiles")
    with pytest.raises(ValidationError):
        reg.search(substructure="C", query_format="inchi")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="exactly one"):
        reg.search(substructure="C", tautomers="C")


def test_search_many_equals_single_searches(reg: Registry) -> None:
    probes = ["c1ccccc1O", MILNACIPRAN, "CCO", "OC(=O)C(N)C"]
    for how in ({}, {"metric": "tversky", "alpha": 0.3, "beta": 0.7}):
        many = reg.search_many(probes, min_similarity=0.1, limit=4, **how)  # type: ignore[arg-type]
        singles = [reg.search(similar=p, min_similarity=0.1, limit=4, **how) for p in probes]  # type: ignore[arg-type]
        assert [list(r) for r in many] == [list(r) for r in singles]
        assert [r.total for r in many] == [r.total for r in singles]  # type: ignore[attr-defined]
        loop = search_case.search_many(
            reg.store, probes, min_similarity=0.1, limit=4, use_index=False, **how
        )  # type: ignore[arg-type]
        assert [list(r) for r in loop] == [list(r) for r in many]
    assert reg.search_many([]) == []
    with pytest.raises(InvalidStructure, match="probe 2 of 3"):
        reg.search_many(["CCO", "C1CC", "CCN"])
    with pytest.raises(TypeError, match="probes"):
        reg.search_many("CCO")


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    invoke = in_process_cli(tmp_path, monkeypatch, db)
    with Registry.open(db, settings=Settings.from_env(), seed=False) as r:
        r.add_many(
            STRUCTURES,
            with_descriptors=False,
            workers=1,
            allow_tautomer=True,
            allow_stereoisomer=True,
        )

    def run(*args: str, expect: int = 0) -> tuple[str, str]:
        result = invoke(*args, expect=expect)
        return result.stdout, result.stderr

    return run


def test_cli_search_modes(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out, _ = run("search", "--similar", "c1ccccc1O", "--min", "0", "--max", "2", "-f", "json")
    rows = json.loads(out)
    assert [(r["name"], r["score"]) for r in rows] == [("phenol", 1.0), ("2-hydroxypyridine", 0.35)]
    _, err = run("search", "--similar", "c1ccccc1O", "--min", "0", "--max", "2")
    assert f"2 of {len(STRUCTURES)} hits shown (--limit)" in err
    _, err = run("search", "--substructure", "[#7]", "--limit", "2")
    assert "the first 2 hits shown; more match (--count counts them)" in err
    _, err = run("search", "--substructure", "[#7]", "--limit", "2", "--count")
    assert "2 of 9 hits shown (--limit)" in err
    out, _ = run("search", "--substructure", "c1ccccc1C(=O)O", "--query", "smiles", "-f", "json")
    assert [r["name"] for r in json.loads(out)] == ["aspirin"]
    out, _ = run("search", "--tautomers", "O=c1cccc[nH]1", "-f", "json")
    assert [r["matched"] for r in json.loads(out)] == ["tautomer", "tautomer"]
    out, _ = run("search", "--same-parent", MILNACIPRAN + ".Cl", "-f", "csv")
    assert out.splitlines()[1].startswith("REG-000001,milnacipran,same parent")
    out, _ = run("search", "--stereoisomers", "CC(N)C(=O)O", "-f", "json")
    assert [r["name"] for r in json.loads(out)] == ["L-alanine", "D-alanine", "alanine"]
    out, _ = run(
        "search",
        "--similar",
        "c1ccccc1O",
        "--metric",
        "tversky",
        "--alpha",
        "1",
        "--beta",
        "0",
        "--min",
        "0.99",
        "-f",
        "json",
    )
    assert [r["name"] for r in json.loads(out)] == ["phenol"]
    probes = tmp_path / "probes.smi"
    probes.write_text("c1ccccc1O phenol-probe\nCCN(CC)C(=O)C1(CC1CN)c1ccccc1 mil\n")
    out, _ = run("search", "--file", str(probes), "--min", "0.9", "-f", "json")
    assert [(r["probe"], r["name"]) for r in json.loads(out)] == [
        ("phenol-probe", "phenol"), ("mil", "milnacipran"), ("mil", "milnacipran hydrochloride"),
        ("mil", "levomilnacipran"), ("mil", "dextromilnacipran"),  # Morgan bits ignore stereo
    ]  # fmt: skip
    out, _ = run("search", "--tautomers", "CCCCCC", expect=1)
    _, err = run("search", "--similar", "CCO", "--metric", "tversky", "--alpha", "-1", expect=1)
    assert err.startswith("error: --alpha -1.0, --beta 0.5: Tversky weights")
    _, err = run("search", "--substructure", "C1CC", "--query", "smiles", expect=1)
    assert err.startswith("error: cannot read SMILES 'C1CC'")
    run("search", "--similar", "CCO", "--max", "0", expect=2)
    run("search", "--similar", "CCO", "--tautomers", "CCO", expect=2)
    bad = tmp_path / "bad.smi"
    bad.write_text("CCO\nC1CC\n")
    _, err = run("search", "--file", str(bad), expect=1)
    assert "probe 2 of 2" in err


def test_cli_db_index_and_info(run) -> None:  # type: ignore[no-untyped-def]
    out, _ = run("db", "info", "-f", "json")
    info = json.loads(out)[0]
    assert info["search_index"].endswith("cli.sqlite-search")
    assert info["search"] == "search index beside the database file (in-process)"
    assert info["index_similarity"] == info["index_substructure"] == "missing"
    out, _ = run("db", "index", "-f", "json")
    built = json.loads(out)[0]
    assert built["index_similarity"] == built["index_substructure"] == "current"
    assert built["index_substructure_rows"] == len(STRUCTURES)
    assert built["index_similarity_mib"] > 0
    assert built["index_substructure_segments"] == 1
    out, _ = run("db", "index", "--rebuild", "--workers", "1", "-f", "json")
    assert json.loads(out)[0]["index_substructure_segments"] == 1
    out, _ = run("db", "info", "-f", "json")
    assert json.loads(out)[0]["index_substructure"] == "current"
