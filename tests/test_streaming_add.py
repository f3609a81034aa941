"""``add_many`` inserting while the workers still compute gives exactly the one-insert answer.

``Registry.add_many`` (:mod:`registry.service.register_many`) starts its transaction while the
last chunks are being computed and inserts the rest batch by batch as it arrives;
``registration.iter_prepared`` hands the chunks over in input order, packed as plain tuples by
the workers. Each is compared here with the plain path (``prepare`` in this process, then one
``add_prepared``) on real PubChem structures, with duplicates, unreadable structures, already
registered structures and salts whose parent comes in a later batch spread across the batches.
The thresholds are made small so that a few hundred structures go through every branch.
"""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from registry.chem import registration
from registry.config import Settings
from registry.errors import InvalidStructure
from registry.service import Registry, register_many
from registry.sources.chemicals_data import iter_pubchem_rows
from registry.store import schema


@cache
def _batch() -> tuple[tuple[str, str], ...]:
    """~460 real structures, with duplicates, bad SMILES and salt/parent pairs spread out."""
    rows = (r for r in iter_pubchem_rows() if r.smiles)
    base = [(r.smiles, r.common_name or f"CID {r.cid}") for r in itertools.islice(rows, 420)]
    out = list(base)
    out.insert(5, ("CCN.Cl", "ethylamine hydrochloride"))  # salt early, parent late
    out.insert(30, ("not a smiles", "bad"))
    out.insert(200, base[3])  # duplicate of an early input, in a later batch
    out.insert(301, ("C1CC", "unclosed ring"))
    out.insert(350, base[250])  # duplicate within the streamed part
    out += [("CCN", "ethylamine"), ("OC(=O)c1ccccc1", "benzoic acid")]
    out += [base[10], ("[Na+].[O-]C(=O)c1ccccc1", "sodium benzoate"), base[419]]
    return tuple(out)


