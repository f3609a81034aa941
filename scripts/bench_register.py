"""Registration throughput against an lwreg-style loop, and lookup latency (SQLite).

1. Draws a seeded random sample of N structures from the `chemicals` package's PubChem table
   (``--seed``; the table's first rows are small, simple structures and would flatter us) and
   registers it, in one run of this process, into new SQLite databases:

   - **lwreg-style baseline**: what lwreg's ``bulk_register`` does per molecule with its
     default configuration (lwreg itself is not installable here), written from its source:
     parse the SMILES (sanitised, as its SMILES supplier does), keep the input as an RDKit
     pickle, standardise (``--lwreg-standardization``: ``fragment``, lwreg's default, is
     ``rdMolStandardize.FragmentParent``, which runs ``Cleanup`` first; ``super`` is
     ``SuperParent``: also uncharge and canonical tautomer), write a V3000 Molfile, compute
     ``RegistrationHash.GetMolLayers`` and ``GetMolHash``, then INSERT into its three tables
     and commit, one molecule at a time, on one ``sqlite3`` connection (a duplicate's unique
     violation is rolled back). RDKit's log is silenced (lwreg would print it), which only
     flatters the baseline.
   - **this registry**, default settings: ``Registry.add_many`` with descriptors and the
     duplicate checks (registration hash, and tautomer and stereoisomer layers), with the
     per-stage split; then the same with ``allow_tautomer=True, allow_stereoisomer=True``
     (no layer check), alternated ``--rounds`` times, to price the check; then without
     descriptors, and one at a time (``Registry.add``, one transaction each) on 500.

   The ratio to the baseline is taken within this run. lwreg's 366 molecules/s, measured on
   this machine kind on the table's first 5,000 rows, is printed only as a remark.
   Then the structure search index catches up with them (what the next search does), per part,
   and the index's whole cost is set against the rest of the registration: the CPU of the
   entries the registration computed for it (its ``search entry`` stage) and of the catch-up.
2. Registers the same N again: every one must be reported as a duplicate (or as a tautomer or
   stereoisomer of one, for those the first run refused).
3. Lookups by registry id, CAS number and InChIKey on a registry of 100,000 compounds. The
   100k rows are bulk-inserted directly with SQLAlchemy Core (registering 100k structures
   through RDKit would take minutes and measure step 1 again); their identifiers are real
   PubChem rows, repeated with distinct registration hashes past the table's 71k.

    python scripts/bench_register.py [--n 5000] [--seed 18] [--rounds 2] [--workers 2]
        [--lookups 100000 (0: none)] [--lwreg-standardization fragment|super] [--no-extras]

It runs against older versions of the package too (without the layer check, whose figures
are then left out). To compare versions side by side in one run, give checkouts (each a
tree whose ``registry`` package is imported through ``PYTHONPATH``, e.g. from ``git archive``):

    python scripts/bench_register.py --versions /tmp/before /tmp/after --rounds 6

registers the same sample with each tree's own code, alternated, and prints each tree's rate
over the first's per round.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import inspect
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import insert

from registry import store as store_module
from registry.chem.registration import MIN_PARALLEL
from registry.config import Settings
from registry.service import Registry, search_index
from registry.sources.chemicals_data import iter_pubchem_rows
from registry.store import schema

#: lwreg on this machine kind, first 5,000 rows of the table (a remark, not the comparison).
LWREG_HISTORICAL_PER_SECOND = 366.0

Items = list[tuple[str, str]]


def _settings(folder: Path) -> Settings:
    return Settings.from_env({"REGISTRY_DATA_DIR": str(folder)}, author="bench")


def sample(n: int, seed: int) -> Items:
    """``n`` (SMILES, name) pairs drawn at random, seeded, from the whole PubChem table."""
    rows = [(r.smiles, r.common_name or f"CID {r.cid}") for r in iter_pubchem_rows() if r.smiles]
    return random.Random(seed).sample(rows, min(n, len(rows)))


_LWREG_TABLES = (
    "create table registration_metadata (key text, value text)",
    "create table hashes (molregno integer primary key, fullhash text unique, formula text, "
    "canonical_smiles text, no_stereo_smiles text, tautomer_hash text, "
    'no_stereo_tautomer_hash text, "escape" text, sgroup_data text, rdkitVersion text)',
    "create table orig_data (molregno integer primary key, data text, datatype text)",
    "create table molblocks (molregno integer primary key, molblock text, standardization text)",
)


def lwreg_style(items: Items, path: Path, standardization: str) -> dict[str, Any]:
    """lwreg's per-molecule registration (see the module docstring), timed."""
    import rdkit
    from rdkit import Chem, RDLogger
    from rdkit.Chem import RegistrationHash
    from rdkit.Chem.MolStandardize import rdMolStandardize
    from rdkit.Chem.RegistrationHash import HashLayer

    standardise = {
        "fragment": rdMolStandardize.FragmentParent,
        "super": rdMolStandardize.SuperParent,
    }[standardization]
    RDLogger.DisableLog("rdApp.*")
    connection = sqlite3.connect(path)
    cursor = connection.cursor()
    for statement in _LWREG_TABLES:
        cursor.execute(statement)
    cursor.executemany(
        "insert into registration_metadata values (?,?)",
        [("standardization", standardization), ("rdkitVersion", rdkit.__version__)],
    )
    connection.commit()
    counts = {"registered": 0, "duplicate": 0, "parse_failure": 0, "filtered": 0, "error": 0}
    start = time.perf_counter()
    cursor.execute("select value from registration_metadata where key='standardization'")
    cursor.fetchone()
    cursor.execute("select value from registration_metadata where key='rdkitVersion'")
    cursor.fetchone()
    for smiles, _name in items:
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            counts["parse_failure"] += 1
            continue
        raw = mol.ToBinary(Chem.PropertyPickleOptions.AllProps)
        try:
            standardised = standardise(mol)
        except Exception:  # lwreg's standardisers return None on any failure
            standardised = None
        if standardised is None:
            counts["filtered"] += 1
            continue
        try:
            molblock = Chem.MolToV3KMolBlock(standardised)
            layers = RegistrationHash.GetMolLayers(standardised, escape=None)
        except Exception:  # lwreg's bulk_register stops here; the baseline goes on
            counts["error"] += 1
            continue
        full_hash = RegistrationHash.GetMolHash(layers)
        row = (
            full_hash,
            layers[HashLayer.FORMULA],
            layers[HashLayer.CANONICAL_SMILES],
            layers[HashLayer.NO_STEREO_SMILES],
            layers[HashLayer.TAUTOMER_HASH],
            layers[HashLayer.NO_STEREO_TAUTOMER_HASH],
            layers[HashLayer.ESCAPE],
            layers[HashLayer.SGROUP_DATA],
            None,
        )
        try:
            cursor.execute("insert into hashes values (NULL,?,?,?,?,?,?,?,?,?)", row)
            cursor.execute("select last_insert_rowid()")
            molregno = cursor.fetchone()[0]
            cursor.execute("insert into orig_data values (?, ?, ?)", (molregno, raw, "pkl"))
            cursor.execute("insert into molblocks values (?, ?, ?)", (molregno, molblock, None))
            connection.commit()
            counts["registered"] += 1
        except sqlite3.IntegrityError:
            connection.rollback()
            counts["duplicate"] += 1
    elapsed = time.perf_counter() - start
    connection.close()
    RDLogger.EnableLog("rdApp.*")
    return {
        "standardization": standardization,
        **counts,
        "seconds": round(elapsed, 3),
        "molecules_per_second": round(len(items) / elapsed, 1),
    }


