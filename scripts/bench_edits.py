"""What editing costs, and what the merge redirect costs every look-up (SQLite).

1. Registers a seeded random sample of N structures from the `chemicals` package's PubChem table
   into a new SQLite registry (``add_many``, no descriptors: they are not what is measured).
2. ``Registry.get(name)`` on random names (K per round, in slices of 20 alternating the two
   variants, times summed): as it runs (every query checks whether the record was merged)
   against the same calls with that step switched off (``merge_targets`` answering "none"
   without a query). The ratio is the price of the redirect check on the commonest read (the
   one query ``load`` spends listing the records merged into a record is in both).
3. ``Registry.edit(id, add_synonyms=[...])``, one transaction each with its checks and its audit
   row, against the floor a hand-written script would pay for the same change: one write
   transaction with one INSERT into ``identifiers``, one UPDATE of ``updated_at`` and one INSERT
   into ``audit`` (SQLAlchemy Core, the same engine and lock).
4. ``Registry.merge`` of K/4 random pairs, each a duplicate holding a CAS number, synonyms and a
   note: merges per second, against the edits of step 3.

The edit variants are alternated ``--rounds`` times on fresh records, and the best round of each
is kept; only ratios taken in this run are compared. Run from the checkout:

    PYTHONPATH=. python scripts/bench_edits.py [--n 2000] [--k 400] [--rounds 3] [--seed 18]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from registry.config import Settings
from registry.service import Registry
from registry.sources.chemicals_data import iter_pubchem_rows
from registry.store import edits as store_edits
from registry.store import key, now
from registry.store.schema import audit, compounds, identifiers


def sample(n: int, seed: int) -> list[str]:
    """``n`` SMILES drawn at random, seeded, from the whole PubChem table."""
    rows = [r.smiles for r in iter_pubchem_rows() if r.smiles]
    return random.Random(seed).sample(rows, min(n, len(rows)))


def _rate(count: int, work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def _best(rounds: int, variants: dict[str, Callable[[int], float]]) -> dict[str, float]:
    """Each variant run ``rounds`` times, alternated; the best rate of each."""
    best = dict.fromkeys(variants, 0.0)
    for round_number in range(rounds):
        for name, variant in variants.items():
            best[name] = max(best[name], variant(round_number))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="structures registered")
    parser.add_argument("--k", type=int, default=400, help="look-ups and edits per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=18, help="of the random sample")
    args = parser.parse_args()
    chooser = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="bench-edits-"))
    settings = Settings.from_env({"REGISTRY_DATA_DIR": str(folder)}, author="bench")
    report: dict[str, Any] = {
        "sample": {"n": args.n, "k": args.k, "rounds": args.rounds, "seed": args.seed},
        "loadavg": os.getloadavg(),
    }
    with Registry.open(f"sqlite:///{folder / 'r.sqlite'}", settings=settings, seed=False) as reg:
        items = [(smiles, f"bench {i}") for i, smiles in enumerate(sample(args.n, args.seed))]
        ids, skipped = reg.add_many(items, with_descriptors=False, workers=1)
        numbers = [int(i.removeprefix("REG-")) for i in ids]
        names = reg.store.names
        with reg.store.read() as connection:
            named = [n for n, _ in names(connection, numbers).values()]
        report["registered"] = {"compounds": len(ids), "skipped": len(skipped)}

        # 2. get, with and without the redirect step, alternated in small slices so that the
        # machine's drift falls on both alike
        original = store_edits.merge_targets
        spent = {"with redirect": 0.0, "without": 0.0}
        slices = max(1, args.k // 20) * args.rounds
        for _ in range(slices):
            for variant in spent:
                wanted = chooser.sample(named, min(20, len(named)))
                store_edits.merge_targets = (
                    original if variant == "with redirect" else (lambda _c, _i: {})
                )
                try:
                    start = time.perf_counter()
                    for name in wanted:
                        reg.get(name)
                    spent[variant] += time.perf_counter() - start
                finally:
                    store_edits.merge_targets = original
        got = {variant: slices * 20 / seconds for variant, seconds in spent.items()}
        report["get per s"] = {k: round(v) for k, v in got.items()}
        report["get: redirect cost"] = f"{got['without'] / got['with redirect'] - 1:.1%}"

        # 3. edit against the hand-written floor
        def edits(round_number: int) -> float:
            chosen = chooser.sample(ids, min(args.k, len(ids)))
            return _rate(
                len(chosen),
                lambda: [reg.edit(i, add_synonyms=[f"edit {round_number}"]) for i in chosen],
            )

        def floor(round_number: int) -> float:
            chosen = chooser.sample(numbers, min(args.k, len(numbers)))

            def work() -> None:
                for number in chosen:
                    value = f"floor {round_number}"
                    with reg.store.write() as connection:
                        connection.execute(
                            insert(identifiers).values(
                                compound_id=number, kind="synonym", value=value,
                                value_key=key(value), role=None, form="", source="user",
                                origin="", exclusive=False, position=1000 + round_number,
                                created_at=now(),
                            )
                        )  # fmt: skip
                        connection.execute(
                            update(compounds)
                            .where(compounds.c.id == number)
                            .values(updated_at=now())
                        )
                        connection.execute(
                            insert(audit).values(
                                at=now(), author="bench", action="add-synonym",
                                compound_id=number, detail=json.dumps({"after": value}),
                            )
                        )  # fmt: skip

            return _rate(len(chosen), work)

        edited = _best(args.rounds, {"Registry.edit": edits, "hand-written SQL": floor})
        report["edit per s"] = {k: round(v) for k, v in edited.items()}
        report["edit / floor"] = f"{edited['Registry.edit'] / edited['hand-written SQL']:.2f}"

        # 4. merges of random pairs (each compound merged at most once)
        pool = list(ids)
        chooser.shuffle(pool)
        pairs = [(pool[j], pool[j + 1]) for j in range(0, min(len(pool) - 1, args.k // 2), 2)]
        for duplicate, _ in pairs:
            reg.edit(duplicate, add_synonyms=["dup a", "dup b"])
            reg.add_note(duplicate, "Usage", f"Note of {duplicate}.")
        merged = _rate(len(pairs), lambda: [reg.merge(a, b) for a, b in pairs])
        report["merge per s"] = round(merged)
        report["merge / edit"] = f"{merged / edited['Registry.edit']:.2f}"
    json.dump(report, sys.stdout, indent=2)
    print()
    print(
        f"get: {got['with redirect']:.0f}/s with the redirect step, {got['without']:.0f}/s "
        f"without ({report['get: redirect cost']} dearer); edit: {edited['Registry.edit']:.0f}/s "
        f"= {report['edit / floor']}x the hand-written floor ({edited['hand-written SQL']:.0f}/s); "
        f"merge: {merged:.0f}/s. Load average {os.getloadavg()[0]:.2f}.",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
