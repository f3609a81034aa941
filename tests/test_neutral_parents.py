"""A charged parent or counter-ion is neutralised into a molecule its SMILES reads back as.

RDKit's Uncharger moves protons without perceiving aromaticity again: a protonated caffeine or
indole written in Kekule form (as PubChem writes them) stayed non-aromatic once neutral, so the
salt's parent was not the free base registered on its own; a cyclopentadienide kept aromatic
flags no neutral ring can have, and its SMILES could not be read back at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdkit import Chem

from registry import chem
from registry.config import Settings
from registry.errors import InvalidStructure
from registry.service import Registry
from registry.sources.chemicals_data import iter_pubchem_rows

CAFFEINE = "Cn1c(=O)c2c(ncn2C)n(C)c1=O"
CAFFEINE_HBR = "C[NH+]1C=NC2=C1C(=O)N(C(=O)N2C)C.[Br-]"  # PubChem CID 21966

# (salt as PubChem writes it, its parent as the neutral molecule, its counter-ions)
SALTS = [
    (CAFFEINE_HBR, CAFFEINE, (("Br", 1),)),
    # CID 21769, an indolium chloride: the free base is an (aromatic) indole
    (
        "C1=CC=C(C=C1)C[NH+]2C=C(C3=CC=CC=C32)CCC4=CC=NC=C4.[Cl-]",
        "c1ccc(Cn2cc(CCc3ccncc3)c3ccccc32)cc1",
        (("Cl", 1),),
    ),
    # CID 27558, a protonated tetrahydroazepinoindole
    ("C[NH+]1C2=C(CCNCC2)C3=CC=CC=C31.[Cl-]", "Cn1c2c(c3ccccc31)CCNCC2", (("Cl", 1),)),
    # cyclopentadienides: neutral cyclopentadienes (protonated where the charge was), not an
    # aromatic ring of four electrons
    ("[CH-]1C=CC=C1.[CH-]1C=CC=C1.[Fe+2]", "C1=CCC=C1", (("[Fe+2]", 1),)),
    ("C[C-]1C=CC=C1.[C-]#[O+].[C-]#[O+].[C-]#[O+].[Mn]", "CC1C=CC=C1", None),
    ("CC[C-]1C=CC=C1.[CH-]1C=CC=C1.[Fe+2]", "CCC1C=CC=C1", (("C1=CCC=C1", 1), ("[Fe+2]", 1))),
]


# Hexafluorophosphate and -arsenate protonated: no sanitisation takes HPF6 or HAsF6, so they
# stay as the Uncharger leaves them.
CHARGED_RING_ATOM = re.compile(r"\[[^\]]*[+-]\d?\](?:\d|%\d\d)|\[(?:[cnops]|se)[^\]]*[+-]")
HYPERVALENT = ("F[PH](F)(F)(F)(F)F", "F[AsH](F)(F)(F)(F)F")


def _reads_back(smiles: str) -> bool:
    mol = Chem.MolFromSmiles(smiles)
    return mol is not None and Chem.MolToSmiles(mol) == smiles


@pytest.mark.parametrize(("salt", "parent", "counterions"), SALTS)
def test_the_parent_is_the_neutral_molecule(
    salt: str, parent: str, counterions: tuple[tuple[str, int], ...] | None
) -> None:
    standardised = chem.standardise(salt)
    assert standardised.parent_smiles == chem.canonical_smiles(parent)
    assert chem.standardise(parent).parent_smiles == standardised.parent_smiles
    assert _reads_back(standardised.parent_smiles)
    if counterions is not None:
        assert standardised.counterions == counterions


def test_every_neutralised_fragment_reads_back_as_itself() -> None:
    # The table's structures with a charged ring atom (a bracket atom with a charge that opens or
    # closes a ring, or a charged aromatic one), where neutralising can change aromaticity:
    # their parents and counter-ions, as registration stores them.
    rows = [r for r in iter_pubchem_rows() if r.smiles and CHARGED_RING_ATOM.search(r.smiles)]
    assert len(rows) > 900  # 987
    unreadable = []
    for row in rows:
        try:
            standardised = chem.standardise(row.smiles)
        except InvalidStructure:  # a few of the table's structures RDKit cannot read at all
            continue
        for smiles in (standardised.parent_smiles, *(s for s, _ in standardised.counterions)):
            if not _reads_back(smiles) and smiles not in HYPERVALENT:
                unreadable.append((row.cid, smiles))
    assert unreadable == []


def test_a_salt_registered_as_pubchem_writes_it_is_linked_to_its_free_base(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_path / "data"), "REGISTRY_CACHE_DIR": str(tmp_path / "c")},
        author="tester",
        offline=True,
    )
    with Registry.open(f"sqlite:///{tmp_path / 'r.sqlite'}", settings=settings, seed=False) as r:
        caffeine = r.add(CAFFEINE, name="caffeine")
        salt = r.add(CAFFEINE_HBR, name="caffeine hydrobromide")
        assert salt.parent_id == caffeine.registry_id
        found = r.search(same_parent=CAFFEINE)
        assert [h.name for h in found] == ["caffeine", "caffeine hydrobromide"]
        similar = r.search(similar=CAFFEINE, min_similarity=1.0)
        assert [h.name for h in similar] == ["caffeine", "caffeine hydrobromide"]