def _has_layer_check() -> bool:
    return "allow_tautomer" in inspect.signature(Registry.add_many).parameters


class Run(NamedTuple):
    """One ``add_many``: wall and CPU seconds (this process and its workers), what it did."""

    seconds: float
    cpu: float
    new_ids: list[str]
    skipped: list[tuple[int, str]]
    timings: dict[str, float]


def _add_many(folder: Path, label: str, items: Items, workers: int, **options: Any) -> Run:
    """One ``add_many`` of ``items`` into a new registry."""
    timings: dict[str, float] = {}
    url = f"sqlite:///{folder / (label + '.sqlite')}"
    with Registry.open(url, settings=_settings(folder), seed=False) as registry:
        cpu = _cpu_seconds()
        start = time.perf_counter()
        new_ids, skipped = registry.add_many(
            items, source="bench", workers=workers, timings=timings, **options
        )
        elapsed = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu
    return Run(elapsed, cpu, new_ids, skipped, timings)


def _catch_up(registry: Registry, workers: int) -> tuple[dict[str, float], float]:
    """The search index's catch-up after a registration: wall seconds per part, CPU seconds.

    The index is brought up to date by the next search, not by the writes: its cost is the
    catch-up of that search (with the entries the registration offered, where it offers them)
    against the registration it follows.
    """
    seconds = {}
    cpu = _cpu_seconds()
    for kind in ("similarity", "substructure"):
        start = time.perf_counter()
        search_index.current(registry.store, kind, workers=workers)
        seconds[kind] = time.perf_counter() - start
    return seconds, _cpu_seconds() - cpu


