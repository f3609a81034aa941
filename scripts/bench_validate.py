"""Benchmark for bulk CAS validation: files, in-memory speed and memory.

Generates, in a temporary directory (never in the repository), a two-column CSV of real CAS
numbers from the PubChem table that ``chemicals`` ships, with about 10% of the cells damaged the
way real lists are (wrong check digit, swapped digits, hyphens stripped, spaces around,
Unicode dashes, a ``CAS`` prefix, placeholders, empty cells, text around the number). Then it
measures, in the same run:

1. whole-process wall time of ``python -m registry validate big.csv --output out.csv`` against a
   plain polars read + write copy of the same file: the plain path (``--no-cross-check``, as a
   file without a name column runs), and with the file's ``name`` column cross-checked against
   the offline index (the default for such a file; target: within 3x of the copy);
2. ``registry.validate_many`` on 1M values in memory against a ``stdnum.casrn.is_valid`` loop
   (target: at least 30x), the best of three calls a round against the best of two loops;
3. peak resident memory of the command on a 5M-row and a 10M-row file (the same rows five and
   ten times): it must not grow with the file.

Usage::

    python scripts/bench_validate.py               # 1M rows, 10M rows for memory
    python scripts/bench_validate.py --rows 200000 --big-factor 0   # quick run, no 10M file
    python scripts/bench_validate.py --big-factor 0 --names real    # names the index knows
    python scripts/bench_validate.py --in-memory --runs 5           # part 2 alone

The name column holds ``compound N`` by default (names no source knows: the cross-check looks
every row up and finds nothing); ``--names real`` gives each row its compound's own name, so
every known number is confirmed and the failed checksums are resolved by name (the costlier
case).
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry.sources.chemicals_data import iter_pubchem_rows  # noqa: E402

_DASH = "\u2013"


def _damage(number: str, rng: random.Random) -> str:
    """One of the ways real lists damage a CAS number."""
    kind = rng.random()
    if kind < 0.30:  # a slip in the check digit
        return number[:-1] + str((int(number[-1]) + rng.randint(1, 9)) % 10)
    if kind < 0.45:  # two adjacent digits swapped
        digits = [i for i, c in enumerate(number[:-2]) if c.isdigit() and number[i + 1].isdigit()]
        if digits:
            i = rng.choice(digits)
            return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        return number
    if kind < 0.65:  # hyphens stripped (a spreadsheet turned it into an integer)
        return number.replace("-", "")
    if kind < 0.75:  # surrounding spaces
        return f" {number} "
    if kind < 0.82:  # Unicode dashes from a word processor
        return number.replace("-", _DASH)
    if kind < 0.87:  # a prefix
        return f"CAS {number}"
    if kind < 0.93:  # placeholders
        return rng.choice(["---", "NA", "-", "N/A", f"NOCAS_{rng.randint(100000, 999999)}"])
    if kind < 0.97:
        return ""
    return f"see {number} (hydrate)"


def make_values(
    rows: int, damaged: float = 0.10, seed: int = 3, names: list[str] | None = None
) -> list[str]:
    """``rows`` CAS cells; ``names``, when given, is filled with each row's compound name (of
    the number before it was damaged)."""
    table = [(row.cas, row.common_name or row.iupac_name or "") for row in iter_pubchem_rows()]
    numbers = [number for number, _ in table if number]
    rng = random.Random(seed)
    values = rng.choices(numbers, k=rows)
    if names is not None:
        name_of = dict(reversed(table))  # the first compound of a number
        names[:] = [name_of.get(number, "") for number in values]
    for i in range(rows):
        if rng.random() < damaged:
            values[i] = _damage(values[i], rng)
    return values


def write_csv(
    path: Path, values: list[str], repeat: int = 1, names: list[str] | None = None
) -> None:
    """The CSV: a ``name`` column (``compound N``, no source knows it, unless ``names``) and
    the ``CAS No.`` column."""
    import polars as pl

    column = names if names is not None else [f"compound {i}" for i in range(len(values))]
    frame = pl.DataFrame({"name": column, "CAS No.": values})
    with path.open("wb") as handle:
        handle.write(b"name,CAS No.\n")
        body = frame.write_csv(include_header=False).encode()
        for _ in range(repeat):
            handle.write(body)


def measure(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds of a command, in a fresh wrapper process."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "wall = time.perf_counter() - t\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *command],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024, float(out[2])


def interleaved(commands: list[list[str]], runs: int) -> list[list[tuple[float, float, float]]]:
    """Wall, peak RSS and CPU seconds of each run of each command, runs interleaved.

    Interleaving keeps a burst of load from another process from favouring one command; CPU
    time (user + system) is less sensitive to other processes than wall time.
    """
    results: list[list[tuple[float, float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for i, command in enumerate(commands):
            results[i].append(measure(command))
    return results


def best(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Best wall, highest peak RSS and best CPU seconds of a command's runs."""
    return min(r[0] for r in runs), max(r[1] for r in runs), min(r[2] for r in runs)


