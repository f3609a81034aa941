"""The structure search index of an SQLite registry: equal to the plain loop, never stale.

Every search here is compared with ``use_index=False`` (every stored structure, the loop the
index replaces) on real PubChem structures: same compounds, same scores, same order.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from rdkit import DataStructs
from sqlalchemy import text
from store_support import ROOT

from registry.chem import screening
from registry.config import Settings
from registry.service import Registry, search_index
from registry.service import search as search_case
from registry.sources.chemicals_data import iter_pubchem_rows
from registry.store import search_index as index_files

SIMILAR_PROBES = [
    "CCN(CC)C(=O)C1(CC1CN)c1ccccc1",  # milnacipran
    "CC(=O)Oc1ccccc1C(=O)O",  # aspirin
    "CCO",
    "c1ccc2ccccc2c1",
    "OC(=O)CCCCC(=O)O",
]
SUBSTRUCTURES = ["c1ccccc1", "C(=O)[OX2H1]", "[#7]", "C(F)(F)F", "[Cl,Br,I]", "[r3]", "N-C=O"]
SMILES_QUERIES = ["c1ccccc1C(=O)N", "C(=O)O", "c1ccncc1", "CCN"]


def pubchem(n: int, skip: int = 0) -> list[tuple[str, str]]:
    rows = (r for r in iter_pubchem_rows() if r.smiles)
    return [
        (r.smiles, r.common_name or f"CID {r.cid}") for r in itertools.islice(rows, skip, skip + n)
    ]


@pytest.fixture
def settings_(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_path / "data"), "REGISTRY_CACHE_DIR": str(tmp_path / "c")},
        author="tester",
        offline=True,
    )


@pytest.fixture
def reg(tmp_path: Path, settings_: Settings) -> Iterator[Registry]:
    with Registry.open(f"sqlite:///{tmp_path / 'r.sqlite'}", settings=settings_, seed=False) as r:
        r.add_many(pubchem(600), with_descriptors=False, workers=1)
        yield r


def same_similar(reg: Registry, probe: str, threshold: float, **how: object) -> None:
    by_index = search_case.search_similar(reg.store, probe, threshold, 10_000, **how)  # type: ignore[arg-type]
    by_loop = search_case.search_similar(
        reg.store,
        probe,
        threshold,
        10_000,
        use_index=False,
        **how,  # type: ignore[arg-type]
    )
    assert list(by_index) == list(by_loop), (probe, threshold, how)
    assert by_index.total == by_loop.total == len(by_loop)


def same_substructure(reg: Registry, query: str, query_format: str = "smarts") -> int:
    by_index = search_case.search_substructure(
        reg.store,
        query,
        10_000,
        query_format=query_format,
        count=True,  # type: ignore[arg-type]
    )
    by_loop = search_case.search_substructure(
        reg.store,
        query,
        10_000,
        query_format=query_format,
        count=True,
        use_index=False,  # type: ignore[arg-type]
    )
    assert list(by_index) == list(by_loop), query
    assert by_index.total == by_loop.total == len(by_loop)
    return len(by_loop)


def test_index_answers_exactly_as_the_loop(reg: Registry) -> None:
    for probe, threshold in itertools.product(SIMILAR_PROBES, (0.0, 0.3, 0.7)):
        same_similar(reg, probe, threshold)
        same_similar(reg, probe, threshold, metric="tversky", alpha=0.2, beta=0.8)
        same_similar(reg, probe, threshold, metric="tversky", alpha=1.0, beta=0.0)
    hits = [same_substructure(reg, q) for q in SUBSTRUCTURES]
    hits += [same_substructure(reg, q, "smiles") for q in SMILES_QUERIES]
    assert sum(hits) > 1000
    assert all(hits)
    # the searches above used the index: both parts cover every compound
    status = search_index.status(reg.store)
    assert status["index_similarity"] == status["index_substructure"] == "current"
    assert status["index_substructure_rows"] == reg.count() == 600


def test_limits_cut_in_the_same_place(reg: Registry) -> None:
    for limit in (1, 7, 50):
        a = search_case.search_substructure(reg.store, "[#7]", limit)
        b = search_case.search_substructure(reg.store, "[#7]", limit, use_index=False)
        assert list(a) == list(b)
        assert len(a) == limit
        assert a.total is None
        assert b.total is None
        counted = search_case.search_substructure(reg.store, "[#7]", limit, count=True)
        assert list(counted) == list(a)
        assert counted.total == same_substructure(reg, "[#7]")
        s = search_case.search_similar(reg.store, "CCO", 0.0, limit)
        assert list(s) == list(
            search_case.search_similar(reg.store, "CCO", 0.0, limit, use_index=False)
        )
        assert s.total == len(list(reg.store.fingerprints(reg.store.engine.connect())))


def test_scores_equal_rdkit_to_the_last_bit() -> None:
    rng = random.Random(7)
    vectors = []
    for _ in range(300):
        v = DataStructs.ExplicitBitVect(2048)
        for _ in range(rng.randint(0, 90)):
            v.SetBit(rng.randrange(2048))
        vectors.append(v)
    matrix = screening.morgan_rows([v.ToBinary() for v in vectors])
    counts = screening.counts_of(matrix)
    for probe in vectors[:20]:
        row = screening.morgan_rows([probe.ToBinary()])[0]
        rows, scores = screening.similarity(matrix, counts, row, 0.0)
        assert list(rows) == list(range(300))
        assert list(scores) == [DataStructs.TanimotoSimilarity(probe, v) for v in vectors]
        for alpha, beta in ((0.2, 0.8), (1.0, 1.0), (0.7, 0.3), (0.0, 1.0)):
            _, scores = screening.similarity(
                matrix, counts, row, 0.0, metric="tversky", alpha=alpha, beta=beta
            )
            expected = [DataStructs.TverskySimilarity(probe, v, alpha, beta) for v in vectors]
            assert list(scores) == expected


def test_new_compounds_are_appended_and_found(reg: Registry, tmp_path: Path) -> None:
    reg.search(similar="CCO", min_similarity=0.2)
    reg.search(substructure="c1ccccc1")
    before = search_index.status(reg.store)
    assert before["index_similarity_segments"] == 1
    new, _ = reg.add_many(pubchem(40, skip=600), with_descriptors=False, workers=1)
    compound = reg.add("CC(C)(C)c1ccc(cc1)S(=O)(=O)NC1CC1", name="probe compound")
    assert search_index.status(reg.store)["index_substructure"] == "behind"
    hits = reg.search(substructure="S(=O)(=O)NC1CC1", count=True)
    assert compound.registry_id in [h.registry_id for h in hits]
    same_substructure(reg, "c1ccccc1")
    same_similar(reg, "CC(C)(C)c1ccc(cc1)S(=O)(=O)NC1CC1", 0.3)
    after = search_index.status(reg.store)
    assert after["index_substructure"] == after["index_similarity"] == "current"
    assert after["index_substructure_segments"] == 2
    assert after["index_substructure_rows"] == 600 + len(new) + 1


def test_a_deleted_compound_makes_the_index_stale_and_it_is_rebuilt(reg: Registry) -> None:
    first = reg.search(substructure="c1ccccc1", limit=1)[0]
    with reg.store.write() as connection:
        connection.execute(
            text("DELETE FROM compounds WHERE id = :i"), {"i": int(first.registry_id[4:])}
        )
    assert search_index.status(reg.store)["index_substructure"] == "stale"
    hits = reg.search(substructure="c1ccccc1", limit=10_000)
    assert first.registry_id not in [h.registry_id for h in hits]
    same_substructure(reg, "c1ccccc1")
    assert search_index.status(reg.store)["index_substructure"] == "current"


def _segments(reg: Registry) -> list[Path]:
    files = reg.store.search_index
    assert files is not None
    return sorted(files.directory.glob("*.seg"))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "manifest", "missing", "engine"])
def test_a_damaged_or_missing_index_is_rebuilt_never_an_error(reg: Registry, damage: str) -> None:
    same_substructure(reg, "N-C=O")
    same_similar(reg, "CCO", 0.2)
    files = reg.store.search_index
    assert files is not None
    manifest = files.directory / "manifest.json"
    if damage == "truncate":
        for path in _segments(reg):
            path.write_bytes(path.read_bytes()[:1000])
    elif damage == "garbage":
        for path in _segments(reg):
            path.write_bytes(b"\x00" * path.stat().st_size)
    elif damage == "manifest":
        manifest.write_text("{not json")
    elif damage == "missing":
        for path in _segments(reg):
            path.unlink()
    else:
        data = json.loads(manifest.read_text())
        data["engine"]["rdkit"] = "1999.01.1"
        manifest.write_text(json.dumps(data))
    assert search_index.status(reg.store)["index_substructure"] == "missing"
    same_substructure(reg, "N-C=O")
    same_similar(reg, "CCO", 0.2)
    assert search_index.status(reg.store)["index_substructure"] == "current"


def test_a_failed_write_leaves_the_old_index(
    reg: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg.search(substructure="c1ccccc1")
    files = reg.store.search_index
    assert files is not None
    old_manifest = (files.directory / "manifest.json").read_bytes()
    reg.add_many(pubchem(10, skip=700), with_descriptors=False, workers=1)
    real_replace = os.replace

    def failing(src: object, dst: object) -> None:
        if str(dst).endswith("manifest.json"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(index_files.os, "replace", failing)
    same_substructure(reg, "c1ccccc1")  # answered from the rows computed, nothing raised
    assert (files.directory / "manifest.json").read_bytes() == old_manifest
    monkeypatch.setattr(index_files.os, "replace", real_replace)
    assert search_index.status(reg.store)["index_substructure"] == "behind"
    same_substructure(reg, "c1ccccc1")
    listed = {
        s["file"]
        for p in json.loads((files.directory / "manifest.json").read_text())["parts"].values()
        for s in p["segments"]
    }
    assert {p.name for p in _segments(reg)} == listed  # the orphan of the failed write is gone


_KILLED = """
import os, signal, sys
from registry.service import Registry, search_index
from registry.store import search_index as files
real = files._write_array
def dying(handle, array):
    real(handle, array[: len(array) // 2])
    handle.flush()
    os.kill(os.getpid(), signal.SIGKILL)
files._write_array = dying
with Registry.open(sys.argv[1], seed=False) as reg:
    search_index.current(reg.store, "substructure")
"""


def test_a_process_killed_mid_write_leaves_the_old_index(reg: Registry, tmp_path: Path) -> None:
    reg.search(substructure="c1ccccc1")
    files = reg.store.search_index
    assert files is not None
    before = (files.directory / "manifest.json").read_bytes()
    reg.add_many(pubchem(10, skip=700), with_descriptors=False, workers=1)
    url = str(reg.store.engine.url)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REGISTRY_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", _KILLED, url], env=env, check=False)
    assert done.returncode == -signal.SIGKILL
    assert (files.directory / "manifest.json").read_bytes() == before
    assert list(files.directory.glob(".*.tmp"))  # the half-written segment, never listed
    assert search_index.status(reg.store)["index_substructure"] == "behind"
    same_substructure(reg, "c1ccccc1")
    assert not list(files.directory.glob(".*.tmp"))


def test_many_appends_are_merged_into_one_segment(reg: Registry) -> None:
    reg.search(similar="CCO")
    for n in range(index_files.MAX_SEGMENTS + 1):
        reg.add_many(pubchem(3, skip=700 + 3 * n), with_descriptors=False, workers=1)
        same_similar(reg, "CCO", 0.1)
    status = search_index.status(reg.store)
    assert status["index_similarity_segments"] <= index_files.MAX_SEGMENTS
    assert status["index_similarity_rows"] == len(
        list(reg.store.fingerprints(reg.store.engine.connect()))
    )


def test_every_write_path_keeps_the_search_right(
    reg: Registry, tmp_path: Path, settings_: Settings
) -> None:
    reg.search(similar="CCO")
    reg.search(substructure="CCO")
    structures = tmp_path / "more.smi"
    structures.write_text("CCCCCCCCCCCCCCCCCCO hexadecyl carbinol\nC1CCCCCCCCCCC1 cyclododecane\n")
    reg.import_structures(structures, workers=1)
    reg.import_records(ROOT / "compounds")
    reg.add("CCCCCCCCCCCCCCCCCCCCCCCCCC(=O)O", name="hexacosanoic acid")
    reg.add_prepared([None])
    for query in (
        "CCCCCCCCCCCCCCCCCCO",
        "C1CCCCCCCCCCC1",
        "CCN(CC)C(=O)C1(CC1CN)c1ccccc1",
        "CCCCCCCCCCCCCCCCCCCCCCCCCC(=O)O",
    ):
        found = reg.search(substructure=query, query_format="smiles", limit=10_000)
        assert found, query
        same_substructure(reg, query, "smiles")
        same_similar(reg, query, 0.9)
        assert reg.search(similar=query, min_similarity=1.0)


def test_no_index_for_postgresql_or_memory(settings_: Settings) -> None:
    with Registry.open("sqlite://", settings=settings_, seed=False) as r:
        r.add("CCO")
        assert r.store.search_index is None
        assert [h.name for h in r.search(similar="CCO")] == ["CCO"]
        assert search_index.status(r.store) == {
            "search_index": "none (sqlite; none: every structure is read)"
        }
        with pytest.raises(Exception, match="no search index"):
            search_index.build(r.store)


def test_index_files_reject_a_header_that_lies(tmp_path: Path) -> None:
    files = index_files.IndexFiles(tmp_path / "idx")
    arrays = {"ids": np.arange(5, dtype=np.int64), "bits": np.ones((5, 32), dtype=np.uint64)}
    cover = index_files.Coverage(5, 5, "a", "b")
    assert files.store("similarity", {"e": 1}, cover, arrays, after=None)
    part = files.load("similarity", {"e": 1})
    assert part is not None
    assert part.rows == 5
    assert list(part.arrays[0]["ids"]) == [0, 1, 2, 3, 4]
    assert files.load("similarity", {"e": 2}) is None
    # an append that does not continue what is on disk is refused
    assert not files.store(
        "similarity", {"e": 1}, cover, arrays, after=index_files.Coverage(1, 1, "a", "x")
    )
    manifest = json.loads((files.directory / "manifest.json").read_text())
    manifest["parts"]["similarity"]["segments"][0]["rows"] = 6
    (files.directory / "manifest.json").write_text(json.dumps(manifest))
    assert files.load("similarity", {"e": 1}) is None


def test_count_window_never_drops_a_qualifying_row() -> None:
    rng = random.Random(11)
    vectors = []
    for _ in range(400):
        v = DataStructs.ExplicitBitVect(2048)
        for _ in range(rng.randint(0, 120)):
            v.SetBit(rng.randrange(2048))
        vectors.append(v)
    matrix = screening.morgan_rows([v.ToBinary() for v in vectors])
    counts = screening.counts_of(matrix)
    order = np.argsort(counts, kind="stable")
    for probe in vectors[:25]:
        row = screening.morgan_rows([probe.ToBinary()])[0]
        for threshold in (0.2, 0.5, 0.8, 1.0):
            expected = {
                i: s
                for i, v in enumerate(vectors)
                if (s := DataStructs.TanimotoSimilarity(probe, v)) >= threshold
            }
            rows, scores = screening.similarity(matrix, counts, row, threshold)
            assert dict(zip(rows.tolist(), scores.tolist(), strict=True)) == expected
            rows, scores = screening.similarity(
                matrix[order], counts[order], row, threshold, by_count=True
            )
            assert dict(zip(order[rows].tolist(), scores.tolist(), strict=True)) == expected


def test_an_unreadable_stored_smiles_fails_as_the_loop_does() -> None:
    from registry.chem.structures import parse_smarts
    from registry.errors import InvalidStructure

    patterns, entries = screening.structure_rows(["CCO", "C1CC", "c1ccccc1O"])
    assert (patterns[1] == np.iinfo(np.uint64).max).all()  # passes every screen
    query = parse_smarts("[OX2H]")
    assert screening.matching([entries[0], entries[2]], query, threads=2) == [0, 1]
    with pytest.raises(InvalidStructure, match="C1CC"):
        screening.matching(entries, query, threads=2)


def _arrays(reg: Registry, kind: search_index.Kind) -> dict[str, np.ndarray]:  # type: ignore[type-arg]
    blocks = search_index.current(reg.store, kind)
    assert blocks is not None
    assert len(blocks) == 1
    return {name: np.asarray(array) for name, array in blocks[0].items()}


def test_building_tells_its_progress_and_chunks_change_no_row(
    reg: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One task in this process: the rows every chunked or parallel build must equal (rebuilt:
    # without the entries registration offered, whose pickles number the atoms differently).
    monkeypatch.setattr(search_index, "_CHUNK", 10_000)
    search_index.build(reg.store, rebuild=True, workers=1)
    whole = {kind: _arrays(reg, kind) for kind in search_index.KINDS}

    monkeypatch.setattr(search_index, "_CHUNK", 100)
    monkeypatch.setattr(search_index, "_PARALLEL_FROM", dict.fromkeys(search_index.KINDS, 300))
    heard: list[tuple[int, int]] = []
    for workers in (1, 2):
        heard.clear()
        search_index.build(
            reg.store, rebuild=True, workers=workers, progress=lambda d, t: heard.append((d, t))
        )
        # each part in turn: a call per chunk of 100 (per worker task of 100), up to 600 of 600
        steps = [(n, 600) for n in range(100, 601, 100)]
        assert heard == steps + steps, workers
        for kind in search_index.KINDS:
            chunked = _arrays(reg, kind)
            assert chunked.keys() == whole[kind].keys()
            for name, array in whole[kind].items():
                assert np.array_equal(chunked[name], array), (workers, kind, name)


def test_a_search_tells_the_catch_up_it_waits_for(reg: Registry) -> None:
    assert reg.store.search_index is not None
    for offer in reg.store.search_index.directory.glob("offered-*.seg"):
        offer.unlink()  # the registration's entries: the catch-up has all 600 to compute
    heard: list[tuple[int, int]] = []
    reg.search(substructure="c1ccccc1", progress=lambda d, t: heard.append((d, t)))
    assert heard == [(600, 600)]
    heard.clear()
    reg.search(substructure="c1ccccc1", progress=lambda d, t: heard.append((d, t)))
    assert heard == []  # nothing to add: nothing said
    reg.add_many(pubchem(3, skip=600), with_descriptors=False, workers=1)
    reg.search_many(["CCO"], progress=lambda d, t: heard.append((d, t)))
    assert heard == [(603, 603)]  # the similarity part was never built: all of it
    reg.search(substructure="c1ccccc1", progress=lambda d, t: heard.append((d, t)))
    assert heard[1:] == [(3, 3)]


def test_db_index_shows_a_bar_for_each_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store_support import in_process_cli

    db = f"sqlite:///{tmp_path / 'bar.sqlite'}"
    invoke = in_process_cli(tmp_path, monkeypatch, db)
    with Registry.open(db, settings=Settings.from_env(), seed=False) as r:
        r.add_many(pubchem(30), with_descriptors=False, workers=1)
    result = invoke("db", "index", "-f", "json")
    assert "indexing" not in result.stderr  # 30 compounds: no bar, unless asked
    monkeypatch.setattr(search_index, "_BAR_FROM", 10)
    result = invoke("db", "index", "--rebuild", "--progress", "-f", "json")
    assert "indexing for similarity search" in result.stderr
    assert "indexing for substructure search" in result.stderr
    assert "30/30" in result.stderr
    assert json.loads(result.stdout)[0]["index_substructure_rows"] == 30
