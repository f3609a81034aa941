"""Standardisation: clean a structure up and split it into its parent and counter-ions.

The steps follow the ChEMBL structure pipeline and RDKit's ``MolStandardize``:

1. ``standardised``: the whole structure (counter-ions included) after RDKit's ``Cleanup``
   (remove explicit hydrogens, disconnect metals, normalise functional groups, reionise).
2. ``parent``: the fragments that are not on RDKit's salt and solvent list; if every fragment is on
   the list (sodium acetate, or plain ethanol), all fragments stay candidates, so nothing vanishes.
   Of the candidates, the largest organic fragment (RDKit's ``LargestFragmentChooser`` with
   ``preferOrganic``) is the parent, then it is neutralised (``Uncharger``). Stereo is kept.
3. ``counterions``: every other fragment, neutralised where a neutral form exists, as canonical
   SMILES with its count. Hydrogen chloride is reported as ``"Cl"`` (RDKit's canonical SMILES,
   implicit hydrogen), which is also PubChem's component compound for hydrochlorides (CID 313);
   ``"[Cl-]"`` in the input is reported the same way, so both spellings of a hydrochloride link
   to the same counter-ion. Ions without a neutral form stay charged (``"[Na+]"``).

The ``Mol`` given is never modified; a structure that cannot be read or standardised raises
:class:`registry.errors.InvalidStructure`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from rdkit import Chem
from rdkit.Chem.MolStandardize import rdMolStandardize

from registry.chem.structures import Structure, capture_rdkit_log, parse
from registry.errors import InvalidStructure

__all__ = ["Standardised", "cleanup", "standardise"]


@dataclass(frozen=True, slots=True)
class Standardised:
    """A structure as submitted, standardised, and split into parent and counter-ions.

    Attributes:
        submitted: the structure as parsed, untouched.
        standardised: the whole structure after cleanup, normalisation and reionisation.
        parent: the largest organic fragment not on the salt list, neutralised.
        counterions: ``(canonical SMILES, count)`` of every other fragment, neutralised where a
            neutral form exists, sorted by SMILES; ``(("Cl", 1),)`` for a hydrochloride.
        parent_count: how many copies of the parent the structure holds (2 in a hemisulfate).
        parent_settled: the parent is exactly as RDKit's sanitisation leaves a molecule (no
            charge was neutralised, no metal disconnected after it), so sanitising it again
            changes nothing; descriptors use this to share values with QED, which re-sanitises.
        unsanitised_steps: (input, output) of each cleanup step that ran and changes atoms
            without perceiving aromaticity, hybridisation, radicals and conjugation again (the
            MetalDisconnector, the Reionizer); see :attr:`standardised_settled`.
        is_salt: the structure has components besides the parent (a salt, solvate or mixture).
    """

    submitted: Chem.Mol
    standardised: Chem.Mol
    parent: Chem.Mol
    counterions: tuple[tuple[str, int], ...]
    parent_count: int = 1
    parent_settled: bool = False
    unsanitised_steps: tuple[tuple[Chem.Mol, Chem.Mol], ...] = ()

    @property
    def is_salt(self) -> bool:
        return bool(self.counterions)

    @property
    def standardised_settled(self) -> bool:
        """Whether the standardised structure is as sanitisation leaves a molecule: no step of
        :attr:`unsanitised_steps` changed it (so it left the perception as it found it, too),
        and every other change since the parser went through the Normalizer, whose products
        are sanitised. It is then the molecule its SMILES reads back as, in every property a
        substructure query tests, and the search index takes its entry from it. Computed on
        demand (see :meth:`settled_pickle`)."""
        return self.settled_pickle() is not None

    def settled_pickle(self) -> bytes | None:
        """The standardised molecule's pickle (without conformers) if it is settled, else None.

        Settled is the pickles of each unsanitised step's input and output being alike; the
        pickle of an output that is the standardised molecule is this one, made once.
        """
        options = Chem.PropertyPickleOptions.NoConformers
        mine = bytes(self.standardised.ToBinary(options))
        for before, after in self.unsanitised_steps:
            theirs = mine if after is self.standardised else after.ToBinary(options)
            if before.ToBinary(options) != theirs:
                return None
        return mine

    @property
    def parent_smiles(self) -> str:
        """Canonical isomeric SMILES of the parent."""
        return str(Chem.MolToSmiles(self.parent))

    @property
    def standardised_smiles(self) -> str:
        """Canonical isomeric SMILES of the standardised structure."""
        return str(Chem.MolToSmiles(self.standardised))


@cache
def _salt_remover() -> rdMolStandardize.FragmentRemover:
    # leave_last=False: tells whether a lone fragment is on the list; the caller keeps it anyway.
    return rdMolStandardize.FragmentRemover("", False, False)


@cache
def _cleaners() -> tuple[
    rdMolStandardize.MetalDisconnector, rdMolStandardize.Normalizer, rdMolStandardize.Reionizer
]:
    return (
        rdMolStandardize.MetalDisconnector(),
        rdMolStandardize.Normalizer(),
        rdMolStandardize.Reionizer(),
    )


@cache
def _cleanup_screens() -> tuple[Chem.Mol, tuple[Chem.Mol, ...]]:
    # Atoms other than these organic elements could be metals for the MetalDisconnector.
    organic = Chem.MolFromSmarts("[!#1;!#6;!#7;!#8;!#9;!#15;!#16;!#17;!#35;!#53]")
    # The Reionizer changes a molecule only through its charge corrections (these three
    # patterns, RDKit's CHARGE_CORRECTIONS) or by moving a proton to an ionised base, and every
    # base in its acid/base list has a negatively charged atom.
    reionizable = tuple(
        Chem.MolFromSmarts(smarts)
        for smarts in ("[-,-2,-3,-4]", "[Li,Na,K;X0+0]", "[Mg,Ca;X0+0]", "[Cl;X0+0]")
    )
    return organic, reionizable


@cache
def _bonded_non_organic() -> Chem.Mol:
    return Chem.MolFromSmarts("[!#1;!#6;!#7;!#8;!#9;!#15;!#16;!#17;!#35;!#53;!D0]")


def cleanup(mol: Chem.Mol, *, fresh: bool = False) -> Chem.Mol:
    """The steps of RDKit's ``rdMolStandardize.Cleanup`` with its default parameters, faster.

    The same steps (remove hydrogens, disconnect metals, normalise, reionise, assign stereo) with
    the transform objects built once per process instead of on every call, and two steps skipped
    where they cannot change anything: the metal disconnection when every atom is an organic
    element (H, C, N, O, F, P, S, Cl, Br, I), and the reionisation when no atom is negatively
    charged and no charge correction applies. ``tests/test_fast_paths.py`` checks the result
    against every step applied on real structures. (``rdMolStandardize.Cleanup`` itself returns
    some mesoionic rings, sydnones, neutral where these steps leave them zwitterionic.)

    ``fresh``: ``mol`` comes straight from RDKit's parser (sanitised, unchanged since), so
    without hydrogen atoms ``RemoveHs``, which removes them and sanitises again, has nothing
    to do. The input is not modified either way (every later step returns a new molecule).
    """
    return _cleaned(mol, fresh)[0]


def _cleaned(mol: Chem.Mol, fresh: bool) -> tuple[Chem.Mol, tuple[tuple[Chem.Mol, Chem.Mol], ...]]:
    """:func:`cleanup`, and the (input, output) of each step that ran without sanitising."""
    disconnector, normalizer, reionizer = _cleaners()
    non_organic, reionizable = _cleanup_screens()
    no_hydrogens = mol.GetNumAtoms() == mol.GetNumHeavyAtoms()
    result = mol if fresh and no_hydrogens else Chem.RemoveHs(mol)
    unsanitised = []
    if result.HasSubstructMatch(non_organic):
        before, result = result, disconnector.Disconnect(result)
        # It only breaks bonds to metals: without a bond to a non-organic atom it changed
        # nothing, and there is nothing to compare.
        if before.HasSubstructMatch(_bonded_non_organic()):
            unsanitised.append((before, result))
    result = normalizer.normalize(result)
    if any(result.HasSubstructMatch(query) for query in reionizable):
        before, result = result, reionizer.reionize(result)
        # The output's stereo is perceived below, which the pickle records: the input's too,
        # so that the two pickle alike when the Reionizer changed nothing.
        Chem.AssignStereochemistry(before, cleanIt=True, force=True)
        unsanitised.append((before, result))
    Chem.AssignStereochemistry(result, cleanIt=True, force=True)
    return result, tuple(unsanitised)


@cache
def _settled_screens() -> tuple[Chem.Mol, Chem.Mol]:
    return Chem.MolFromSmarts("[!+0]"), _cleanup_screens()[0]


@cache
def _uncharger() -> rdMolStandardize.Uncharger:
    return rdMolStandardize.Uncharger(canonicalOrder=True)


def _neutralised(fragment: Chem.Mol) -> Chem.Mol:
    """The Uncharger's neutral form of a charged fragment, its aromaticity perceived again.

    The Uncharger moves protons without sanitising: a protonated indole or caffeine
    (``C[NH+]1C=NC2=...``) written in Kekule form stays non-aromatic once neutral, and a
    cyclopentadienide keeps aromatic flags that no neutral ring can have. Their SMILES would
    then name another molecule, or none, and the parent's hash, fingerprint and descriptors with
    it. Sanitising again fixes the first; the second is neutralised from its Kekule form. A
    form no sanitisation accepts (hexafluorophosphate protonated to a hypervalent HPF6) stays as
    the Uncharger leaves it.
    """
    neutral = _uncharger().uncharge(fragment)
    checked = Chem.Mol(neutral)
    if not Chem.SanitizeMol(checked, catchErrors=True):  # SANITIZE_NONE: nothing failed
        return checked
    kekule = Chem.Mol(fragment)
    try:
        Chem.Kekulize(kekule, clearAromaticFlags=True)
    except Exception:  # RDKit raises KekulizeException (a ValueError) or RuntimeError
        return neutral
    rebuilt = _uncharger().uncharge(kekule)
    if not Chem.SanitizeMol(rebuilt, catchErrors=True):
        return rebuilt
    return neutral


@cache
def _chooser() -> rdMolStandardize.LargestFragmentChooser:
    return rdMolStandardize.LargestFragmentChooser(preferOrganic=True)


def _on_salt_list(fragment: Chem.Mol) -> bool:
    return bool(_salt_remover().remove(fragment).GetNumAtoms() == 0)


def _combine(fragments: Sequence[Chem.Mol]) -> Chem.Mol:
    combined = fragments[0]
    for fragment in fragments[1:]:
        combined = Chem.CombineMols(combined, fragment)
    return combined


def standardise(value: Structure) -> Standardised:
    """Standardise a structure and split it into parent and counter-ions.

    Args:
        value: a structure as text or an RDKit ``Mol`` (not modified).

    Raises:
        InvalidStructure: unreadable, or standardisation failed.

    >>> s = standardise("CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl")
    >>> s.parent_smiles, s.counterions, s.is_salt
    ('CCN(CC)C(=O)C1(c2ccccc2)CC1CN', (('Cl', 1),), True)
    >>> standardise("O=C([O-])c1ccccc1.[Na+]").counterions
    (('[Na+]', 1),)
    """
    submitted = parse(value)
    try:
        with capture_rdkit_log():
            standardised, unsanitised = _cleaned(submitted, isinstance(value, str))
            others: Counter[str] = Counter()
            parent_count = 1
            charged, non_organic = _settled_screens()
            # Uncharger and MetalDisconnector change atoms without sanitising again; a parent
            # neither touched is as sanitisation left it.
            settled = not standardised.HasSubstructMatch(non_organic)
            if len(Chem.GetMolFrags(standardised)) == 1:  # the common case: nothing to split
                ions = standardised.HasSubstructMatch(charged)
                settled = settled and not ions
                # without a charged atom the Uncharger changes nothing (it returns a copy)
                parent = _neutralised(standardised) if ions else Chem.Mol(standardised)
            else:
                fragments = list(Chem.GetMolFrags(standardised, asMols=True, sanitizeFrags=True))
                candidates = [f for f in fragments if not _on_salt_list(f)] or fragments
                chosen = Chem.MolToSmiles(_chooser().choose(_combine(candidates)))
                parent_count = 0
                for fragment in fragments:
                    if Chem.MolToSmiles(fragment) == chosen:
                        if not parent_count:
                            ions = fragment.HasSubstructMatch(charged)
                            settled = settled and not ions
                            parent = _neutralised(fragment) if ions else fragment
                        parent_count += 1
                    else:
                        others[Chem.MolToSmiles(_neutralised(fragment))] += 1
    except InvalidStructure:
        raise
    except Exception as error:  # RDKit raises RuntimeError, ValueError, sanitize exceptions
        raise InvalidStructure(f"cannot standardise the structure: {error}") from error
    return Standardised(
        submitted=submitted,
        standardised=standardised,
        parent=parent,
        counterions=tuple(sorted(others.items())),
        parent_count=parent_count,
        parent_settled=settled,
        unsanitised_steps=unsanitised,
    )
