"""QED (Bickerton's quantitative estimate of drug-likeness), computed as RDKit's ``QED.qed``
but faster: the structural alerts in one FilterCatalog pass, and the values the default
descriptor profile has already computed shared rather than computed again.

``tests/test_fast_paths.py`` checks :func:`qed_value` against ``QED.qed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from rdkit import Chem
from rdkit.Chem import QED, FilterCatalog, rdMolDescriptors

from registry.descriptor_models import DescriptorValue

__all__ = ["alert_count", "crippen_logp", "default_rotors_are_strict", "mol_wt", "qed_value"]


def mol_wt(mol: Chem.Mol) -> float:
    """The average molecular weight, implicit hydrogens included (what ``Descriptors.MolWt``
    calls)."""
    return float(rdMolDescriptors._CalcMolWt(mol))


def crippen_logp(mol: Chem.Mol) -> float:
    """Wildman-Crippen logP, as ``Crippen.MolLogP``."""
    return float(rdMolDescriptors.CalcCrippenDescriptors(mol)[0])


@cache
def alert_catalogs() -> tuple[FilterCatalog.FilterCatalog, Chem.Mol, FilterCatalog.FilterCatalog]:
    """QED's structural alerts as FilterCatalogs: RDKit checks a catalogue in one C++ call.

    The alerts with a triple bond (``#`` as a bond, 11 of them) go in a second catalogue,
    checked only when the molecule has a triple bond at all (the ``*#*`` query returned with
    it): an alert cannot match a molecule that lacks one of its bonds, and most have none.
    """
    always, triple = FilterCatalog.FilterCatalog(), FilterCatalog.FilterCatalog()
    for number, alert in enumerate(QED.StructuralAlerts):
        matcher = FilterCatalog.SmartsMatcher(str(number), alert, 1)
        has_triple = any(bond.GetSmarts() == "#" for bond in alert.GetBonds())
        (triple if has_triple else always).AddEntry(
            FilterCatalog.FilterCatalogEntry(str(number), matcher)
        )
    return always, Chem.MolFromSmarts("*#*"), triple


def alert_count(mol: Chem.Mol) -> int:
    """How many of QED's structural alerts match (``QED.properties``' ``ALERTS``)."""
    always, has_triple, triple = alert_catalogs()
    count = len(always.GetMatches(mol))
    if mol.HasSubstructMatch(has_triple):
        count += len(triple.GetMatches(mol))
    return count


@cache
def default_rotors_are_strict() -> bool:
    """Whether RDKit's default rotatable-bond count (the profile's) is the strict one (QED's).

    The default is fixed when RDKit is compiled (``RDK_USE_STRICT_ROTOR_DEFINITION``, on in
    the usual builds). A trifluoromethyl and a tert-butyl end tell the three definitions apart:
    strict counts 1 rotatable bond here, non-strict and strict-linkages count 3.
    """
    probe = Chem.MolFromSmiles("FC(F)(F)CCC(C)(C)C")
    options = rdMolDescriptors.NumRotatableBondsOptions
    counts = {
        option: rdMolDescriptors.CalcNumRotatableBonds(probe, option)
        for option in (options.Default, options.Strict, options.NonStrict, options.StrictLinkages)
    }
    return counts[options.Default] == counts[options.Strict] == 1 and {
        counts[options.NonStrict],
        counts[options.StrictLinkages],
    } == {3}


def qed_value(mol: Chem.Mol, known: Mapping[str, DescriptorValue], settled: bool) -> float:
    """``QED.qed(mol)``, computed as ``QED.properties`` does but faster.

    ``QED.properties`` measures ``Chem.RemoveHs(mol)`` (a sanitised copy) with the profile's
    own functions for MW, logP, HBD and PSA, then QED's acceptor count, strict rotatable
    bonds, aromatic rings and structural alerts. Here the alerts are counted in one
    FilterCatalog pass, and for a ``settled`` molecule (as sanitisation left it, see
    ``Standardised.parent_settled``) without hydrogen atoms the copy would be the molecule
    itself, so the copy is skipped and the four values the profile has already computed (and
    its rotatable bonds, when RDKit's default count is the strict one) are shared.
    """
    shared = [known.get(name) for name in ("molecular_weight", "logp", "hbd", "tpsa")]
    as_is = (
        settled
        and mol.GetNumAtoms() == mol.GetNumHeavyAtoms()
        and all(value is not None for value in shared)
    )
    rotors = known.get("rotatable_bonds") if as_is and default_rotors_are_strict() else None

    def compute(m: Chem.Mol) -> float:
        if as_is:
            mw, logp, hbd, psa = shared
        else:
            m = Chem.RemoveHs(m)
            mw, logp = mol_wt(m), crippen_logp(m)
            hbd, psa = rdMolDescriptors.CalcNumHBD(m), rdMolDescriptors.CalcTPSA(m)
        properties = QED.QEDproperties(  # type: ignore[no-untyped-call]
            MW=mw,
            ALOGP=logp,
            HBA=sum(
                len(m.GetSubstructMatches(pattern))
                for pattern in QED.Acceptors
                if m.HasSubstructMatch(pattern)
            ),
            HBD=hbd,
            PSA=psa,
            ROTB=rotors
            if rotors is not None
            else rdMolDescriptors.CalcNumRotatableBonds(
                m, rdMolDescriptors.NumRotatableBondsOptions.Strict
            ),
            AROM=len(Chem.GetSSSR(Chem.DeleteSubstructs(Chem.Mol(m), QED.AliphaticRings))),
            ALERTS=alert_count(m),
        )
        return float(QED.qed(m, qedProperties=properties))  # type: ignore[no-untyped-call]

    return compute(mol)
