"""Throughput of registry.cas.is_valid against python-stdnum's casrn.is_valid, same run.

Builds 1,000,000 strings from the 71k real CAS numbers in the `chemicals` package's PubChem
table, corrupting about 10% in the ways real files do (whitespace, Unicode dashes, missing
hyphens, spaces inside, prefixes, leading zeros, wrong check digit, swapped digits, letters,
EC-number look-alikes).

    python scripts/bench_cas.py [--n 1000000] [--repeat 3] [--baseline OLD_CAS_PY]

``--baseline`` also times the ``is_valid`` of another copy of ``registry/cas.py`` (say, one kept
from before a change), in the same rounds, so a change is compared side by side.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import time
from collections.abc import Callable
from pathlib import Path

from stdnum import casrn

from registry import cas
from registry.sources.chemicals_data import iter_pubchem_rows


def _corrupt(number: str, rng: random.Random) -> str:
    kind = rng.randrange(10)
    if kind == 0:
        return f" {number}\u00a0"
    if kind == 1:
        return number.replace("-", "\u2013")
    if kind == 2:
        return number.replace("-", "")
    if kind == 3:
        return number[:-1] + " " + number[-1]
    if kind == 4:
        return f"CAS No. {number}"
    if kind == 5:
        return "00" + number
    if kind == 6:
        return number[:-1] + str((int(number[-1]) + rng.randrange(1, 10)) % 10)
    if kind == 7:
        i = rng.randrange(len(number) - 1)
        return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    if kind == 8:
        return number[:2] + "O" + number[3:]
    return f"{rng.randrange(200, 999)}-{rng.randrange(100, 999)}-{rng.randrange(10)}"


def build(n: int, seed: int = 20261123) -> list[str]:
    rng = random.Random(seed)
    real = [row.cas for row in iter_pubchem_rows() if row.cas]
    values = []
    for _ in range(n):
        number = rng.choice(real)
        values.append(_corrupt(number, rng) if rng.random() < 0.1 else number)
    return values


def throughputs(
    checks: dict[str, Callable[[object], bool]], values: list[str], repeat: int
) -> dict[str, float]:
    """Values per second of each check, best of ``repeat`` rounds that take turns."""
    best = dict.fromkeys(checks, float("inf"))
    for _ in range(repeat):
        for name, check in checks.items():
            start = time.perf_counter()
            for value in values:
                check(value)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: len(values) / seconds for name, seconds in best.items()}


def _load(path: Path) -> Callable[[object], bool]:
    """``is_valid`` of the module at ``path``."""
    spec = importlib.util.spec_from_file_location("baseline_cas", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    is_valid: Callable[[object], bool] = module.is_valid
    return is_valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another copy of registry/cas.py to time")
    args = parser.parse_args()
    values = build(args.n)
    checks: dict[str, Callable[[object], bool]] = {
        "registry.cas.is_valid": cas.is_valid,
        "stdnum casrn.is_valid": casrn.is_valid,
    }
    if args.baseline is not None:
        checks["baseline is_valid"] = _load(args.baseline)
    speeds = throughputs(checks, values, args.repeat)
    ours, theirs = speeds["registry.cas.is_valid"], speeds["stdnum casrn.is_valid"]
    accepted = sum(map(cas.is_valid, values))
    print(f"values: {len(values):,} ({accepted:,} valid after normalisation)")
    for name, speed in speeds.items():
        print(f"{name:22s}: {speed / 1e6:6.2f} M/s")
    print(f"ratio                 : {ours / theirs:6.2f}x (target >= 5x)")
    if args.baseline is not None:
        print(f"against the baseline  : {ours / speeds['baseline is_valid']:6.2f}x")


if __name__ == "__main__":
    main()
