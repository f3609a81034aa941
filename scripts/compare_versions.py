"""Whole-process `registry validate` of two installed versions of the package, side by side.

Each version is a checkout with a venv of its own holding the package's dependencies and its
compiled kernel built in place, and the package itself not installed (so each runs its own
code, compiled module included: see docs/performance.md on the editable-install trap), e.g.::

    git worktree add /tmp/before <commit>   # or: git archive <commit> | tar -x -C /tmp/before
    cd /tmp/before && python -m venv .venv && .venv/bin/pip install '.[dev]' \
        && .venv/bin/pip uninstall -y registry && .venv/bin/python setup.py build_ext --inplace

The two run alternately (the order swapped every round) on one generated 1M-row file from
``scripts/bench_validate.py``; the medians of wall and CPU time and their ratios are printed,
and the two outputs must be byte-identical. ``--plain`` writes the CAS column alone: a file
with a name column is cross-checked against the offline index by versions that can, so this
times the plain path of both.

    python scripts/compare_versions.py /tmp/before /tmp/after --rounds 16 [--plain]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_validate import make_values, write_csv


def run(tree: Path, source: Path, output: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``python -m registry validate`` in ``tree``'s venv."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [str(tree / ".venv/bin/python"), "-m", "registry", "validate", str(source), "-o", output],
        cwd=tree,
        check=False,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some numbers are invalid, as the file means them
        sys.exit(f"{tree}: exit {done.returncode}: {done.stderr.strip()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def write_cas_column(path: Path, values: list[str]) -> None:
    """A CSV of one column, ``CAS No.``, quoted where a value needs it."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("CAS No.\n")
        for value in values:
            quoted = '"' + value.replace('"', '""') + '"'
            handle.write((quoted if any(c in value for c in ',"\n\r') else value) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="checkout of the first version (the baseline)")
    parser.add_argument("second", type=Path, help="checkout of the second version")
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--plain", action="store_true", help="the CAS column alone")
    args = parser.parse_args()
    trees = [args.first.resolve(), args.second.resolve()]
    with tempfile.TemporaryDirectory(prefix="compare_versions_") as tmp:
        source = Path(tmp) / "big.csv"
        if args.plain:
            write_cas_column(source, make_values(args.rows))
        else:
            write_csv(source, make_values(args.rows))
        outputs = [Path(tmp) / "first.csv", Path(tmp) / "second.csv"]
        times: list[list[tuple[float, float]]] = [[], []]
        for round_ in range(args.rounds):
            for i in (0, 1) if round_ % 2 == 0 else (1, 0):
                times[i].append(run(trees[i], source, outputs[i]))
        walls = [statistics.median(t[0] for t in ts) for ts in times]
        cpus = [statistics.median(t[1] for t in ts) for ts in times]
        for tree, wall, cpu in zip(trees, walls, cpus, strict=True):
            print(f"{tree}: wall median {wall:.3f} s, CPU median {cpu:.3f} s")
        print(f"second/first: wall {walls[1] / walls[0]:.3f}, CPU {cpus[1] / cpus[0]:.3f}")
        same = outputs[0].read_bytes() == outputs[1].read_bytes()
        print(f"outputs byte-identical: {same}")


if __name__ == "__main__":
    main()
