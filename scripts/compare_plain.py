"""`registry validate` of two checkouts on a file WITHOUT a name column, side by side.

``scripts/compare_versions.py`` times a file with a ``name`` column, which a version with
cross-checks validates against the offline index by default. This times the plain path: the
same seeded 1M-row sample with the CAS column alone, the two versions alternating (order
swapped every round), medians of wall and CPU time, and whether the outputs are identical.
Each checkout needs its own ``.venv`` and compiled kernel (see ``compare_versions.py``).

    python scripts/compare_plain.py /tmp/head /work/main --rounds 10
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_validate import make_values
from compare_versions import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="checkout of the first version (the baseline)")
    parser.add_argument("second", type=Path, help="checkout of the second version")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    trees = [args.first.resolve(), args.second.resolve()]
    with tempfile.TemporaryDirectory(prefix="compare_plain_") as tmp:
        source = Path(tmp) / "plain.csv"
        values = make_values(args.rows)
        with source.open("w", encoding="utf-8", newline="") as handle:
            handle.write("CAS No.\n")
            for value in values:
                quoted = '"' + value.replace('"', '""') + '"'
                handle.write((quoted if any(c in value for c in ',"\n\r') else value) + "\n")
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