def _reasons(skipped: Sequence[tuple[int, str]]) -> dict[str, int]:
    kinds = ("invalid", "same structure", "already registered", "tautomer", "stereoisomer")
    return {k: sum(1 for _, why in skipped if why.startswith(k)) for k in kinds}


def register(
    items: Items, folder: Path, workers: int, rounds: int, standardization: str, extras: bool
) -> dict[str, Any]:
    n = len(items)
    checked = _has_layer_check()

    # Per round: the lwreg-style baseline, default registration and registration without the
    # layer check, one after the other.
    lwreg_runs: list[dict[str, Any]] = []
    default_runs: list[Run] = []
    unchecked_runs: list[Run] = []
    # Warm-up (not timed): the first registration of a process may load the chemistry modules
    # in this process (versions that do so before forking their workers).
    _add_many(folder, "warm-up", items[: MIN_PARALLEL + 1], workers)
    allow = {"allow_tautomer": True, "allow_stereoisomer": True}
    for round_ in range(rounds):
        lwreg_runs.append(lwreg_style(items, folder / f"lwreg{round_}.sqlt", standardization))
        # default and unchecked, the order turned round each round
        kinds = ["default", "unchecked"] if checked else ["default"]
        for kind in kinds if round_ % 2 == 0 else kinds[::-1]:
            options = allow if kind == "unchecked" else {}
            run = _add_many(folder, f"{kind}{round_}", items, workers, **options)
            (unchecked_runs if kind == "unchecked" else default_runs).append(run)
    elapsed, registration_cpu, new_ids, skipped, timings = default_runs[0]
    best = min(r.seconds for r in default_runs)
    lwreg_rates = [r["molecules_per_second"] for r in lwreg_runs]
    report: dict[str, Any] = {
        "structures": n,
        "registered": len(new_ids),
        "not_registered": _reasons(skipped),
        "seconds": [round(r.seconds, 3) for r in default_runs],
        "molecules_per_second": [round(n / r.seconds, 1) for r in default_runs],
        "cpu_ms_per_molecule": [round(r.cpu / n * 1000, 3) for r in default_runs],
        "lwreg_style_per_second": lwreg_rates,
        # this registry's rate over the baseline's, round by round
        "vs_lwreg_style": [
            round(n / r.seconds / rate, 2)
            for r, rate in zip(default_runs, lwreg_rates, strict=True)
        ],
        "lwreg_style": lwreg_runs[0],
        "remark_vs_lwreg_historical_366_per_s": round(n / best / LWREG_HISTORICAL_PER_SECOND, 2),
        # CPU milliseconds per molecule for the RDKit stages, wall-clock for the insert and
        # (inside it) the layer check
        "stage_ms_per_molecule": {k: round(v / n * 1000, 3) for k, v in timings.items()},
        # what those stages allow on an otherwise idle machine with this many workers
        "cpu_bound_per_second": round(
            workers * n / sum(v for k, v in timings.items() if k in _CPU_STAGES), 1
        ),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "workers": workers,
    }
    if checked:
        pairs = list(zip(default_runs, unchecked_runs, strict=True))
        report["layer_check"] = {
            "without_check_seconds": [round(r.seconds, 3) for r in unchecked_runs],
            # >1: the check costs; taken round by round (wall and CPU), then the best of each
            "default_over_unchecked_per_round": [round(a.seconds / b.seconds, 3) for a, b in pairs],
            "default_over_unchecked_cpu_per_round": [round(a.cpu / b.cpu, 3) for a, b in pairs],
            "best_default_over_best_unchecked": round(
                best / min(r.seconds for r in unchecked_runs), 3
            ),
            # the duplicate checks' own wall-clock time (one query per batch and the rules;
            # the registration-hash lookup of old included) in the first default run
            "check_share_of_registration": round(timings.get("duplicate_check", 0.0) / elapsed, 4),
        }
    if not extras:
        return report

    lean_start = time.perf_counter()
    with Registry.open(
        f"sqlite:///{folder / 'lean.sqlite'}", settings=_settings(folder), seed=False
    ) as registry:
        registry.add_many(items, source="bench", workers=workers, with_descriptors=False)
    report["without_descriptors_per_second"] = round(n / (time.perf_counter() - lean_start), 1)

    url = f"sqlite:///{folder / 'default0.sqlite'}"
    with Registry.open(url, settings=_settings(folder), seed=False) as registry:
        index_seconds, index_cpu = _catch_up(registry, workers)
        again_start = time.perf_counter()
        again_ids, again_skipped = registry.add_many(
            items, source="bench", workers=workers, with_descriptors=False
        )
        again_elapsed = time.perf_counter() - again_start
    again = _reasons(again_skipped)
    refused_first = sum(v for k, v in _reasons(skipped).items() if k != "invalid")
    report["search_index_catch_up"] = {
        "similarity_seconds": round(index_seconds["similarity"], 3),
        "substructure_seconds": round(index_seconds["substructure"], 3),
        "similarity_share_of_registration": round(index_seconds["similarity"] / elapsed, 3),
        "both_share_of_registration": round(sum(index_seconds.values()) / elapsed, 3),
        # CPU of both parts over the registration's: the wall share also follows how well the
        # host runs the two workers side by side, this one only the work.
        "both_cpu_share_of_registration": round(index_cpu / registration_cpu, 3),
    }
    # The index's whole cost, measured within this run: the entries the registration computed
    # for it (CPU in its workers), writing them to the offer file (wall-clock, as if all CPU)
    # and the catch-up, over the rest of the registration's CPU.
    entries_cpu = timings.get("search entry", 0.0)
    offer = timings.get("search offer", 0.0)
    without = registration_cpu - entries_cpu - offer
    report["search_index_cost"] = {
        "registration_cpu_ms_per_molecule": round(registration_cpu / n * 1000, 3),
        "entries_cpu_ms_per_molecule": round(entries_cpu / n * 1000, 3),
        "offer_ms_per_molecule": round(offer / n * 1000, 3),
        "catch_up_cpu_ms_per_molecule": round(index_cpu / n * 1000, 3),
        # the time a structure takes grows by this share of what it takes without the index
        "share_of_registration_without_it": round((registration_cpu + index_cpu) / without - 1, 3),
        # and the rate (structures a second, CPU-bound) falls by this share of its rate without
        "throughput_lost": round(1 - without / (registration_cpu + index_cpu), 3),
    }
    report["reregistration"] = {
        "new": len(again_ids),
        "reported": again,
        "all_detected": len(again_ids) == 0
        and again["already registered"] == len(new_ids)
        and sum(again.values()) - again["invalid"] == len(new_ids) + refused_first,
        "seconds": round(again_elapsed, 3),
    }

    baseline_n = min(500, n)
    with Registry.open(
        f"sqlite:///{folder / 'one-by-one.sqlite'}", settings=_settings(folder), seed=False
    ) as registry:
        one_start = time.perf_counter()
        for smiles, name in items[:baseline_n]:
            with contextlib.suppress(Exception):
                registry.add(smiles, name=name, source="bench", link=True)
        one_elapsed = time.perf_counter() - one_start
    report["one_at_a_time_per_second"] = round(baseline_n / one_elapsed, 1)
    return report


