"""Lookup speed: start-up, index throughput, and PubChem requests against a fake server.

1. Whole-process `registry lookup 50-78-2 --offline` against `registry cas 50-78-2`, alternated
   in the same run, median of --runs each, twice: without a registry database, and with one
   (seeded with the bundled records). Target: under 2x (the lookup path must not import
   RDKit, polars, pubchempy, or SQLAlchemy unless the registry holds the query).
2. In-process lookups per second from the offline index (1000 different compounds each by CAS,
   name and InChIKey) and from the own registry (seeded with the bundled records).
3. Requests made to look up --names names (with their properties and synonyms) against the fake
   PubChem server (tests/fake_pubchem.py, fed with rows of the chemicals table): our client
   (one CID search per name, then batched POSTs for properties and synonyms) against a plain
   pubchempy loop (`get_compounds(name, "name")` then `.synonyms`); then our second run, which
   must make zero requests. The rate limit is raised for this part (the request count does not
   depend on it; tests check the limiter itself).
4. Requests for the properties of the same --names compounds (``registry properties``, also
   what ``lookup --properties`` adds): computed only, then with --experimental (one PUG-View
   request per CID), each on a fresh cache and again on the filled one; beside them a plain
   pubchempy loop (``get_compounds`` gives the computed ones, one request per name) and that
   loop plus one PUG-View GET per CID (pubchempy has no PUG-View call). Also the share of the
   recorded experimental values (tests/data/pubchem) read to a number and unit.

    python scripts/bench_lookup.py [--runs 11] [--names 200]   (--names 0 skips parts 3-4)
    python scripts/bench_lookup.py --only-properties [--names 200]

The index is built first (in a temporary REGISTRY_DATA_DIR) so start-up is measured warm.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

if TYPE_CHECKING:
    from registry.config import Settings


def wall(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "registry", *args],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
    )
    return time.perf_counter() - start


def startup(runs: int, env: dict[str, str], label: str) -> None:
    wall(["lookup", "50-78-2", "--offline"], env)  # builds the index once
    cas_times, lookup_times = [], []
    for _ in range(runs):
        cas_times.append(wall(["cas", "50-78-2"], env))
        lookup_times.append(wall(["lookup", "50-78-2", "--offline"], env))
    c, lk = statistics.median(cas_times), statistics.median(lookup_times)
    print(f"[{label}]")
    print(f"  registry cas 50-78-2              : {c * 1000:7.1f} ms (median of {runs})")
    print(f"  registry lookup 50-78-2 --offline : {lk * 1000:7.1f} ms   ratio {lk / c:.2f}x")


def throughput(settings: Settings) -> None:
    """Lookups of 1000 different compounds per kind (every 71st table row), best of 5 rounds.

    Different compounds, not one query repeated, so the figure includes the b-tree descent to
    rows that are not in SQLite's page cache yet.
    """
    from registry.identifiers import QueryKind, classify
    from registry.sources.chain import lookup_many
    from registry.sources.chemicals_data import iter_pubchem_rows
    from registry.sources.reference import ReferenceIndex, ReferenceSource

    index = ReferenceIndex(settings)
    rows = [r for i, r in enumerate(iter_pubchem_rows()) if i % 71 == 0][:1000]
    kinds = {
        "cas": [r.cas for r in rows if r.cas],
        "name": [r.common_name for r in rows if r.common_name],
        "inchikey": [r.inchikey for r in rows if r.inchikey],
    }
    for kind, texts in kinds.items():
        queries = [q for q in map(classify, texts) if q.kind is QueryKind(kind)]
        index.find(queries[0])
        best = min(_timed(lambda qs=queries: [index.find(q) for q in qs]) for _ in range(5))
        per = best / len(queries)
        print(f"index find   {kind:<9}: {1 / per:9.0f} /s ({per * 1e6:6.1f} us), n={len(queries)}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"(load average {load}: the figures are only comparable on a quiet machine)")
    chain = [ReferenceSource(settings, index)]
    names = kinds["cas"]
    best = min(_timed(lambda: lookup_many(names, settings, chain)) for _ in range(3))
    per = best / len(names)
    print(f"lookup_many  cas (classify+index+flags): {per * 1e6:6.1f} us per query")


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def registry_throughput(settings: Settings) -> None:
    from registry.identifiers import classify
    from registry.service.registry import Registry
    from registry.service.registry_source import RegistrySource

    def opener(settings: Settings) -> Registry:
        return Registry.open(settings=settings)

    source = RegistrySource(settings, "exists", opener=opener)
    for query in ("milnacipran", "92623-85-3"):
        q = [classify(query)]
        assert source.find_many(q)[0], query  # opens the registry (seeded in startup) once
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1.0:
            source.find_many(q)
            n += 1
        rate = n / (time.perf_counter() - start)
        print(f"registry lookup {q[0].kind:<6} {query:<28}: {rate:9.0f} /s ({1e6 / rate:6.1f} us)")
    source.close()


def requests(names_count: int, settings: Settings) -> None:
    import pubchempy
    from fake_pubchem import FakePubChem, compounds_from_chemicals

    from registry.identifiers import classify
    from registry.sources.pubchem import PubChemClient

    compounds = compounds_from_chemicals(names_count, start=1000)
    names = [c.title for c in compounds]
    with FakePubChem(compounds) as server:
        fast = settings.replace(
            pubchem_url=server.url, pubchem_rate_per_second=1000, pubchem_rate_per_minute=100000
        )
        queries = [classify(n) for n in names]
        start = time.perf_counter()
        ours = PubChemClient(fast).candidates(queries)
        ours_time = time.perf_counter() - start
        ours_requests = len(server.requests)
        found = sum(1 for c in ours if c)
        server.reset()
        PubChemClient(fast).candidates(queries)
        second = len(server.requests)
        server.reset()
        old_base = pubchempy.API_BASE
        pubchempy.API_BASE = server.url  # pubchempy reads it at each call
        try:
            start = time.perf_counter()
            plain = 0
            for name in names:
                for compound in pubchempy.get_compounds(name, "name"):
                    _ = compound.synonyms
                    plain += 1
            plain_time = time.perf_counter() - start
        finally:
            pubchempy.API_BASE = old_base
        plain_requests = len(server.requests)
    print(f"{len(names)} names, found by ours {found}, by pubchempy {plain} compounds")
    print(f"plain pubchempy loop : {plain_requests:4d} requests ({plain_time:.2f} s, unthrottled)")
    print(f"registry client      : {ours_requests:4d} requests ({ours_time:.2f} s)")
    print(f"registry, second run : {second:4d} requests (cache)")


def property_requests(names_count: int, settings: Settings) -> None:
    import urllib.request

    import pubchempy
    from fake_pubchem import FakePubChem, compounds_from_chemicals

    from registry.service.pubchem_properties import properties_many

    compounds = compounds_from_chemicals(names_count, start=1000)
    names = [c.title for c in compounds]
    with FakePubChem(compounds) as server, tempfile.TemporaryDirectory() as tmp:
        fast = settings.replace(pubchem_url=server.url, pubchem_rate_per_second=1000,
                                pubchem_rate_per_minute=100000)  # fmt: skip
        for label, experimental in (("--properties (computed)", False), ("--experimental", True)):
            run = fast.replace(cache_dir=Path(tmp) / label.strip("-").split()[0])
            server.reset()
            found = properties_many(names, run, experimental=experimental, rdkit=False)
            first, views = len(server.requests), len(server.view_requests())
            server.reset()
            properties_many(names, run, experimental=experimental, rdkit=False)
            again = len(server.requests)
            answered = sum(1 for r in found if r.cid is not None and not r.error)
            print(f"registry properties {label:<24}: first run {first:4d} requests "
                  f"({views} PUG-View), cached run {again:4d}; {answered} answered")  # fmt: skip
        server.reset()
        old_base = pubchempy.API_BASE
        pubchempy.API_BASE = server.url
        try:
            cids = [c.cid for name in names for c in pubchempy.get_compounds(name, "name")][:]
        finally:
            pubchempy.API_BASE = old_base
        plain = len(server.requests)
        view_base = server.url.replace("/pug", "/pug_view")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for cid in cids:
            with contextlib.suppress(OSError):  # a 404 (no record) is still a request
                opener.open(f"{view_base}/data/compound/{cid}/JSON").read()
        print(f"plain pubchempy get_compounds loop          : {plain:4d} requests (no cache)")
        print(f"  plus one PUG-View GET per CID             : {len(server.requests):4d} requests")
    parsed_share()


def parsed_share() -> None:
    import json

    from registry.sources.pubchem.pug_view import NAMED, read_record

    data = ROOT / "tests" / "data" / "pubchem" / "cheminfo"
    values = [
        p
        for path in sorted(data.glob("*.json"))
        if '"Record"' in path.read_text(encoding="utf-8")[:200]
        for p in read_record(json.loads(path.read_text(encoding="utf-8")), "").experimental
    ]
    named = [p for p in values if p.name in NAMED]
    for label, group in (("the named properties", named), ("every heading", values)):
        parsed = sum(p.value is not None for p in group)
        print(f"recorded experimental values, {label:<20}: {parsed}/{len(group)} read to a "
              f"number and unit ({parsed / len(group):.0%}), the rest kept as text")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--names", type=int, default=200)
    parser.add_argument("--only-properties", action="store_true", help="only part 4")
    args = parser.parse_args()
    # An installed package's modules are compiled by pip; this checkout may not be (this machine
    # sets PYTHONDONTWRITEBYTECODE), which would charge every timed process for compiling them.
    compileall.compile_dir(ROOT / "registry", quiet=1)
    from registry.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "REGISTRY_DATA_DIR": f"{tmp}/data", "REGISTRY_CACHE_DIR": f"{tmp}/c"}
        env.pop("REGISTRY_OFFLINE", None)
        settings = Settings.from_env(env)
        if args.only_properties:
            property_requests(args.names, settings)
            return
        startup(args.runs, env, "no registry database")
        # The registry database exists, seeded with the bundled records, and does not hold
        # aspirin: the own registry is still asked first (through the stdlib probe).
        wall(["lookup", "milnacipran", "--offline"], env)  # creates and seeds it
        assert Path(f"{tmp}/data/registry.sqlite").exists()
        startup(args.runs, env, "registry database with the bundled records")
        throughput(settings)
        registry_throughput(settings)
        if args.names:
            requests(args.names, settings)
            property_requests(args.names, settings)


if __name__ == "__main__":
    main()
