"""What naming a structure costs: a registry id, name or CAS number where a SMILES would do.

On a seeded random sample of --n compounds of the `chemicals` PubChem table (half of them
registered in a fresh SQLite registry, the other half known to the offline index only), side by
side in one run:

1. In process, ``Registry.structures_of`` on the sample given as SMILES (the rule's first check
   only: RDKit reads them), as registry ids, as names and as CAS numbers (the registry, then the
   offline index, for the half it does not hold); per argument, best of --repeat, and each as a
   ratio to SMILES.
2. Whole process, median of --runs, alternated: ``registry draw SMILES``, ``registry draw NAME``
   of a registered compound and of one only the index knows; ``registry show`` of a plain
   compound and of a salt (whose own formula and weight need RDKit).

    python scripts/bench_structure_args.py [--n 200] [--seed 7] [--repeat 3] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import random
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

if TYPE_CHECKING:
    from registry.service import Registry


def best(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from registry import cas
    from registry.config import Settings
    from registry.service import Registry
    from registry.sources.chemicals_data import iter_pubchem_rows

    rows = [
        r
        for r in iter_pubchem_rows()
        if r.smiles and r.common_name and cas.is_valid(r.cas) and "." not in r.smiles
    ]
    sample = random.Random(args.seed).sample(rows, args.n)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        db = f"sqlite:///{folder}/registry.sqlite"
        settings = Settings.from_env({}, data_dir=data, db_url=db, offline=True, author="bench")
        env = dict(os.environ, REGISTRY_DATA_DIR=str(data), REGISTRY_DB=db, REGISTRY_OFFLINE="1")
        with Registry.open(settings=settings, seed=False) as registry:
            half = sample[: args.n // 2]
            ids, refused = registry.add_many([(r.smiles, r.common_name) for r in half])
            registry.add("CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21.Cl", name="sertraline HCl")
            kept = [r for i, r in enumerate(half) if i not in {j for j, _ in refused}]
            registry.structures_of(["caffeine"])  # builds the offline index
            kinds = {
                "SMILES": [r.smiles for r in sample],
                "registry ids": ids,
                "names (half registered)": [r.common_name for r in sample],
                "CAS numbers (half registered)": [r.cas for r in sample],
            }
            times = {
                kind: best(lambda texts=texts: _resolve(registry, texts), args.repeat) / len(texts)
                for kind, texts in kinds.items()
            }
            found = {kind: _resolve(registry, texts) for kind, texts in kinds.items()}
        load = os.getloadavg()[0]
        print(f"{args.n} compounds (seed {args.seed}), {len(ids)} registered; load {load:.1f}")
        print(f"\n1. in process, per argument (best of {args.repeat}):")
        base = times["SMILES"]
        for kind, spent in times.items():
            shown = f"{spent * 1000:8.3f} ms   {spent / base:6.2f}x SMILES"
            print(f"   {kind:32s} {shown}   ({found[kind]} of {len(kinds[kind])} resolved)")

        registered, indexed = kept[0], sample[-1]
        svg = str(Path(folder) / "x.svg")
        commands = {
            "draw SMILES": ["draw", registered.smiles, "-o", svg],
            "draw registered name": ["draw", registered.common_name, "-o", svg],
            "draw index name": ["draw", indexed.common_name, "-o", svg],
            "show plain compound": ["show", registered.common_name],
            "show salt": ["show", "sertraline HCl"],
        }
        walls: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                walls[name].append(_wall(command, env))
        medians = {name: statistics.median(values) for name, values in walls.items()}
        print(f"\n2. whole process, median of {args.runs} (alternated):")
        for name, median in medians.items():
            against = "draw SMILES" if name.startswith("draw") else "show plain compound"
            print(f"   {name:32s} {median:8.3f} s    {median / medians[against]:6.2f}x {against}")


def _resolve(registry: Registry, texts: list[str]) -> int:
    """How many texts resolve (a name several compounds share is left unresolved)."""
    from registry.service.registry_source import RegistrySource
    from registry.service.structure_args import resolve_structures

    mine = RegistrySource(registry.settings, registry=registry)
    found = resolve_structures(texts, registry.settings, [mine], keep_unresolved=True)
    return sum(f.source != "unresolved" for f in found)


def _wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "registry", *command],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