#: The stages timed in CPU seconds (the rest are wall-clock).
_CPU_STAGES = ("standardise", "hash", "search entry", "fingerprint", "descriptors")


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


def versions(trees: Sequence[Path], n: int, seed: int, workers: int, rounds: int) -> dict[str, Any]:
    """Default registration by each checkout's own code, alternated, in this one run.

    Each round runs every tree once (the order turned round each round) in a subprocess of
    its own with ``PYTHONPATH`` set to the tree, registering the same seeded sample into a new
    SQLite database: wall-clock rates, and each tree's rate over the first tree's per round.
    Then the search index catches up (both parts, as the next search would), and each tree's
    registration and catch-up together are set against the first tree's registration alone:
    with a first tree whose registration does no index work, that is the index's cost.
    """
    rates: dict[str, list[float]] = {str(t): [] for t in trees}
    cpu: dict[str, list[float]] = {str(t): [] for t in trees}
    wall: dict[str, list[tuple[float, float]]] = {str(t): [] for t in trees}
    work: dict[str, list[tuple[float, float]]] = {str(t): [] for t in trees}
    loads: list[float] = []
    for round_ in range(rounds):
        order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
        for tree in order:
            env = dict(os.environ, PYTHONPATH=str(tree))
            command = [sys.executable, __file__, "--registration-only", "--n", str(n)]
            command += ["--seed", str(seed), "--workers", str(workers)]
            done = subprocess.run(
                command, cwd=tree, env=env, capture_output=True, text=True, check=True
            )
            result = json.loads(done.stdout)
            rates[str(tree)].append(result["molecules_per_second"])
            cpu[str(tree)].append(result["cpu_ms_per_molecule"])
            wall[str(tree)].append((result["seconds"], result["catch_up_seconds"]))
            work[str(tree)].append(
                (result["cpu_ms_per_molecule"], result["catch_up_cpu_ms_per_molecule"])
            )
        loads.append(round(os.getloadavg()[0], 2))
    first = rates[str(trees[0])]
    ratios = {
        tree: [round(a / b, 3) for a, b in zip(values, first, strict=True)]
        for tree, values in rates.items()
    }
    # CPU per molecule (all processes) holds when other work shares the machine, which the
    # wall-clock rate does not: the first tree's CPU over each tree's is its speed-up when
    # registration has the cores to itself.
    first_cpu = cpu[str(trees[0])]
    cpu_ratios = {
        tree: [round(b / a, 3) for a, b in zip(values, first_cpu, strict=True)]
        for tree, values in cpu.items()
    }
    index_cost = {t: _index_cost(v, wall[str(trees[0])]) for t, v in wall.items()}
    index_cpu_cost = {t: _index_cost(v, work[str(trees[0])]) for t, v in work.items()}
    # the same as the rate lost: 1 - the first tree's registration / (registration + catch-up)
    throughput_lost = {t: [round(c / (1 + c), 3) for c in v] for t, v in index_cost.items()}
    return {
        "molecules_per_second": rates,
        "catch_up_seconds": {t: [b for _, b in v] for t, v in wall.items()},
        "catch_up_cpu_ms_per_molecule": {t: [b for _, b in v] for t, v in work.items()},
        "index_cost_over_first_registration": index_cost,
        "median_index_cost": {t: statistics.median(c) for t, c in index_cost.items()},
        "index_cpu_cost_over_first_registration": index_cpu_cost,
        "median_index_cpu_cost": {t: statistics.median(c) for t, c in index_cpu_cost.items()},
        "throughput_lost_per_round": throughput_lost,
        "median_throughput_lost": {t: statistics.median(c) for t, c in throughput_lost.items()},
        "over_first_per_round": ratios,
        "median_over_first": {t: statistics.median(r) for t, r in ratios.items()},
        "cpu_ms_per_molecule": cpu,
        "cpu_speedup_over_first_per_round": cpu_ratios,
        "median_cpu_speedup_over_first": {t: statistics.median(r) for t, r in cpu_ratios.items()},
        "load_average_1min": loads,
    }


