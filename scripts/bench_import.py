"""What keeping every column costs a bulk import, and what a round trip through an export costs.

Draws a seeded random sample of N rows from the ``chemicals`` package's PubChem table and writes
them, in one run of this process, as two CSV files of the same structures:

- ``plain.csv``: ``smiles, name`` only (what ``registry import`` stored before it kept columns);
- ``full.csv``: also ``cas`` (the table's CAS number), ``pubchem_cid``, ``synonyms`` (up to
  three of the table's), ``project`` (text) and ``assay_nM`` (a number): what a team's file
  holds.

Each is imported into a new SQLite registry with default settings (descriptors, duplicate
checks, the usable CPUs), side by side, ``--rounds`` times alternated: the ratio of the two
times is taken within each round (the median is reported). On a shared machine the two runs'
difference drowns in the load, so the full import also times its own extra work, in the same
run: reading and checking every row's columns (``_read``, against reading the structures alone)
and attaching them in each batch's transaction (``annotate``). Then, on the registry
``full.csv`` made: the same file imported again (nothing changes, no audit row), and a CSV and a
JSON export each imported into a new empty registry (the round trip), with each export's time.

    python scripts/bench_import.py [--n 5000] [--seed 18] [--rounds 2] [--workers N]

Prints one JSON object; the ratios are within this run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from registry.config import Settings
from registry.service import Registry
from registry.service import structure_import as importer
from registry.sources.chemicals_data import iter_pubchem_rows

_PROJECTS = ("alpha", "beta", "gamma", "delta")


def write_files(n: int, seed: int, folder: Path) -> tuple[Path, Path, int]:
    """The sample as ``plain.csv`` and ``full.csv``; also how many rows carry a CAS number."""
    rows = [r for r in iter_pubchem_rows() if r.smiles]
    chosen = random.Random(seed).sample(rows, min(n, len(rows)))
    values = random.Random(seed + 1)
    plain, full = folder / "plain.csv", folder / "full.csv"
    with_cas = 0
    with (
        plain.open("w", newline="", encoding="utf-8") as a,
        full.open("w", newline="", encoding="utf-8") as b,
    ):
        short, long = csv.writer(a), csv.writer(b)
        short.writerow(["smiles", "name"])
        long.writerow(["smiles", "name", "cas", "pubchem_cid", "synonyms", "project", "assay_nM"])
        for row in chosen:
            name = row.common_name or f"CID {row.cid}"
            short.writerow([row.smiles, name])
            with_cas += bool(row.cas)
            long.writerow(
                [
                    row.smiles,
                    name,
                    row.cas,
                    row.cid,
                    "; ".join(s for s in row.synonyms[:3] if ";" not in s),
                    values.choice(_PROJECTS),
                    f"{values.lognormvariate(3, 1.5):.4g}",
                ]
            )
    return plain, full, with_cas


def _settings(folder: Path) -> Settings:
    return Settings.from_env({"REGISTRY_DATA_DIR": str(folder)}, author="bench", offline=True)


def _timed(name: str, spent: dict[str, float]) -> Callable[..., Any]:
    """``importer.<name>``, adding its wall-clock seconds to ``spent[name]``."""
    function = getattr(importer, name)

    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

    return run


def timed_import(url: str, path: Path, folder: Path, workers: int | None) -> dict[str, Any]:
    spent: dict[str, float] = {}
    originals = {name: getattr(importer, name) for name in ("_read", "annotate")}
    with Registry.open(url, settings=_settings(folder), seed=False) as registry:
        audit = len(registry.history(limit=10**9))
        for name in originals:
            setattr(importer, name, _timed(name, spent))
        try:
            start = time.perf_counter()
            report = registry.import_structures(path, workers=workers)
            seconds = time.perf_counter() - start
        finally:
            for name, function in originals.items():
                setattr(importer, name, function)
        audit = len(registry.history(limit=10**9)) - audit
    return {
        "read_and_check_seconds": round(spent.get("_read", 0.0), 3),
        "annotate_seconds": round(spent.get("annotate", 0.0), 3),
        "seconds": round(seconds, 3),
        "rows_per_second": round(report.rows / seconds, 1),
        "added": report.added,
        "already_registered": report.already_registered,
        "refused": len(report.refused),
        "unreadable": len(report.invalid),
        "conflicts": len(report.conflicts),
        "linked": report.linked,
        "audit_rows": audit,
    }


def timed_export(url: str, fmt: str, folder: Path) -> tuple[Path, float]:
    with Registry.open(url, settings=_settings(folder), seed=False) as registry:
        start = time.perf_counter()
        [written] = registry.export(fmt, folder / f"export-{fmt}")  # type: ignore[misc,arg-type]
        return written, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        plain, full, with_cas = write_files(args.n, args.seed, folder)
        runs: dict[str, list[dict[str, Any]]] = {"plain": [], "full": []}
        for round_number in range(args.rounds):
            for label, path in (("plain", plain), ("full", full)):
                url = f"sqlite:///{folder / f'{label}-{round_number}.sqlite'}"
                runs[label].append(timed_import(url, path, folder, args.workers))
        best = {label: min(r, key=lambda x: x["seconds"]) for label, r in runs.items()}
        ratios = [
            f["seconds"] / p["seconds"] for p, f in zip(runs["plain"], runs["full"], strict=True)
        ]
        kept = f"sqlite:///{folder / 'full-0.sqlite'}"
        again = timed_import(kept, full, folder, args.workers)
        trips: dict[str, Any] = {}
        for fmt in ("csv", "json"):
            exported, seconds = timed_export(kept, fmt, folder)
            copy = f"sqlite:///{folder / f'copy-{fmt}.sqlite'}"
            trips[fmt] = {"export_seconds": round(seconds, 3),
                          "import": timed_import(copy, exported, folder, args.workers)}  # fmt: skip
        result = {
            "n": args.n,
            "seed": args.seed,
            "rows_with_cas": with_cas,
            "plain": best["plain"],
            "full": best["full"],
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "full_over_plain_time_per_round": [round(r, 3) for r in ratios],
            "full_over_plain_time_median": round(statistics.median(ratios), 3),
            "full_extra_work_share": round(
                (
                    best["full"]["read_and_check_seconds"]
                    - best["plain"]["read_and_check_seconds"]
                    + best["full"]["annotate_seconds"]
                )
                / best["full"]["seconds"],
                4,
            ),
            "reimport_unchanged": again,
            "round_trip": trips,
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