def _contents(registry: Registry) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the registration writes, without the time stamps."""
    with registry.store.read() as conn:
        c = schema.compounds.c
        compounds = conn.execute(
            select(
                c.id,
                c.name,
                c.submitted,
                c.smiles,
                c.inchikey,
                c.registration_hash,
                c.hash_layers,
                c.counterions,
                c.parent_hash,
                c.parent_id,
                c.fingerprint,
            ).order_by(c.id)
        ).all()
        p = schema.properties.c
        props = conn.execute(
            select(p.compound_id, p.name, p.value, p.unit, p.source, p.toolkit_version).order_by(
                p.compound_id, p.name
            )
        ).all()
        a = schema.audit.c
        audit = conn.execute(
            select(a.action, a.author, a.compound_id, a.detail).order_by(a.id)
        ).all()
    return {
        "compounds": [tuple(r) for r in compounds],
        "properties": [tuple(r) for r in props],
        "audit": [tuple(r) for r in audit],
    }


def _open(folder: Path, name: str) -> Registry:
    settings = Settings.from_env({"REGISTRY_DATA_DIR": str(folder)}, author="tester")
    return Registry.open(f"sqlite:///{folder / name}", settings=settings, seed=False)


@pytest.mark.parametrize("with_descriptors", [False, True])
def test_streamed_add_many_equals_one_insert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_descriptors: bool
) -> None:
    monkeypatch.setattr(register_many, "OVERLAP_TAIL", 150)
    monkeypatch.setattr(register_many, "STREAM_BATCH", 40)
    batch = list(_batch())
    if with_descriptors:
        batch = batch[:60] + batch[-60:]  # descriptors are slow: keep it short, still streamed
        monkeypatch.setattr(registration, "MIN_PARALLEL", 50)
        monkeypatch.setattr(register_many, "OVERLAP_TAIL", 50)
        monkeypatch.setattr(register_many, "STREAM_BATCH", 10)
    already = [batch[7], batch[-4], batch[310 % len(batch)]]
    streamed_batches: list[int] = []
    original = register_many.add_streaming

    def counting(store: Any, author: str, received: list[Any], *args: Any) -> Any:
        streamed_batches.append(len(received))
        return original(store, author, received, *args)

    monkeypatch.setattr(register_many, "add_streaming", counting)

    results = []
    contents = []
    for name, streamed in (("plain.sqlite", False), ("streamed.sqlite", True)):
        with _open(tmp_path, name) as registry:
            registry.add_many(already, source="earlier", workers=1)
            if streamed:
                timings: dict[str, float] = {}
                result = registry.add_many(
                    batch,
                    source="bulk",
                    workers=2,
                    with_descriptors=with_descriptors,
                    timings=timings,
                )
                assert set(timings) >= {"standardise", "hash", "insert"}
            else:
                prepared = [
                    _prepare_or_none(smiles, name, with_descriptors) for smiles, name in batch
                ]
                result = registry.add_prepared(prepared, source="bulk")
            results.append(result)
            contents.append(_contents(registry))

    plain, streamed = results
    # the streamed run did start its transaction before the last chunks were computed
    assert len(streamed_batches) == 1
    assert 0 < streamed_batches[0] < len(batch)
    assert streamed == plain
    new_ids, skipped = plain
    reasons = dict(skipped)
    assert len(new_ids) + len(skipped) == len(batch)
    if not with_descriptors:
        assert reasons[30] == "invalid structure"
        assert reasons[200] == "same structure as input 4"
        assert any(why.startswith("already registered as") for why in reasons.values())
    assert contents[1] == contents[0]
    assert contents[0]["compounds"]
    if with_descriptors:
        assert contents[0]["properties"]
    # the late parents were linked to the salts registered before them
    assert sum(1 for row in contents[0]["compounds"] if row[9] is not None) >= 2


def test_streamed_add_many_refuses_relatives_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tautomers and stereoisomers of inputs in earlier streamed batches, and of compounds
    registered before, get the reasons the one insert gives, allowed or not."""
    monkeypatch.setattr(register_many, "OVERLAP_TAIL", 150)
    monkeypatch.setattr(register_many, "STREAM_BATCH", 40)
    batch = list(_batch()[:400])
    batch.insert(2, ("Oc1ccccn1", "2-hydroxypyridine"))
    batch.insert(10, ("C[C@H](N)C(=O)O", "L-alanine"))
    batch.insert(300, ("O=c1cccc[nH]1", "2-pyridone"))  # in a streamed batch
    batch.insert(330, ("CCN(CC)C(=O)[C@@]1(C[C@@H]1CN)c1ccccc1", "levomilnacipran"))
    batch.insert(395, ("C[C@@H](N)C(=O)O", "D-alanine"))
    before = [("CCN(CC)C(=O)C1(CC1CN)c1ccccc1", "milnacipran")]
    streamed_batches: list[int] = []
    original = register_many.add_streaming

    def counting(store: Any, author: str, received: list[Any], *args: Any) -> Any:
        streamed_batches.append(len(received))
        return original(store, author, received, *args)

    monkeypatch.setattr(register_many, "add_streaming", counting)
    for allowed in ({}, {"allow_tautomer": True, "allow_stereoisomer": True}):
        results, contents = [], []
        for streamed in (False, True):
            name = f"{'streamed' if streamed else 'plain'}{len(allowed)}.sqlite"
            with _open(tmp_path, name) as registry:
                registry.add_many(before, workers=1)
                if streamed:
                    result = registry.add_many(batch, workers=2, with_descriptors=False, **allowed)
                else:
                    prepared = [_prepare_or_none(s, n, False) for s, n in batch]
                    result = registry.add_prepared(prepared, **allowed)
                results.append(result)
                contents.append(_contents(registry))
        assert results[1] == results[0]
        assert contents[1] == contents[0]
        reasons = dict(results[0][1])
        at = {n: i for i, (_, n) in enumerate(batch)}
        late = [at["2-pyridone"], at["D-alanine"], at["levomilnacipran"]]
        assert min(late) > len(batch) - 150  # inserted after the transaction started
        if allowed:
            assert set(late).isdisjoint(reasons)
        else:
            assert [reasons[i] for i in late] == [
                f"tautomer of input {at['2-hydroxypyridine'] + 1}",
                f"stereoisomer of input {at['L-alanine'] + 1}",
                "stereoisomer of REG-000001",
            ]
    assert len(streamed_batches) == 2
    assert all(0 < n < len(batch) for n in streamed_batches)


def _prepare_or_none(smiles: str, name: str, with_descriptors: bool) -> Any:
    try:
        return registration.prepare(smiles, name=name, with_descriptors=with_descriptors)
    except InvalidStructure:
        return None


def test_iter_prepared_chunks_in_input_order() -> None:
    structures = [(smiles, "") for smiles, _ in _batch()[:420]]
    chunks = list(registration.iter_prepared(structures, with_descriptors=False, workers=2))
    assert len(chunks) > 1
    flat = [p for chunk in chunks for p in chunk]
    single = registration.prepare_many(structures, with_descriptors=False, workers=1)
    assert flat == single


def test_closing_the_stream_early_stops_the_workers() -> None:
    structures = [(smiles, "") for smiles, _ in _batch()[:420]]
    stream = registration.iter_prepared(structures, with_descriptors=False, workers=2)
    first = next(stream)
    assert first
    stream.close()  # cancels the chunks not started and waits for the workers
    import multiprocessing

    assert not multiprocessing.active_children()


@pytest.mark.parametrize("n", [0, 1, 5, 399, 400, 401, 5000, 5003])
def test_chunks_cover_the_input_in_order(n: int) -> None:
    items = list(range(n))
    for workers in (2, 3, 8):
        chunks = registration._chunks(items, workers)
        assert [x for chunk in chunks for x in chunk] == items
        assert all(chunks)
        if n >= 400:  # the last chunks are finer than the first
            assert len(chunks[-1]) <= len(chunks[0])
