"""Export speed: every format of a registry of N compounds, this checkout against another.

Registers a seeded random sample of N structures from the ``chemicals`` package's PubChem table
(with descriptors, so each record carries its computed properties, as a registry's do), then
exports it as md, csv, json and sdf in fresh processes, alternating this checkout and the tree
given by ``--against`` (e.g. ``git archive <commit> | tar -x -C /tmp/before``) round by round.
The two trees' files must be byte-identical; the medians and their ratio are printed as JSON.

    python scripts/bench_export.py [--n 5000] [--seed 18] [--rounds 3] [--against DIR]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
FORMATS = ("md", "csv", "json", "sdf")

# Run in each tree's own process (its `registry` imported from the working directory).
EXPORT = """
import json, sys, time
from pathlib import Path
from registry.config import Settings
from registry.service import Registry
url, out = sys.argv[1], Path(sys.argv[2])
settings = Settings.from_env({"REGISTRY_DATA_DIR": str(out / "data")}, author="bench", offline=True)
seconds = {}
with Registry.open(url, settings=settings, seed=False) as registry:
    for fmt in sys.argv[3:]:
        start = time.perf_counter()
        registry.export(fmt, out / fmt)
        seconds[fmt] = time.perf_counter() - start
print(json.dumps(seconds))
"""


def export_all(tree: Path, url: str, out: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", EXPORT, url, str(out), *FORMATS],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds: dict[str, float] = json.loads(done.stdout)
    return seconds


def same_files(a: Path, b: Path) -> bool:
    compared = filecmp.dircmp(a, b, ignore=["data"])
    if compared.left_only or compared.right_only or compared.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, compared.common_files, shallow=False)
    return (
        not mismatch and not errors and all(same_files(a / d, b / d) for d in compared.common_dirs)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, default=None, help="another checkout")
    args = parser.parse_args()
    from bench_register import _settings, sample

    from registry.service import Registry

    trees = {"this": ROOT} | ({"against": args.against} if args.against else {})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'export.sqlite'}"
        with Registry.open(url, settings=_settings(folder), seed=False) as registry:
            new_ids, _ = registry.add_many(sample(args.n, args.seed), source="bench")
        runs: dict[str, dict[str, list[float]]] = {t: {f: [] for f in FORMATS} for t in trees}
        for round_ in range(args.rounds):
            order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
            for name in order:
                seconds = export_all(trees[name], url, folder / name)
                for fmt, value in seconds.items():
                    runs[name][fmt].append(value)
        report: dict[str, object] = {
            "compounds": len(new_ids),
            "load": round(os.getloadavg()[0], 2),
            "seconds": {
                t: {f: round(statistics.median(v), 3) for f, v in by_format.items()}
                for t, by_format in runs.items()
            },
        }
        if "against" in trees:
            report["identical_files"] = same_files(folder / "this", folder / "against")
            report["this_over_against"] = {
                f: round(
                    statistics.median(runs["this"][f]) / statistics.median(runs["against"][f]), 3
                )
                for f in FORMATS
            }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