def files(args: argparse.Namespace, work: Path, big: Path) -> tuple[list[str], float]:
    """Part 1: the whole-process runs on the file; the validate command and its peak memory
    (MiB), for part 3."""
    copy_cmd = [
        sys.executable,
        "-c",
        "import sys, polars as pl; "
        "pl.scan_csv(sys.argv[1], infer_schema=False).sink_csv(sys.argv[2])",
        str(big),
        str(work / "copy.csv"),
    ]
    validate_cmd = [
        sys.executable,
        "-m",
        "registry",
        "validate",
        str(big),
        "--output",
        str(work / "out.csv"),
        "--fail-on",
        "never",
        "--no-cross-check",
    ]
    cross_cmd = validate_cmd[:-1]  # the default: on, as the file has a name column
    cross_cmd[6] = str(work / "cross.csv")
    # The offline index's name tables are built once per index (then cached): not timed.
    from registry.config import Settings
    from registry.sources.names import NameIndex

    NameIndex(Settings.from_env()).tables()
    copy_runs, validate_runs, cross_runs = interleaved(
        [copy_cmd, validate_cmd, cross_cmd], args.runs
    )
    cross_wall, cross_rss, cross_cpu = best(cross_runs)
    (copy_wall, copy_rss, copy_cpu), (validate_wall, validate_rss, validate_cpu) = (
        best(copy_runs),
        best(validate_runs),
    )
    out_rows = sum(1 for _ in (work / "out.csv").open(encoding="utf-8")) - 1
    ratio = validate_wall / copy_wall
    # Each round's two runs were taken seconds apart, so their ratio is steadier than
    # either wall time when the machine's speed drifts.
    round_ratio = statistics.median(
        v[0] / c[0] for c, v in zip(copy_runs, validate_runs, strict=True)
    )
    print(f"\n1. whole process, {args.rows:,}-row file")
    print(
        f"   polars read+write copy     {copy_wall:6.2f} s wall  {copy_cpu:6.2f} s CPU  "
        f"peak {copy_rss:6.0f} MiB"
    )
    print(
        f"   registry validate --output {validate_wall:6.2f} s wall  "
        f"{validate_cpu:6.2f} s CPU  peak {validate_rss:6.0f} MiB"
    )
    print(
        f"   ... name cross-checked     {cross_wall:6.2f} s wall  "
        f"{cross_cpu:6.2f} s CPU  peak {cross_rss:6.0f} MiB"
    )
    verdict = "OK" if ratio <= 2 else "MISSED"
    print(f"   wall ratio {ratio:.2f}x (plain path; target <= 2x) {verdict}")
    cross_ratio = cross_wall / copy_wall
    verdict = "OK" if cross_ratio <= 3 else "MISSED"
    print(f"   wall ratio {cross_ratio:.2f}x (name column cross-checked; target <= 3x) {verdict}")
    cross_rounds = statistics.median(
        x[0] / c[0] for c, x in zip(copy_runs, cross_runs, strict=True)
    )
    print(
        f"   median of the rounds' ratios {round_ratio:.2f}x (plain), "
        f"{cross_rounds:.2f}x (cross-checked)"
    )
    print(
        f"   CPU ratio  {validate_cpu / copy_cpu:.2f}x (plain), "
        f"{cross_cpu / copy_cpu:.2f}x (cross-checked)"
    )
    print(f"   rows written {out_rows:,} (input {args.rows:,})")

    return validate_cmd, validate_rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-factor", type=int, default=10, help="0 skips the big file")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--names",
        choices=("synthetic", "real"),
        default="synthetic",
        help="the name column: 'compound N' (no source knows it) or each compound's own name "
        "(every row cross-checked, failed checksums resolved by name)",
    )
    parser.add_argument(
        "--in-memory", action="store_true", help="part 2 alone (validate_many against stdnum)"
    )
    args = parser.parse_args()
    # An installed package's modules are compiled by pip; this checkout may not be (this machine
    # sets PYTHONDONTWRITEBYTECODE), which would charge every timed process for compiling them.
    compileall.compile_dir(ROOT / "registry", quiet=1)

    with tempfile.TemporaryDirectory(prefix="bench_validate_") as tmp:
        work = Path(tmp)
        big = work / "big.csv"
        names: list[str] | None = [] if args.names == "real" else None
        values = make_values(args.rows, names=names)
        write_csv(big, values, names=names)
        size = big.stat().st_size / 2**20
        print(f"{args.rows:,} rows, {size:.1f} MiB, in {work}")
        # Other processes on the machine inflate wall times; CPU times and ratios suffer less.
        print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        from registry.bulk import scan

        # Without a C compiler at install the polars expressions do its work, more slowly.
        print(
            "compiled module registry.bulk._scan: "
            + ("built" if scan.compiled() else "NOT built (polars expressions instead)")
        )

        validate_cmd, validate_rss = files(args, work, big) if not args.in_memory else ([], 0.0)

        import polars as pl
        from stdnum import casrn

        import registry

        series = pl.Series(values)

        def timed(function: Callable[[], object]) -> tuple[float, float, object]:
            start, cpu_start = time.perf_counter(), time.process_time()
            value = function()
            return time.perf_counter() - start, time.process_time() - cpu_start, value

        # Interleaved, as in part 1: a machine's speed drifts within minutes, which skews a
        # ratio of runs taken one after the other.
        many_times = []
        stdnum_times = []
        for round_ in range(args.runs):
            # Three calls a round (a fifth of a second each): a burst of load from another
            # process then spoils one of them, not the round's only figure.
            many_times += [timed(lambda: registry.validate_many(values)) for _ in range(3)]
            if round_ < 2:
                stdnum_times.append(
                    timed(lambda: sum(1 for value in values if casrn.is_valid(value)))
                )
        many, many_cpu = min(t[0] for t in many_times), min(t[1] for t in many_times)
        many_series = min(timed(lambda: registry.validate_many(series))[0] for _ in range(3))
        stdnum_time = min(t[0] for t in stdnum_times)
        stdnum_cpu = min(t[1] for t in stdnum_times)
        stdnum_valid = stdnum_times[0][2]
        ours_valid = int(registry.validate_many(values).is_valid.sum())
        speedup = stdnum_time / many
        print(f"\n2. in memory, {args.rows:,} values (10% damaged)")
        print(f"   stdnum.casrn.is_valid loop {stdnum_time:6.3f} s   ({stdnum_valid:,} valid)")
        print(f"   registry.validate_many     {many:6.3f} s   ({ours_valid:,} valid; list input)")
        print(f"   registry.validate_many     {many_series:6.3f} s   (polars Series input)")
        print(f"   speed-up {speedup:.0f}x (target >= 30x) {'OK' if speedup >= 30 else 'MISSED'}")
        print(
            f"   CPU: stdnum {stdnum_cpu:.3f} s, validate_many {many_cpu:.3f} s "
            f"(all threads), {stdnum_cpu / many_cpu:.0f}x"
        )

        print("load average now: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

        if args.big_factor and not args.in_memory:
            big.unlink(missing_ok=True)
            (work / "copy.csv").unlink(missing_ok=True)
            # Memory that follows the file would double from half the big file to all of it;
            # from the benchmark's own file it also grows while the pipeline fills up.
            peaks: list[float] = []
            for factor in (max(1, args.big_factor // 2), args.big_factor):
                huge = work / "huge.csv"
                write_csv(huge, values, repeat=factor)
                if not peaks:
                    print(
                        f"\n3. memory, {args.rows * factor:,} and "
                        f"{args.rows * args.big_factor:,} rows"
                    )
                validate_cmd[4] = str(huge)
                huge_wall, huge_rss, _ = measure(validate_cmd)
                peaks.append(huge_rss)
                print(
                    f"   {args.rows * factor:>11,} rows "
                    f"({huge.stat().st_size / 2**20:.0f} MiB): peak {huge_rss:6.0f} MiB"
                    f"   ({huge_wall:.1f} s)"
                )
                huge.unlink()
            growth = peaks[1] / peaks[0]
            print(f"   ({args.rows:,} rows: peak {validate_rss:.0f} MiB, in part 1)")
            print(
                f"   growth {growth:.2f}x for twice the rows "
                f"{'OK (flat)' if growth < 1.15 else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
