"""The registered molecule against its stored SMILES read back: what a substructure index built
at registration would match instead of what the plain loop and the cartridge match.

The substructure part of the search index matches each compound's stored SMILES parsed again
(as the plain loop and the PostgreSQL cartridge do), and computing that costs the catch-up a
parse, a pattern fingerprint and a pickle per structure. A registration worker already holds the
standardised molecule whose SMILES is stored; taking its pattern fingerprint and pickle there
would skip the parse. This script measures, over the `chemicals` package's PubChem table (or a
seeded sample of ``--n``), in one run:

- for how many structures the two molecules differ in what a substructure query or the screen
  can test: pattern fingerprint bits, and per atom the element, charge, hydrogen count,
  aromaticity, hybridisation (SMARTS ``^``), radical electrons, ring membership and degree,
  per bond its type and conjugation; organic structures (H, B, C, N, O, F, P, S, Cl, Br, I only)
  counted apart, with examples;
- the CPU microseconds per structure of both ways: parse + pattern fingerprint + pickle of the
  stored SMILES (the catch-up's work) against pattern fingerprint + pickle of the registered
  molecule.

    python scripts/compare_registered_molecules.py [--n 0 (all)] [--seed 18] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rdkit import Chem, RDLogger

from registry.chem.hashing import identifiers_of
from registry.chem.screening import PATTERN_BITS
from registry.chem.standardisation import standardise
from registry.errors import InvalidStructure
from registry.sources.chemicals_data import iter_pubchem_rows

ORGANIC = frozenset({1, 5, 6, 7, 8, 9, 15, 16, 17, 35, 53})
EXAMPLES = 3


def _atom(atom: Chem.Atom) -> dict[str, Any]:
    return {
        "element": atom.GetAtomicNum(),
        "charge": atom.GetFormalCharge(),
        "hydrogens": atom.GetTotalNumHs(),
        "aromatic": atom.GetIsAromatic(),
        "hybridisation": str(atom.GetHybridization()),
        "radicals": atom.GetNumRadicalElectrons(),
        "in_ring": atom.IsInRing(),
        "degree": atom.GetDegree(),
    }


def _differences(registered: Chem.Mol, read_back: Chem.Mol) -> set[str]:
    """What differs between the registered molecule and its SMILES read back."""
    found: set[str] = set()
    pattern = Chem.PatternFingerprint(registered, PATTERN_BITS)
    if pattern != Chem.PatternFingerprint(read_back, PATTERN_BITS):
        found.add("pattern bits")
    # The writer records the order it wrote the atoms in: the read-back's atom i is that one.
    Chem.MolToSmiles(registered)
    order = list(registered.GetPropsAsDict(True, True)["_smilesAtomOutputOrder"])
    same_order = Chem.RenumberAtoms(registered, order)
    for mine, theirs in zip(same_order.GetAtoms(), read_back.GetAtoms(), strict=True):
        a, b = _atom(mine), _atom(theirs)
        found.update(f"atom {name}" for name in a if a[name] != b[name])
    for bond in same_order.GetBonds():
        other = read_back.GetBondBetweenAtoms(bond.GetBeginAtomIdx(), bond.GetEndAtomIdx())
        if other is None:
            found.add("bond missing")
            continue
        if bond.GetBondType() != other.GetBondType():
            found.add("bond type")
        if bond.GetIsConjugated() != other.GetIsConjugated():
            found.add("bond conjugation")
    return found


def _chunk(smiles: list[str]) -> dict[str, Any]:
    RDLogger.DisableLog("rdApp.*")
    kinds: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    registered: list[Chem.Mol] = []
    stored: list[str] = []
    for text in smiles:
        try:
            std = standardise(text)
        except InvalidStructure:
            continue
        registered.append(std.standardised)
        stored.append(identifiers_of(std.standardised).smiles)
    # The two ways of computing a structure's index entry, timed over the whole chunk.
    clock = time.process_time
    start = clock()
    read_back = [Chem.MolFromSmiles(s) for s in stored]
    for mol in read_back:
        if mol is not None:
            Chem.PatternFingerprint(mol, PATTERN_BITS)
            mol.ToBinary()
    from_stored = clock() - start
    start = clock()
    for mol in registered:
        Chem.PatternFingerprint(mol, PATTERN_BITS)
        mol.ToBinary()
    from_registered = clock() - start
    for mol, text, back in zip(registered, stored, read_back, strict=True):
        organic = all(atom.GetAtomicNum() in ORGANIC for atom in mol.GetAtoms())
        group = "organic" if organic else "other"
        found = {"unreadable SMILES"} if back is None else _differences(mol, back)
        kinds[f"{group}: compared"] += 1
        if found:
            kinds[f"{group}: differ"] += 1
        for what in found:
            kinds[f"{group}: {what}"] += 1
            shown = examples.setdefault(f"{group}: {what}", [])
            if len(shown) < EXAMPLES:
                shown.append(text)
    return {
        "kinds": kinds,
        "examples": examples,
        "from_stored_s": from_stored,
        "from_registered_s": from_registered,
        "structures": len(registered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=0, help="a seeded sample of N (0: the table)")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    table = [r.smiles for r in iter_pubchem_rows() if r.smiles]
    if args.n:
        table = random.Random(args.seed).sample(table, args.n)
    chunks = [table[i : i + 500] for i in range(0, len(table), 500)]
    kinds: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    from_stored = from_registered = 0.0
    structures = 0
    with ProcessPoolExecutor(args.workers) as pool:
        for part in pool.map(_chunk, chunks):
            kinds.update(part["kinds"])
            for what, shown in part["examples"].items():
                kept = examples.setdefault(what, [])
                kept.extend(shown[: EXAMPLES - len(kept)])
            from_stored += part["from_stored_s"]
            from_registered += part["from_registered_s"]
            structures += part["structures"]
    print(
        json.dumps(
            {
                "table_rows": len(table),
                "registered": structures,
                "differ": kinds["organic: differ"] + kinds["other: differ"],
                "counts": dict(sorted(kinds.items())),
                "cpu_us_per_structure": {
                    "parse_pattern_pickle_of_stored_smiles": round(
                        from_stored / structures * 1e6, 1
                    ),
                    "pattern_pickle_of_registered_molecule": round(
                        from_registered / structures * 1e6, 1
                    ),
                },
                "examples": dict(sorted(examples.items())),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
