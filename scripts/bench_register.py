"""Registration throughput and lookup latency of the compound registry (SQLite).

1. Registers N structures (SMILES from the `chemicals` package's PubChem table, file order)
   into a new SQLite registry: standardise, hash, fingerprint, default descriptors, insert,
   with the per-stage split. Compared with lwreg's figure on this machine (366 molecules/s for
   5,000 PubChem SMILES on SQLite; target at least 2.5x) and, as a baseline run in this script,
   with registering the first 500 one at a time (one transaction each, as lwreg does).
   Then the structure search index catches up with them (what the next search does), per part.
2. Registers the same N again: every one must be reported as a duplicate.
3. Lookups by registry id, CAS number and InChIKey on a registry of 100,000 compounds. The
   100k rows are bulk-inserted directly with SQLAlchemy Core (registering 100k structures
   through RDKit would take minutes and measure step 1 again); their identifiers are real
   PubChem rows, repeated with distinct registration hashes past the table's 71k.

    python scripts/bench_register.py [--n 5000] [--lookups 100000 (0: none)] [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from registry import store as store_module
from registry.config import Settings
from registry.service import Registry, search_index
from registry.sources.chemicals_data import iter_pubchem_rows
from registry.store import schema

LWREG_PER_SECOND = 366.0


def _settings(folder: Path) -> Settings:
    return Settings.from_env({"REGISTRY_DATA_DIR": str(folder)}, author="bench")


def register(n: int, folder: Path, workers: int) -> dict[str, Any]:
    rows = [(r.smiles, r.common_name or f"CID {r.cid}") for r in iter_pubchem_rows() if r.smiles]
    items = rows[:n]
    lean_start = time.perf_counter()
    with Registry.open(
        f"sqlite:///{folder / 'lean.sqlite'}", settings=_settings(folder), seed=False
    ) as registry:
        registry.add_many(items, source="bench", workers=workers, with_descriptors=False)
    lean_elapsed = time.perf_counter() - lean_start

    url = f"sqlite:///{folder / 'bench.sqlite'}"
    with Registry.open(url, settings=_settings(folder), seed=False) as registry:
        timings: dict[str, float] = {}
        start = time.perf_counter()
        new_ids, skipped = registry.add_many(
            items, source="bench", workers=workers, timings=timings
        )
        elapsed = time.perf_counter() - start
        # The search index is brought up to date by the next search, not by the writes: its
        # cost is the catch-up of that search, per part, against the registration it follows.
        index_seconds = {}
        for kind in ("similarity", "substructure"):
            index_start = time.perf_counter()
            search_index.current(registry.store, kind, workers=workers)
            index_seconds[kind] = time.perf_counter() - index_start

        again_start = time.perf_counter()
        again_ids, again_skipped = registry.add_many(
            items, source="bench", workers=workers, with_descriptors=False
        )
        again_elapsed = time.perf_counter() - again_start
        duplicates = sum(1 for _, why in again_skipped if "already registered" in why)
        invalid = sum(1 for _, why in skipped if why.startswith("invalid"))
        in_batch = sum(1 for _, why in skipped if why.startswith("same structure"))

    baseline_n = min(500, n)
    with Registry.open(
        f"sqlite:///{folder / 'one-by-one.sqlite'}", settings=_settings(folder), seed=False
    ) as registry:
        one_start = time.perf_counter()
        for smiles, name in items[:baseline_n]:
            with contextlib.suppress(Exception):
                registry.add(smiles, name=name, source="bench", link=True)
        one_elapsed = time.perf_counter() - one_start

    return {
        "structures": len(items),
        "registered": len(new_ids),
        "invalid": invalid,
        "same_structure_in_batch": in_batch,
        "seconds": round(elapsed, 3),
        "molecules_per_second": round(len(items) / elapsed, 1),
        "vs_lwreg_366_per_s": round(len(items) / elapsed / LWREG_PER_SECOND, 2),
        # CPU milliseconds per molecule for the RDKit stages, wall-clock for the insert
        "stage_ms_per_molecule": {k: round(v / len(items) * 1000, 3) for k, v in timings.items()},
        # what those stages allow on an otherwise idle machine with this many workers
        "cpu_bound_per_second": round(
            workers * len(items) / sum(v for k, v in timings.items() if k != "insert"), 1
        ),
        "without_descriptors_per_second": round(len(items) / lean_elapsed, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "workers": workers,
        "one_at_a_time_per_second": round(baseline_n / one_elapsed, 1),
        "search_index_catch_up": {
            "similarity_seconds": round(index_seconds["similarity"], 3),
            "substructure_seconds": round(index_seconds["substructure"], 3),
            "similarity_share_of_registration": round(index_seconds["similarity"] / elapsed, 3),
            "both_share_of_registration": round(sum(index_seconds.values()) / elapsed, 3),
        },
        "reregistration": {
            "new": len(again_ids),
            "reported_duplicate": duplicates,
            "expected_duplicates": len(new_ids),
            "all_detected": len(again_ids) == 0 and duplicates == len(items) - invalid,
            "seconds": round(again_elapsed, 3),
        },
    }


def _letters(number: int, width: int = 10) -> str:
    """``number`` in base 26 as capital letters (an InChIKey-shaped block)."""
    out = []
    for _ in range(width):
        number, digit = divmod(number, 26)
        out.append(chr(65 + digit))
    return "".join(reversed(out))


def _bulk_registry(folder: Path, total: int) -> tuple[Registry, list[tuple[int, str, str]]]:
    url = f"sqlite:///{folder / 'lookup.sqlite'}"
    registry = Registry.open(url, settings=_settings(folder), seed=False)
    source = [r for r in iter_pubchem_rows() if r.smiles and r.inchikey]
    stamp = store_module.now()
    compounds: list[dict[str, Any]] = []
    identifiers: list[dict[str, Any]] = []
    keys: list[tuple[int, str, str]] = []
    seen_keys: set[str] = set()
    for i in range(total):
        row = source[i % len(source)]
        copy = i // len(source)
        inchikey = row.inchikey
        if copy or inchikey in seen_keys:  # the table repeats some keys; keep each one unique
            inchikey = f"{row.inchikey[:15]}{_letters(i)}-{chr(65 + copy)}"
        seen_keys.add(inchikey)
        compounds.append(
            {
                "id": i + 1,
                "name": row.common_name or f"CID {row.cid}",
                "name_key": store_module.key(row.common_name or f"CID {row.cid}") + f" {copy}",
                "submitted": row.smiles,
                "smiles": row.smiles,
                "inchi": row.inchi,
                "inchikey": inchikey,
                "formula": row.formula,
                "registration_hash": hashlib.sha1(f"{i}".encode()).hexdigest(),
                "tautomer_hash": "",
                "no_stereo_hash": "",
                "hash_layers": "{}",
                "is_salt": False,
                "counterions": "[]",
                "parent_hash": None,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        cas = row.cas if copy == 0 and row.cas else ""
        if cas:
            identifiers.append(
                {
                    "compound_id": i + 1,
                    "kind": "cas",
                    "value": cas,
                    "value_key": store_module.key(cas),
                    "role": "parent",
                    "form": "",
                    "source": "pubchem",
                    "origin": "",
                    "exclusive": True,
                    "position": 0,
                    "created_at": stamp,
                }
            )
        keys.append((i + 1, cas, inchikey))
    with registry.store.write() as connection:
        for start in range(0, total, 10_000):
            connection.execute(insert(schema.compounds), compounds[start : start + 10_000])
        seen: set[str] = set()
        unique = [d for d in identifiers if not (d["value"] in seen or seen.add(d["value"]))]
        for start in range(0, len(unique), 10_000):
            connection.execute(insert(schema.identifiers), unique[start : start + 10_000])
    cas_owner = {d["value"]: d["compound_id"] for d in unique}
    keys = [(i, cas if cas_owner.get(cas) == i else "", key) for i, cas, key in keys]
    return registry, keys


def lookups(total: int, folder: Path, samples: int = 2000) -> dict[str, Any]:
    registry, keys = _bulk_registry(folder, total)
    try:
        step = max(1, len(keys) // samples)
        chosen = keys[::step][:samples]
        results: dict[str, Any] = {"compounds": registry.count()}
        queries = {
            "registry_id": [store_module.format_registry_id(i) for i, _, _ in chosen],
            "cas": [cas for _, cas, _ in chosen if cas],
            "inchikey": [key for _, _, key in chosen],
        }
        for kind, values in queries.items():
            start = time.perf_counter()
            for value in values:
                registry.resolve(value)
            resolve_ms = (time.perf_counter() - start) / len(values) * 1000
            start = time.perf_counter()
            for value in values:
                registry.get(value)
            get_ms = (time.perf_counter() - start) / len(values) * 1000
            results[kind] = {
                "lookups": len(values),
                "resolve_ms": round(resolve_ms, 4),
                "get_full_record_ms": round(get_ms, 4),
            }
        return results
    finally:
        registry.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report = {"registration": register(args.n, folder, args.workers)}
        if args.lookups:  # --lookups 0 measures registration only
            report["lookups"] = lookups(args.lookups, folder)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
