"""Registration's search index entries against the catch-up's: the same molecule to a query?

The substructure part of the search index matches each compound's stored SMILES read back (as
the plain loop and the PostgreSQL cartridge do). Registration computes the entry (pattern
fingerprint and molecule pickle, ``screening.registered_entry``) from the standardised molecule
it holds when that molecule is settled (``Standardised.standardised_settled``: as sanitisation
leaves a molecule), and from the SMILES read back otherwise. This script checks that rule over
the `chemicals` package's PubChem table (or a seeded sample of ``--n``), in one run:

- for how many structures registration's entry and the read-back entry differ in what a
  substructure query or the screen can test: the pattern row, and after unpickling, per atom
  the element, isotope, charge, hydrogen count, aromaticity, hybridisation (SMARTS ``^``),
  radical electrons, valence, degree and total degree, ring count, smallest ring and ring
  bonds, per bond its type, aromaticity, conjugation and ring count; settled structures and
  those read back counted apart, with examples;
- the CPU microseconds per structure of both ways of computing the entries.

``--given`` registers each structure as the table's SMILES (default), as Kekule SMILES, or as a
Molfile with 2D coordinates, with or without its hydrogens as atoms (``molfile``, ``molfile-h``):
the rule must hold whatever the form a structure arrives in.

    python scripts/compare_registered_molecules.py [--n 0 (all)] [--seed 18] [--workers 2]
        [--given smiles|kekule|molfile|molfile-h]
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
from rdkit.Chem import AllChem

from registry.chem.hashing import identifiers_of
from registry.chem.screening import PATTERN_BITS, molecule_entry, registered_entry
from registry.chem.standardisation import standardise
from registry.errors import InvalidStructure
from registry.sources.chemicals_data import iter_pubchem_rows

EXAMPLES = 3


def _atom(atom: Chem.Atom) -> dict[str, Any]:
    ring = atom.GetOwningMol().GetRingInfo()
    index = atom.GetIdx()
    return {
        "element": atom.GetAtomicNum(),
        "isotope": atom.GetIsotope(),
        "charge": atom.GetFormalCharge(),
        # Whether those hydrogens are implicit or bracketed (``[CH2]``) is no property a query
        # tests: SMARTS ``h`` counts both (tests/test_search_index.py checks it).
        "hydrogens": atom.GetTotalNumHs(),
        "aromatic": atom.GetIsAromatic(),
        "hybridisation": str(atom.GetHybridization()),
        "radicals": atom.GetNumRadicalElectrons(),
        "valence": atom.GetTotalValence(),
        "degree": atom.GetDegree(),
        "total degree": atom.GetTotalDegree(),
        "rings": ring.NumAtomRings(index),
        "smallest ring": ring.MinAtomRingSize(index),
        "ring bonds": sum(b.IsInRing() for b in atom.GetBonds()),
    }


def _bond(bond: Chem.Bond) -> dict[str, Any]:
    ring = bond.GetOwningMol().GetRingInfo()
    return {
        "type": str(bond.GetBondType()),
        "aromatic": bond.GetIsAromatic(),
        "conjugation": bond.GetIsConjugated(),
        "rings": ring.NumBondRings(bond.GetIdx()),
    }


def _written_order(mol: Chem.Mol) -> list[int]:
    """The atoms in the order the last SMILES written of ``mol`` wrote them."""
    return list(mol.GetPropsAsDict(True, True)["_smilesAtomOutputOrder"])


def _differences(registered: Chem.Mol, read_back: Chem.Mol) -> set[str]:
    """What differs between two molecules (their index entries unpickled)."""
    found: set[str] = set()
    if Chem.PatternFingerprint(registered, PATTERN_BITS) != Chem.PatternFingerprint(
        read_back, PATTERN_BITS
    ):
        found.add("pattern bits")
    if registered.GetNumAtoms() != read_back.GetNumAtoms():
        return found | {"atom count"}
    # Both written as canonical SMILES: when the two strings agree, the k-th atom written of
    # one is the k-th of the other (the writer records the order; renumbering a copy instead
    # would perceive its rings anew). RDKit's canonical order is not always the same for a
    # molecule and its SMILES read back (some symmetric cages): then a match of one onto the
    # other pairs the atoms.
    orders = []
    for mol in (registered, read_back):
        orders.append((Chem.MolToSmiles(mol), _written_order(mol)))
    (mine, order), (theirs, their_order) = orders
    if mine == theirs:
        position = dict(zip(order, their_order, strict=True))
    else:
        match = read_back.GetSubstructMatch(registered)
        if len(match) != registered.GetNumAtoms():
            return found | {"structure"}
        position = dict(enumerate(match))
    for atom, other_atom in position.items():
        a = _atom(registered.GetAtomWithIdx(atom))
        b = _atom(read_back.GetAtomWithIdx(other_atom))
        found.update(f"atom {name}" for name in a if a[name] != b[name])
    for bond in registered.GetBonds():
        begin, end = position[bond.GetBeginAtomIdx()], position[bond.GetEndAtomIdx()]
        other = read_back.GetBondBetweenAtoms(begin, end)
        if other is None:
            found.add("bond missing")
            continue
        a, b = _bond(bond), _bond(other)
        found.update(f"bond {name}" for name in a if a[name] != b[name])
    return found


def _given(smiles: str, form: str) -> str:
    """The structure as a user might submit it."""
    if form == "smiles":
        return smiles
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return smiles
    if form == "kekule":
        return str(Chem.MolToSmiles(mol, kekuleSmiles=True))
    if form == "molfile-h":
        mol = Chem.AddHs(mol)
    AllChem.Compute2DCoords(mol)
    return str(Chem.MolToMolBlock(mol))


def _chunk(smiles: list[str], form: str = "smiles") -> dict[str, Any]:
    RDLogger.DisableLog("rdApp.*")
    kinds: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    registered: list[tuple[Chem.Mol, str, bool]] = []
    for text in smiles:
        try:
            std = standardise(_given(text, form))
        except InvalidStructure:
            continue
        stored = identifiers_of(std.standardised).smiles
        registered.append((std, stored, std.standardised_settled))
    # Registration's entries against the catch-up's (every SMILES read back), timed.
    clock = time.process_time
    start = clock()
    ours = [registered_entry(std, stored) for std, stored, _ in registered]
    at_registration = clock() - start
    start = clock()
    theirs = [molecule_entry(stored) for _, stored, _ in registered]
    read_back = clock() - start
    for (_, stored, settled), (row, entry), (their_row, their_entry) in zip(
        registered, ours, theirs, strict=True
    ):
        group = "settled" if settled else "read back"
        kinds[f"{group}: compared"] += 1
        found = set()
        if row != their_row.tobytes():
            found.add("pattern row")
        if entry != their_entry:
            if entry.startswith(b"\x00") or their_entry.startswith(b"\x00"):
                found.add("unreadable SMILES")
            else:
                found |= _differences(Chem.Mol(entry), Chem.Mol(their_entry))
        if found:
            kinds[f"{group}: differ"] += 1
        for what in found:
            kinds[f"{group}: {what}"] += 1
            shown = examples.setdefault(f"{group}: {what}", [])
            if len(shown) < EXAMPLES:
                shown.append(stored)
    return {
        "kinds": kinds,
        "examples": examples,
        "at_registration_s": at_registration,
        "read_back_s": read_back,
        "structures": len(registered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=0, help="a seeded sample of N (0: the table)")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--given", choices=("smiles", "kekule", "molfile", "molfile-h"), default="smiles"
    )
    args = parser.parse_args()

    table = [r.smiles for r in iter_pubchem_rows() if r.smiles]
    if args.n:
        table = random.Random(args.seed).sample(table, args.n)
    chunks = [table[i : i + 500] for i in range(0, len(table), 500)]
    kinds: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    at_registration = read_back = 0.0
    structures = 0
    with ProcessPoolExecutor(args.workers) as pool:
        for part in pool.map(_chunk, chunks, [args.given] * len(chunks)):
            kinds.update(part["kinds"])
            for what, shown in part["examples"].items():
                kept = examples.setdefault(what, [])
                kept.extend(shown[: EXAMPLES - len(kept)])
            at_registration += part["at_registration_s"]
            read_back += part["read_back_s"]
            structures += part["structures"]
    print(
        json.dumps(
            {
                "given": args.given,
                "table_rows": len(table),
                "registered": structures,
                "differ": kinds["settled: differ"] + kinds["read back: differ"],
                "counts": dict(sorted(kinds.items())),
                "cpu_us_per_structure": {
                    "entry_read_back_from_stored_smiles": round(read_back / structures * 1e6, 1),
                    "entry_at_registration": round(at_registration / structures * 1e6, 1),
                },
                "examples": dict(sorted(examples.items())),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
