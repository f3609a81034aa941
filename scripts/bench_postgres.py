"""The registry on PostgreSQL (with the RDKit cartridge) against SQLite, on N compounds.

1. Import: N structures (the `chemicals` package's PubChem table, file order, then generated
   analogues ``CO<smiles>`` when N exceeds it) are prepared once (standardise, hash,
   fingerprint; RDKit in worker processes) and inserted in batches of 5,000 the way
   ``registry import`` does, into a new SQLite registry and a new PostgreSQL registry with the
   cartridge (which also fills the ``mol``/``mfp`` columns and keeps GiST indexes). Import time
   = the shared preparation + each backend's insert time.
2. Search on the PostgreSQL registry: similarity (Tanimoto >= 0.7, five probes) and
   substructure (three SMARTS, every match), in the database with the cartridge and in-process
   on the same data; the results must be identical. In-process on SQLite too, for reference.
3. Registration throughput: 1, 2 and 4 writer processes calling ``Registry.add`` one compound
   at a time (a transaction each) on a fresh PostgreSQL registry, distinct structures each.

The PostgreSQL server is a throw-away one (tests/pg_server.py: initdb + pg_ctl on a temp dir),
unless --pg-url gives an admin URL of a server to create databases on. Wall-clock times on a
shared 2-core machine: the load average is printed with every figure.

    python scripts/bench_postgres.py [--n 100000] [--writers-n 300] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout first; pg_server.py

from registry.chem.registration import prepare_many  # noqa: E402
from registry.config import Settings  # noqa: E402
from registry.service import Registry  # noqa: E402
from registry.sources.chemicals_data import iter_pubchem_rows  # noqa: E402

SIMILAR = [
    "CCN(CC)C(=O)C1(CC1CN)c1ccccc1",  # milnacipran
    "CC(=O)Oc1ccccc1C(=O)O",  # aspirin
    "CN1CCC[C@H]1c1cccnc1",  # nicotine
    "Cn1cnc2c1c(=O)n(C)c(=O)n2C",  # caffeine
    "CC(C)Cc1ccc(cc1)C(C)C(=O)O",  # ibuprofen
]
SUBSTRUCTURE = ["c1ccc2[nH]ccc2c1", "C(=O)N[C@@H]", "S(=O)(=O)N"]
BATCH = 5000


def _load() -> tuple[float, float, float]:
    return os.getloadavg()


def _settings(folder: Path) -> Settings:
    return Settings.from_env(
        {"REGISTRY_DATA_DIR": str(folder), "REGISTRY_CACHE_DIR": str(folder)},
        author="bench",
        offline=True,
    )


def structures(n: int) -> list[tuple[str, str]]:
    base = [(r.smiles, r.common_name or f"CID {r.cid}") for r in iter_pubchem_rows() if r.smiles]
    items = base[:n]
    for smiles, name in base:  # analogues: a methoxy on an aliphatic first atom
        if len(items) >= n:
            break
        if smiles[0] in "CN" and not smiles.startswith(("C(", "N(")):
            items.append((f"CO{smiles}", f"{name} methoxy analogue"))
    return items[:n]


def _new_database(admin: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = make_url(admin)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def insert_all(url: str, folder: Path, prepared: list[Any]) -> dict[str, Any]:
    with Registry.open(url, settings=_settings(folder), seed=False) as registry:
        load = _load()[0]
        start = time.perf_counter()
        added = 0
        for begin in range(0, len(prepared), BATCH):
            new_ids, _ = registry.add_prepared(prepared[begin : begin + BATCH], source="bench")
            added += len(new_ids)
        seconds = time.perf_counter() - start
        cartridge = registry.store.cartridge
    return {
        "added": added,
        "insert_seconds": round(seconds, 1),
        "rows_per_second": round(added / seconds, 1),
        "cartridge_columns_filled": cartridge,
        "load_before": round(load, 2),
        "load_after": round(_load()[0], 2),
    }


def _timed(registry: Registry, **query: Any) -> tuple[float, list[Any]]:
    start = time.perf_counter()
    hits = list(registry.search(limit=10_000_000, **query))
    return time.perf_counter() - start, hits


def searches(pg_url: str, sqlite_url: str, folder: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"similarity": [], "substructure": []}
    with (
        Registry.open(pg_url, settings=_settings(folder), seed=False) as pg,
        Registry.open(sqlite_url, settings=_settings(folder), seed=False) as lite,
    ):
        assert pg.store.cartridge, "the PostgreSQL registry has no cartridge columns"
        for kind, queries in (("similarity", SIMILAR), ("substructure", SUBSTRUCTURE)):
            for q in queries:
                query = (
                    {"similar": q, "min_similarity": 0.7}
                    if kind == "similarity"
                    else {"substructure": q}
                )
                load = _load()[0]
                pg.store.cartridge = True
                _timed(pg, **query)  # warm the cache once
                in_db, hits_db = _timed(pg, **query)
                pg.store.cartridge = False
                in_proc, hits_proc = _timed(pg, **query)
                lite_s, hits_lite = _timed(lite, **query)
                pg.store.cartridge = True
                out[kind].append(
                    {
                        "query": q,
                        "hits": len(hits_db),
                        "identical": hits_db == hits_proc
                        and [h.name for h in hits_db] == [h.name for h in hits_lite],
                        "cartridge_s": round(in_db, 3),
                        "in_process_s": round(in_proc, 3),
                        "sqlite_in_process_s": round(lite_s, 3),
                        "speed_up": round(in_proc / in_db, 1) if in_db else None,
                        "load": round(load, 2),
                    }
                )
                print(json.dumps(out[kind][-1]), file=sys.stderr)
    return out


_WRITER = """
import sys, json, time
from registry.config import Settings
from registry.service import Registry
url, folder, items = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
settings = Settings.from_env({"REGISTRY_DATA_DIR": folder, "REGISTRY_CACHE_DIR": folder},
                             author="bench", offline=True)
