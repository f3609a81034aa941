"""Throughput of registry.chem.descriptors.batch against a serial loop of the same RDKit calls.

Takes 2,000 drug-like SMILES (single component, 150-600 g/mol, C with N or O, no metals) from
the `chemicals` package's PubChem table, seeded, and measures in one run:

- the serial baseline: ``descriptors.profile(smiles)`` (or ``full``) in a plain loop, which is
  exactly what each batch worker does per structure (parse, standardise, descriptors, rules);
- ``descriptors.batch(smiles, workers=N)``: the process pool, start-up included.

Speed-up = serial time / parallel time; parallel efficiency = speed-up / N. Other processes on
the same cores skew wall-clock figures, so the load average is printed before and after, and the
CPU time of each run too: serial CPU / parallel CPU (workers included) is the share of the
pool's work that is useful, an efficiency that does not depend on how busy the machine is.

    python scripts/bench_descriptors.py [--n 2000] [--workers 2] [--repeat 3] [--skip-full]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import time
from collections.abc import Callable

from registry.chem import descriptors
from registry.descriptor_models import Descriptors
from registry.errors import RegistryError
from registry.sources.chemicals_data import iter_pubchem_rows

_METALS = re.compile(r"\[(?:Na|K|Li|Ca|Mg|Fe|Zn|Cu|Co|Ni|Mn|Pt|Pd|Hg|Sn|Al|Ag|Au|B|Si|Se|As)")


def drug_like(n: int, seed: int = 20261123) -> list[str]:
    """``n`` seeded SMILES that look like small-molecule drugs."""
    pool = [
        row.smiles
        for row in iter_pubchem_rows()
        if row.smiles
        and 150 <= row.molecular_weight <= 600
        and "." not in row.smiles
        and "C" in row.smiles
        and ("N" in row.smiles or "O" in row.smiles)
        and not _METALS.search(row.smiles)
    ]
    return random.Random(seed).sample(pool, n)


def serial(values: list[str], compute: Callable[..., Descriptors]) -> int:
    failures = 0
    for value in values:
        try:
            compute(value)
        except RegistryError:
            failures += 1
    return failures


def _cpu() -> float:
    # this process and its reaped children (the pool's workers, joined when a batch ends)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU time of one run."""
    cpu = _cpu()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start, _cpu() - cpu


def interleaved(
    repeat: int, first: Callable[[], object], second: Callable[[], object]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Best (least disturbed) run of each, alternating so both see the same machine."""
    a = b = (float("inf"), float("inf"))
    for _ in range(repeat):
        a = min(a, timed(first))
        b = min(b, timed(second))
    return a, b


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs each")
    parser.add_argument("--skip-full", action="store_true", help="only the default profile")
    args = parser.parse_args()

    values = drug_like(args.n)
    print(
        f"{len(values):,} drug-like SMILES; {args.workers} workers; "
        f"{descriptors.available_cpus()} CPUs available; load average before: {load()}"
    )
    rows = descriptors.batch(values, workers=args.workers)
    failed = sum(not r.ok for r in rows)
    print(f"structures RDKit could not read: {failed}")

    cases: list[tuple[str, Callable[..., Descriptors], bool]] = [
        ("default profile", descriptors.profile, False)
    ]
    if not args.skip_full:
        cases.append(("full set (217)", descriptors.full, True))
    for label, compute, all_descriptors in cases:
        (t_serial, cpu_serial), (t_parallel, cpu_parallel) = interleaved(
            args.repeat,
            lambda c=compute: serial(values, c),  # type: ignore[misc]
            lambda a=all_descriptors: descriptors.batch(  # type: ignore[misc]
                values, workers=args.workers, all_descriptors=a, min_parallel=0
            ),
        )
        speedup = t_serial / t_parallel
        print(
            f"{label:16}: serial {len(values) / t_serial:7.0f}/s   "
            f"batch x{args.workers} {len(values) / t_parallel:7.0f}/s   "
            f"speed-up {speedup:4.2f}x   efficiency {speedup / args.workers:5.1%}   "
            f"(CPU time serial {cpu_serial:.1f} s, parallel {cpu_parallel:.1f} s: "
            f"{cpu_serial / cpu_parallel:5.1%} of the pool's CPU does useful work)"
        )
    print(f"load average after: {load()} (target: efficiency >= 90% on the default profile)")


if __name__ == "__main__":
    main()
