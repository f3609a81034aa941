"""Search index entries computed at registration: the same molecule to every query as the
stored SMILES read back (what the plain loop and the cartridge match), and only ever a hint.

A bulk registration computes each structure's substructure entry in its workers, from the
standardised molecule when it is settled (``Standardised.standardised_settled``) and from the
SMILES read back otherwise, and offers the entries to the next catch-up.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rdkit import Chem, RDLogger
from test_search_index import pubchem, same_substructure

from registry.chem import screening
from registry.chem.hashing import identifiers_of
from registry.chem.standardisation import standardise
from registry.config import Settings
from registry.service import Registry, search_index
from registry.sources.chemicals_data import iter_pubchem_rows

# Structures whose standardised molecule differs from its SMILES read back (a covalent metal the
# disconnector splits, a cyclopentadienyl complex, a thiocyanate the reionizer protonates), and
# some whose does not though a cleanup step ran or a hydrogen is written bracketed.
TRICKY = [
    "CC(=O)O[Hg]c1ccccc1",  # disconnected: Hg2+ and acetate, phenyl anion
    "[Na]OC(=O)c1ccccc1",
    "C1=CCC=C1.[C-]1=CC=C[CH-]1.[Cl-].[Cl-].[Ti+4]",
    "CC(=O)c1ccccc1.N#C[S-].OS(=O)(=O)O.[NH4+]",
    "[O-]c1ccc(cc1)C(=O)O.[Na+]",
    "[Al+3].[F-].[F-].[F-]",
    "[O-2].[O-2].[OH-].[OH-].[W+6]",
    "O=[N+]([O-])c1ccccc1",  # reionizer screen matches, nothing moves
    "CCCC[Sn](CCCC)(CCCC)CCCC",  # read back as [CH2][Sn]: bracketed hydrogens
    "CC(=O)OC1CN2CCC1CC2",  # bridged: ring counts
    "OC(=O)CC[NH3+]",
    "C[NH+]1C=NC2=C1C(=O)N(C(=O)N2C)C.[Br-]",
]
# What a query can test: hybridisation, implicit hydrogens, ring counts and sizes, valence,
# degree, charge, radicals, aromaticity and bond types.
QUERIES = [
    "[^3]", "[^2]", "[^1]", "[C^2]", "[O;^3]", "[#6;h2]", "[#6;h0]", "[C;h3]", "[R2]", "[R3]",
    "[x3]", "[r5]", "[r6]", "[v4]", "[v2]", "[X4]", "[D1]", "[+]", "[-]", "[#6-]", "[#6;+0;X3]",
    "a", "[a;r5]", "A~A", "*=*", "*#*", "*:*", "[#6]@[#6]", "[$([#6]=[#8])]", "[Sn][CH2]",
    "[Hg]", "[Ti]", "[#6]-[#8]", "[*;!R]", "[N;H3+]", "[S-,S;H1]",
]  # fmt: skip


@pytest.fixture(scope="module")
def table_sample() -> list[str]:
    rows = [r.smiles for r in iter_pubchem_rows() if r.smiles]
    return TRICKY + random.Random(20).sample(rows, 1500)


def _both(smiles: str) -> tuple[tuple[bytes, bytes], tuple[bytes, bytes], bool]:
    std = standardise(smiles)
    stored = identifiers_of(std.standardised).smiles
    ours = screening.registered_entry(std, stored)
    row, pickle = screening.molecule_entry(stored)
    return ours, (row.tobytes(), pickle), std.standardised_settled


def test_registration_entries_answer_every_query_as_the_stored_smiles(
    table_sample: list[str],
) -> None:
    RDLogger.DisableLog("rdApp.*")
    queries = [Chem.MolFromSmarts(q) for q in QUERIES]
    settled = 0
    for smiles in table_sample:
        ours, theirs, is_settled = _both(smiles)
        settled += is_settled
        assert ours[0] == theirs[0], smiles  # the same pattern bits: the same screen
        mine, read_back = Chem.Mol(ours[1]), Chem.Mol(theirs[1])
        for text, query in zip(QUERIES, queries, strict=True):
            assert mine.HasSubstructMatch(query) == read_back.HasSubstructMatch(query), (
                smiles,
                text,
            )
    assert settled > 0.9 * len(table_sample)  # nearly all skip the read back


@pytest.mark.parametrize(
    ("smiles", "settled"),
    [
        ("CC(=O)O[Hg]c1ccccc1", False),  # the disconnector split a bond
        ("[O-]c1ccc(cc1)C(=O)O.[Na+]", False),  # the reionizer moved a proton
        ("O=[N+]([O-])c1ccccc1", True),  # the reionizer ran and changed nothing
        ("[Na+].[Cl-]", True),  # the disconnector ran and changed nothing
        ("CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl", True),
    ],
)
def test_settled_means_no_step_changed_an_atom_unsanitised(smiles: str, settled: bool) -> None:
    assert standardise(smiles).standardised_settled is settled


def test_an_unsettled_molecule_is_read_back_a_settled_one_is_not() -> None:
    std = standardise("CC(=O)O[Hg]c1ccccc1")
    stored = identifiers_of(std.standardised).smiles
    assert screening.registered_entry(std, stored)[1] == screening.molecule_entry(stored)[1]
    std = standardise("O=[N+]([O-])c1ccccc1C")  # the reionizer ran and moved nothing
    stored = identifiers_of(std.standardised).smiles
    assert std.unsanitised_steps
    assert screening.registered_entry(std, stored)[1] == std.settled_pickle()
    assert std.settled_pickle() != screening.molecule_entry(stored)[1]  # atoms in another order


@pytest.fixture
def empty(tmp_path: Path, offline: Settings) -> Iterator[Registry]:
    with Registry.open(f"sqlite:///{tmp_path / 'r.sqlite'}", settings=offline, seed=False) as r:
        yield r


def _offers(reg: Registry) -> list[Path]:
    files = reg.store.search_index
    assert files is not None
    return sorted(files.directory.glob("offered-*.seg"))


def test_a_bulk_registration_offers_its_entries_and_the_catch_up_takes_them(
    empty: Registry,
) -> None:
    structures = [(s, "") for s in TRICKY] + pubchem(700, skip=5000)
    first, _ = empty.add_many(structures[:230], workers=1)  # too few to offer anything
    assert not _offers(empty)
    empty.add_many(structures[230:], workers=2)
    assert len(_offers(empty)) == 1
    heard: list[tuple[int, int]] = []
    empty.search(substructure="c1ccccc1", progress=lambda d, t: heard.append((d, t)))
    # the catch-up computed the rows of the first batch only, and deleted the offer
    assert heard == [(len(first), len(first))]
    assert not _offers(empty)
    status = search_index.status(empty.store)
    assert status["index_substructure"] == "current"
    assert status["index_substructure_rows"] == empty.count() == len(structures)
    hits = [same_substructure(empty, q) for q in QUERIES]
    assert sum(hits) > 1000


def _offer_of(smiles: list[bytes], entries: list[tuple[np.ndarray, bytes]]) -> dict[str, Any]:  # type: ignore[type-arg]
    return search_index._offer_arrays(
        [
            (text, (row.tobytes(), pickle))
            for text, (row, pickle) in zip(smiles, entries, strict=True)
        ]
    )


def test_an_offer_is_only_a_hint(empty: Registry) -> None:
    files = empty.store.search_index
    assert files is not None
    empty.add_many(pubchem(420, skip=9000), workers=1, with_descriptors=False)
    (offered,) = _offers(empty)
    read = files._read_file(offered)
    assert read is not None
    starts, text = read[2]["smiles_offsets"], bytes(read[2]["smiles"])
    smiles = [text[starts[i] : starts[i + 1]] for i in range(len(starts) - 1)]
    # Entries that would be wrong for every compound (benzene's), in offers that must not be
    # used: another engine's (deleted), a damaged file (deleted), arrays that disagree.
    wrong = _offer_of(smiles, [screening.molecule_entry("c1ccccc1")] * len(smiles))
    files.offer({**search_index.engine_tag(), "rdkit": "1999.01"}, wrong)
    damaged = files.directory / "offered-0000.seg"
    damaged.write_bytes(offered.read_bytes()[:300])
    files.offer(search_index.engine_tag(), {**wrong, "patterns": wrong["patterns"][1:]})
    # and an entry for a SMILES nobody registered, which adds no row
    stray = "CCCCCCCCCCCCCCCCCCCCCCCC(=O)O"
    files.offer(
        search_index.engine_tag(), _offer_of([stray.encode()], [screening.molecule_entry(stray)])
    )
    assert len(files.offers(search_index.engine_tag())) == 3
    assert not damaged.exists()
    for query in ("[#7]", "C(=O)O", "[^2]", "[R2]"):
        same_substructure(empty, query)
    assert search_index.status(empty.store)["index_substructure_rows"] == 420
    assert not _offers(empty)


def test_no_offer_without_an_index_or_for_a_small_batch(tmp_path: Path, offline: Settings) -> None:
    with Registry.open("sqlite://", settings=offline, seed=False) as memory:
        assert not search_index.entries_wanted(memory.store, 10_000)
        added, _ = memory.add_many(pubchem(400), workers=1, with_descriptors=False)
        assert len(added) == 400
    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    with Registry.open(url, settings=offline, seed=False) as small:
        assert search_index.entries_wanted(small.store, 400)
        assert not search_index.entries_wanted(small.store, 399)
        small.add_many(pubchem(399), workers=1, with_descriptors=False)
        assert not _offers(small)
