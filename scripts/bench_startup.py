"""Whole-process start-up of `registry cas 50-78-2` against a minimal two-command typer program.

Both run as `python -c ...` with the same interpreter, alternated, in the same run; the median
of --runs runs each is reported. Target: under 1.3x.

    python scripts/bench_startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
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


def wall(code: str, args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, check=False, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    # An installed package's modules are compiled by pip; this checkout may not be (this machine
    # sets PYTHONDONTWRITEBYTECODE), which would charge every timed process for compiling them.
    compileall.compile_dir(ROOT / "registry", quiet=1)
    baseline, ours = [], []
    for _ in range(args.runs):
        baseline.append(wall(MINIMAL, ["echo", "50-78-2"]))
        ours.append(wall(OURS, ["cas", "50-78-2"]))
    b, o = statistics.median(baseline), statistics.median(ours)
    print(f"minimal typer program : {b * 1000:6.1f} ms (median of {args.runs})")
    print(f"registry cas 50-78-2  : {o * 1000:6.1f} ms")
    print(f"ratio                 : {o / b:6.2f}x (target < 1.3x)")


if __name__ == "__main__":
    main()