with Registry.open(url, settings=settings, seed=False) as registry:
    start = time.perf_counter()
    for smiles, name in items:
        try:
            registry.add(smiles, name=name, link=True)
        except Exception as error:  # an unreadable structure: counted, not fatal
            print("skip", type(error).__name__, file=sys.stderr)
    print(time.perf_counter() - start)
"""


def writers(admin: str, folder: Path, items: list[tuple[str, str]], per: int) -> list[Any]:
    results = []
    for count in (1, 2, 4):
        url = _new_database(admin)
        with Registry.open(url, settings=_settings(folder), seed=False):
            pass
        chunks = [items[i * per : (i + 1) * per] for i in range(count)]
        load = _load()[0]
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _WRITER, url, str(folder), json.dumps(chunk)],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            for chunk in chunks
        ]
        # Each writer times its own registration loop (process start and imports excluded);
        # throughput is all compounds over the slowest writer's loop.
        loops = [float(proc.communicate()[0].split()[-1]) for proc in procs]
        wall = max(loops)
        start_to_end = time.perf_counter() - start
        with Registry.open(url, settings=_settings(folder), seed=False) as registry:
            registered = registry.count()
        results.append(
            {
                "writers": count,
                "compounds": registered,
                "seconds": round(wall, 2),
                "wall_with_process_start_s": round(start_to_end, 2),
                "per_second": round(registered / wall, 1),
                "load_before": round(load, 2),
            }
        )
        print(json.dumps(results[-1]), file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--writers-n", type=int, default=300, help="structures per writer")
    parser.add_argument("--pg-url", help="admin URL of an existing server (default: start one)")
    parser.add_argument("--workers", type=int, default=None, help="RDKit processes")
    args = parser.parse_args()

    server = None
    admin = args.pg_url
    if admin is None:
        from pg_server import PostgresServer

        server = PostgresServer.start()
        if not server.has_rdkit:
            print("warning: no RDKit cartridge on this server", file=sys.stderr)
        admin = server.url("postgres")
    report: dict[str, Any] = {"n": args.n, "cpus": os.cpu_count()}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            items = structures(args.n)
            report["structures"] = len(items)
            load = _load()[0]
            start = time.perf_counter()
            prepared = prepare_many(items, with_descriptors=False, workers=args.workers)
            prepare_s = time.perf_counter() - start
            report["prepare"] = {
                "seconds": round(prepare_s, 1),
                "per_second": round(len(items) / prepare_s, 1),
                "invalid": sum(p is None for p in prepared),
                "load_before": round(load, 2),
                "load_after": round(_load()[0], 2),
            }
            print(json.dumps(report["prepare"]), file=sys.stderr)
            sqlite_url = f"sqlite:///{folder / 'bench.sqlite'}"
            pg_url = _new_database(admin)
            report["import_sqlite"] = insert_all(sqlite_url, folder, prepared)
            print(json.dumps(report["import_sqlite"]), file=sys.stderr)
            report["import_postgresql"] = insert_all(pg_url, folder, prepared)
            print(json.dumps(report["import_postgresql"]), file=sys.stderr)
            for key in ("import_sqlite", "import_postgresql"):
                report[key]["total_import_seconds"] = round(
                    prepare_s + report[key]["insert_seconds"], 1
                )
            del prepared
            report["search"] = searches(pg_url, sqlite_url, folder)
            writer_items = structures(min(args.n, 71_000))[-4 * args.writers_n :]
            report["writers"] = writers(admin, folder, writer_items, args.writers_n)
    finally:
        if server is not None:
            server.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
