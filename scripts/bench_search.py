"""Structure search on the embedded registry: the search index against the plain loop and the
PostgreSQL RDKit cartridge, side by side in one run.

1. N structures (the `chemicals` package's PubChem table, file order, then generated analogues
   ``CO<smiles>`` as in scripts/bench_postgres.py) are prepared once (RDKit in worker
   processes) and inserted into a new SQLite registry and, unless --no-postgres, a new
   PostgreSQL registry with the cartridge (a throw-away server, tests/pg_server.py).
2. On that registry: the index build (each part, seconds; MiB per 100k compounds); similarity
   (Tanimoto >= 0.7, five probes, every hit) and substructure (three SMARTS, every hit) by the
   plain loop (``use_index=False``), by the index and on the cartridge; hits must be identical;
   ``search_many`` of the five probes against five single searches.
3. --big M (e.g. 1000000): a registry of M rows made of the N prepared rows repeated with
   distinct registration hashes and names (preparing 1M structures through RDKit would take an
   hour on 2 cores and measure step 1 again; the index does the same work per row either way).
   Index build time on 2 workers, per-probe similarity latency in-process (and one loop probe
   for the ratio), and whole-process ``registry search --similar`` (median of --runs).

--offered prepares the N structures with their search index entries, as a bulk registration
does, so that step 2's index is built from the entries offered (and its hits are those entries'
hits) instead of from nothing.

Wall-clock on a shared machine: the load average is printed with each figure; compare ratios.

`--keep DIR` writes the registries (and their indexes) into DIR and leaves them there, e.g. for
``scripts/bench_startup.py --search sqlite:///DIR/big.sqlite``.

    python scripts/bench_search.py [--n 100000] [--big 1000000] [--no-postgres] [--runs 5]
        [--keep DIR] [--offered]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "scripts")]

from bench_postgres import SIMILAR, SUBSTRUCTURE, _new_database, structures  # noqa: E402

from registry.chem.registration import Prepared, prepare_many  # noqa: E402
from registry.config import Settings  # noqa: E402
from registry.service import Registry, search_index  # noqa: E402
from registry.service import search as search_case  # noqa: E402

BATCH = 5000


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _settings(folder: Path) -> Settings:
    return Settings.from_env(
        {"REGISTRY_DATA_DIR": str(folder), "REGISTRY_CACHE_DIR": str(folder)},
        author="bench",
        offline=True,
    )


def _insert(url: str, folder: Path, prepared: list[Any], *, related: bool = False) -> float:
    """Seconds to register ``prepared`` (``related``: tautomers and stereoisomers of each
    other too, as the copies of the large registry are)."""
    with Registry.open(url, settings=_settings(folder), seed=False) as registry:
        start = time.perf_counter()
        for begin in range(0, len(prepared), BATCH):
            registry.add_prepared(
                prepared[begin : begin + BATCH],
                source="bench",
                allow_tautomer=related,
                allow_stereoisomer=related,
            )
        return time.perf_counter() - start


def _timed(call: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = call()
    return time.perf_counter() - start, out


def build_index(registry: Registry, workers: int | None, rebuild: bool = True) -> dict[str, Any]:
    load = _load()
    found = search_index.build(registry.store, rebuild=rebuild, workers=workers)
    rows = found["index_substructure_rows"]
    mib = found["index_similarity_mib"] + found["index_substructure_mib"]
    return {
        "rows": rows,
        "similarity_s": found["index_similarity_seconds"],
        "substructure_s": found["index_substructure_seconds"],
        "mib": round(mib, 1),
        "mib_per_100k": round(mib * 100_000 / max(rows, 1), 1),
        "load": load,
    }


def compare(registry: Registry, pg: Registry | None) -> dict[str, Any]:
    store = registry.store
    out: dict[str, Any] = {"similarity": [], "substructure": []}
    for probe in SIMILAR:
        load = _load()
        loop_s, loop = _timed(
            lambda probe=probe: search_case.search_similar(
                store, probe, 0.7, 10**7, use_index=False
            )
        )
        search_case.search_similar(store, probe, 0.7, 10**7)  # warm: pages of the files
        index_s, hits = _timed(
            lambda probe=probe: search_case.search_similar(store, probe, 0.7, 10**7)
        )
        row = {"probe": probe, "hits": len(hits), "identical": list(hits) == list(loop),
               "loop_s": round(loop_s, 4), "index_s": round(index_s, 4),
               "speed_up": round(loop_s / index_s, 1), "load": load}  # fmt: skip
        if pg is not None:
            pg.search(similar=probe, min_similarity=0.7, limit=10**7)
            pg_s, pg_hits = _timed(
                lambda probe=probe: pg.search(similar=probe, min_similarity=0.7, limit=10**7)
            )
            row["cartridge_s"] = round(pg_s, 4)
            row["same_as_cartridge"] = [(h.name, h.score) for h in pg_hits] == [
                (h.name, h.score) for h in hits
            ]
        out["similarity"].append(row)
        print(json.dumps(row), file=sys.stderr)
    for query in SUBSTRUCTURE:
        load = _load()
        loop_s, loop = _timed(
            lambda query=query: search_case.search_substructure(
                store, query, 10**7, use_index=False
            )
        )
        search_case.search_substructure(store, query, 10**7)
        index_s, hits = _timed(
            lambda query=query: search_case.search_substructure(store, query, 10**7)
        )
        row = {"query": query, "hits": len(hits), "identical": list(hits) == list(loop),
               "loop_s": round(loop_s, 3), "index_s": round(index_s, 3),
               "speed_up": round(loop_s / index_s, 1), "load": load}  # fmt: skip
        if pg is not None:
            pg.search(substructure=query, limit=10**7)
            pg_s, pg_hits = _timed(lambda query=query: pg.search(substructure=query, limit=10**7))
            row["cartridge_s"] = round(pg_s, 3)
            row["same_as_cartridge"] = [h.name for h in pg_hits] == [h.name for h in hits]
        out["substructure"].append(row)
        print(json.dumps(row), file=sys.stderr)
    singles_s, singles = _timed(
        lambda: [search_case.search_similar(store, p, 0.7, 100) for p in SIMILAR]
    )
    many_s, many = _timed(lambda: search_case.search_many(store, SIMILAR, min_similarity=0.7))
    out["search_many"] = {
        "probes": len(SIMILAR),
        "singles_s": round(singles_s, 4),
        "many_s": round(many_s, 4),
        "identical": [list(r) for r in many] == [list(r) for r in singles],
    }
    return out


def _clones(prepared: list[Prepared], total: int) -> list[Prepared]:
    out: list[Prepared] = []
    copy = 0
    while len(out) < total:
        for p in prepared:
            if len(out) >= total:
                break
            if copy == 0:
                out.append(dataclasses.replace(p, search_entry=None))  # a build from nothing
                continue
            row = dataclasses.replace(
                p.row,
                name=f"{p.row.name} #{copy}",
                registration_hash=f"{p.row.registration_hash}#{copy}",
                parent_hash=None,
                is_salt=False,
                properties=(),
            )
            out.append(Prepared(row=row, is_salt=False))
        copy += 1
    return out


def big(
    prepared: list[Prepared], total: int, folder: Path, runs: int, workers: int
) -> dict[str, Any]:
    url = f"sqlite:///{folder / 'big.sqlite'}"
    clones = _clones(prepared, total)
    # Each copy is a tautomer or stereoisomer of the first: registered as such on purpose.
    insert_s = _insert(url, folder, clones, related=True)
    del clones
    out: dict[str, Any] = {"rows": total, "insert_s": round(insert_s, 1)}
    with Registry.open(url, settings=_settings(folder), seed=False) as registry:
        out["index"] = build_index(registry, workers)
        print(json.dumps(out["index"]), file=sys.stderr)
        store = registry.store
        latencies = []
        for probe in SIMILAR:
            search_case.search_similar(store, probe, 0.7, 100)
            seconds, _ = _timed(
                lambda probe=probe: search_case.search_similar(store, probe, 0.7, 100)
            )
            latencies.append(seconds)
        out["probe_s"] = [round(s, 4) for s in latencies]
        loop_s, loop = _timed(
            lambda: search_case.search_similar(store, SIMILAR[0], 0.7, 100, use_index=False)
        )
        index = search_case.search_similar(store, SIMILAR[0], 0.7, 100)
        out["loop_one_probe_s"] = round(loop_s, 2)
        out["loop_identical"] = list(loop) == list(index)
        out["substructure"] = []
        for query in SUBSTRUCTURE:
            seconds, hits = _timed(
                lambda query=query: search_case.search_substructure(store, query, 10**7)
            )
            out["substructure"].append(
                {"query": query, "hits": len(hits), "index_s": round(seconds, 2)}
            )
    env = {**os.environ, "REGISTRY_DATA_DIR": str(folder), "REGISTRY_OFFLINE": "1"}
    command = [str(Path(sys.executable).with_name("registry")), "search", "--similar", SIMILAR[0],
               "--min", "0.7", "--db", url, "-f", "json"]  # fmt: skip
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - start)
        assert done.returncode in (0, 1), done.stderr
    out["process_s"] = {
        "median": round(statistics.median(walls), 3),
        "all": [round(w, 3) for w in walls],
        "load": _load(),
    }
    print(json.dumps(out), file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=0, help="rows of the large registry (0: none)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="leave the registries in DIR")
    parser.add_argument(
        "--offered", action="store_true", help="build step 2's index from offered entries"
    )
    args = parser.parse_args()
    report: dict[str, Any] = {"n": args.n, "cpus": os.cpu_count(), "load": _load()}
    server = None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) if args.keep is None else args.keep
        folder.mkdir(parents=True, exist_ok=True)
        try:
            items = structures(args.n)
            prepare_s, prepared = _timed(
                lambda: prepare_many(
                    items,
                    with_descriptors=False,
                    workers=args.workers,
                    search_entries=args.offered,
                )
            )
            report["prepare_s"] = round(prepare_s, 1)
            print(json.dumps(report), file=sys.stderr)
            url = f"sqlite:///{folder / 'bench.sqlite'}"
            report["insert_sqlite_s"] = round(_insert(url, folder, prepared), 1)
            pg_url = None
            if not args.no_postgres:
                from pg_server import PostgresServer

                server = PostgresServer.start()
                pg_url = _new_database(server.url("postgres"))
                report["insert_postgresql_s"] = round(_insert(pg_url, folder, prepared), 1)
            with Registry.open(url, settings=_settings(folder), seed=False) as registry:
                report["index"] = build_index(registry, args.workers, rebuild=not args.offered)
                print(json.dumps(report["index"]), file=sys.stderr)
                if pg_url is not None:
                    with Registry.open(pg_url, settings=_settings(folder), seed=False) as pg:
                        report["search"] = compare(registry, pg)
                else:
                    report["search"] = compare(registry, None)
            if server is not None:
                server.stop()
                server = None
            if args.big:
                kept = [p for p in prepared if p is not None]
                del prepared
                report["big"] = big(kept, args.big, folder, args.runs, args.workers)
        finally:
            if server is not None:
                server.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