def _index_cost(
    runs: Sequence[tuple[float, float]], baseline: Sequence[tuple[float, float]]
) -> list[float]:
    """(registration + catch-up) / the baseline's registration - 1, round by round."""
    return [
        round((registration + catch_up) / first - 1, 3)
        for (registration, catch_up), (first, _) in zip(runs, baseline, strict=True)
    ]


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the pool's workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def registration_only(items: Items, workers: int) -> dict[str, Any]:
    """One default ``add_many`` of ``items`` (what :func:`versions` runs in each checkout),
    with the CPU time it took in this process and its workers."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run = _add_many(folder, "default", items, workers)
        url = f"sqlite:///{folder / 'default.sqlite'}"
        with Registry.open(url, settings=_settings(folder), seed=False) as registry:
            catch_up, catch_up_cpu = _catch_up(registry, workers)
    return {
        "module": inspect.getfile(Registry),
        "registered": len(run.new_ids),
        "seconds": round(run.seconds, 3),
        "molecules_per_second": round(len(items) / run.seconds, 1),
        "cpu_ms_per_molecule": round(run.cpu / len(items) * 1000, 3),
        "catch_up_seconds": round(sum(catch_up.values()), 3),
        "catch_up_cpu_ms_per_molecule": round(catch_up_cpu / len(items) * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=18, help="of the random sample")
    parser.add_argument("--rounds", type=int, default=2, help="default/unchecked alternations")
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--lwreg-standardization", choices=("fragment", "super"), default="fragment"
    )
    parser.add_argument(
        "--no-extras",
        action="store_true",
        help="registration against the baseline only (no index, re-registration, one by one)",
    )
    parser.add_argument(
        "--versions",
        nargs="+",
        type=Path,
        metavar="TREE",
        help="instead: default registration by each checkout (the first is the baseline), "
        "alternated --rounds times in this run",
    )
    parser.add_argument("--registration-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.versions:
        trees = [tree.resolve() for tree in args.versions]
        report = versions(trees, args.n, args.seed, args.workers, max(1, args.rounds))
        print(json.dumps({"sample": {"n": args.n, "seed": args.seed}, **report}, indent=2))
        return
    items = sample(args.n, args.seed)
    if args.registration_only:
        print(json.dumps(registration_only(items, args.workers)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report: dict[str, Any] = {"sample": {"n": len(items), "seed": args.seed}}
        report["registration"] = register(
            items,
            folder,
            args.workers,
            max(1, args.rounds),
            args.lwreg_standardization,
            not args.no_extras,
        )
        if args.lookups:  # --lookups 0 measures registration only
            report["lookups"] = lookups(args.lookups, folder)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
