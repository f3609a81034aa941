"""Whole-process start-up: `registry cas 50-78-2` against a minimal two-command typer program,
and `import registry` against a bare interpreter.

Every command runs as `python -c ...` with the same interpreter, alternated, in the same run;
the median of --runs runs each is reported. Target: `registry cas` under 1.3x the typer program.

`--against DIR` also times another checkout of the package (its `registry/` imported from DIR,
e.g. `git archive <commit> | tar -x -C /tmp/before`), alternated with this one in the same
rounds, so a change's effect on start-up is measured side by side rather than against a
remembered figure. Run it with an interpreter whose environment has the dependencies but not
an editable install of the package (an editable install's import hook costs every process
tens of milliseconds, and serves one checkout's compiled module to both)::

    python -m venv --without-pip /tmp/bare
    echo "$PWD/.venv/lib/python3.11/site-packages" \
        > /tmp/bare/lib/python3.11/site-packages/main.pth
    /tmp/bare/bin/python scripts/bench_startup.py --against /tmp/before

`--search URL` also times a whole `registry search --similar PROBE --min 0.7` on that registry
(a SQLite URL whose search index is built, e.g. the large registry `bench_search.py --keep DIR`
leaves), in the same rounds; the issue 20 target is under 1 s on 1,000,000 compounds.

    python scripts/bench_startup.py [--runs 21] [--against DIR] [--search URL [--probe SMILES]]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """
import typer
app = typer.Typer()
@app.command()
def echo(args: list[str]) -> None:
    print(*args)
@app.command()
def other() -> None:
    pass
app()
"""
OURS = "from registry.cli import main; main()"
IMPORT = "import registry"
BARE = "pass"


def wall(code: str, args: list[str], cwd: Path = ROOT) -> float:
    """Seconds of one `python -c code args` run in ``cwd`` (whose `registry/` it imports)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, check=False, capture_output=True)
    return time.perf_counter() - start


def checked(tree: Path) -> Path:
    """``tree``, after making sure `registry cas` works there and imports that tree's code."""
    done = subprocess.run(
        [sys.executable, "-c", "import registry, sys; print(registry.__file__)"],
        cwd=tree,
        check=False,
        capture_output=True,
        text=True,
    )
    where = Path(done.stdout.strip() or "?").resolve()
    if done.returncode != 0 or not where.is_relative_to(tree.resolve()):
        sys.exit(f"{tree}: `import registry` gives {where} ({done.stderr.strip()[-200:]})")
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument(
        "--against", type=Path, default=None, help="another checkout, timed in the same rounds"
    )
    parser.add_argument("--search", metavar="URL", default=None, help="a registry to search")
    parser.add_argument("--probe", default="O=S(=O)(O)c1ccccc1O", help="SMILES for --search")
    args = parser.parse_args()
    search_args = None
    if args.search is not None:
        search_args = ["search", "--similar", args.probe, "--min", "0.7", "--db", args.search]
        search_args += ["-f", "json"]
        # offline, with settings of its own: nothing but the registry is read
        os.environ.update(REGISTRY_OFFLINE="1", REGISTRY_DATA_DIR=tempfile.mkdtemp())
    trees = {"this": checked(ROOT)}
    if args.against is not None:
        trees["against"] = checked(args.against)
    # An installed package's modules are compiled by pip; this checkout may not be (this machine
    # sets PYTHONDONTWRITEBYTECODE), which would charge every timed process for compiling them.
    for tree in trees.values():
        compileall.compile_dir(tree / "registry", quiet=1)
    baseline: list[float] = []
    bare: list[float] = []
    cas_runs: dict[str, list[float]] = {name: [] for name in trees}
    imports: dict[str, list[float]] = {name: [] for name in trees}
    searches: dict[str, list[float]] = {name: [] for name in trees}
    if search_args is not None:
        for tree in trees.values():  # a search that fails would be timed as a fast one
            done = subprocess.run(
                [sys.executable, "-c", OURS, *search_args],
                cwd=tree,
                check=False,
                capture_output=True,
                text=True,
            )
            if done.returncode not in (0, 1):
                sys.exit(f"{tree}: registry search failed: {done.stderr.strip()[-300:]}")
    for _ in range(args.runs):
        baseline.append(wall(MINIMAL, ["echo", "50-78-2"]))
        bare.append(wall(BARE, []))
        for name, tree in trees.items():
            cas_runs[name].append(wall(OURS, ["cas", "50-78-2"], tree))
            imports[name].append(wall(IMPORT, [], tree))
            if search_args is not None:
                searches[name].append(wall(OURS, search_args, tree))
    b, p = statistics.median(baseline), statistics.median(bare)
    print(f"medians of {args.runs} alternated runs")
    print(f"minimal typer program  : {b * 1000:6.1f} ms")
    print(f"python -c pass         : {p * 1000:6.1f} ms")
    for name, tree in trees.items():
        o, i = statistics.median(cas_runs[name]), statistics.median(imports[name])
        print(f"[{name}: {tree}]")
        print(f"  registry cas 50-78-2 : {o * 1000:6.1f} ms  {o / b:5.2f}x typer (target < 1.3x)")
        print(f"  import registry      : {i * 1000:6.1f} ms  (+{(i - p) * 1000:.1f} ms over pass)")
        if search_args is not None:
            runs = sorted(searches[name])
            print(
                f"  registry search      : {statistics.median(runs) * 1000:6.1f} ms  "
                f"({runs[0] * 1000:.0f}-{runs[-1] * 1000:.0f} ms)"
            )
    if len(trees) == 2:
        ratio_cas = statistics.median(cas_runs["this"]) / statistics.median(cas_runs["against"])
        ratio_import = statistics.median(imports["this"]) / statistics.median(imports["against"])
        print(f"this / against: registry cas {ratio_cas:.3f}, import registry {ratio_import:.3f}")
        if search_args is not None:
            ratio = statistics.median(searches["this"]) / statistics.median(searches["against"])
            print(f"this / against: registry search {ratio:.3f}")


if __name__ == "__main__":
    main()
