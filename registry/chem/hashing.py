"""What identifies a structure: formula, InChI and InChIKey, RDKit registration hash layers.

The registration hashes follow RDKit's ``RegistrationHash`` (as lwreg stores them): one SHA-1
over all layers tells identical structures, one over the tautomer-insensitive layers tells
tautomers, one over the stereo-insensitive layers tells stereoisomers. Everything is computed
on the structure as given; standardise it first (:mod:`registry.chem.standardisation`) to
register it. A ``Mol`` given is never modified.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from rdkit import Chem
from rdkit.Chem import RegistrationHash, rdinchi, rdMolDescriptors, rdMolHash

from registry.chem.structures import Structure, capture_rdkit_log, parse

__all__ = [
    "Identifiers",
    "formula",
    "hash_layers",
    "identifiers",
    "identifiers_of",
    "registration_hash",
]

_FORMULA_TOKEN = re.compile(r"(\[\d+[A-Z][a-z]?\]|[A-Z][a-z]?)(\d*)")
_FORMULA_CHARGE = re.compile(r"[+-]\d*$")
_ISOTOPIC_RANK = {"H": -4, "[1H]": -3, "D": -2, "T": -1}


def formula(value: Structure) -> str:
    """Molecular formula in the Hill system, as PubChem writes it.

    Carbon first, then hydrogen, then the rest alphabetically; without carbon, every element
    alphabetically (RDKit would put H first: ``H2ClNO3``; Hill and PubChem: ``ClH2NO3``).
    Deuterium and tritium are written D and T (``CH3D``), other isotopes in brackets, and a
    net charge is appended (``C7H5O2-``). ``tests/test_chem.py`` holds it to PubChem's formulas
    in the ``chemicals`` package's table.

    >>> formula("CCO"), formula("O[N+](=O)[O-].Cl"), formula("[2H]C"), formula("[O-]C(=O)c1ccccc1")
    ('C2H6O', 'ClH2NO3', 'CH3D', 'C7H5O2-')
    """
    return _formula_of(parse(value))


def _formula_of(mol: Chem.Mol) -> str:
    text = str(rdMolDescriptors.CalcMolFormula(mol, True, True))
    if any(atom.GetAtomicNum() == 6 for atom in mol.GetAtoms()):
        return text
    charge = _FORMULA_CHARGE.search(text)
    body = text[: charge.start()] if charge else text
    tokens = _FORMULA_TOKEN.findall(body)
    if any(symbol in ("D", "T") or symbol.startswith("[") for symbol, _ in tokens):
        # PubChem's isotopic formulas without carbon: H, D, T first, then the other elements
        # alphabetically, bracketed isotopes last (H4Cl[15N], D4AlLi, KO3[15N])
        tokens.sort(key=lambda t: (_ISOTOPIC_RANK.get(t[0], 1 + t[0].startswith("[")), t[0]))
    else:
        tokens.sort(key=lambda t: t[0])
    return "".join(symbol + count for symbol, count in tokens) + (charge.group() if charge else "")


@dataclass(frozen=True, slots=True)
class Identifiers:
    """What identifies a structure, computed on it as given (standardise first to register it).

    Attributes:
        smiles: canonical isomeric SMILES.
        inchi: standard InChI (``""`` when InChI cannot represent the structure).
        inchikey: standard InChIKey (``""`` likewise).
        formula: molecular formula in the Hill system as PubChem writes it (:func:`formula`).
        hash_layers: RDKit ``RegistrationHash`` layers keyed by ``HashLayer`` name
            (``CANONICAL_SMILES``, ``ESCAPE``, ``FORMULA``, ``NO_STEREO_SMILES``,
            ``NO_STEREO_TAUTOMER_HASH``, ``SGROUP_DATA``, ``TAUTOMER_HASH``), as lwreg stores them.
        registration_hash: SHA-1 over all layers: same value means the same structure.
        tautomer_hash: over the tautomer-insensitive layers: same value for tautomers.
        no_stereo_hash: over the stereo-insensitive layers: same value for stereoisomers.
        inchi_warning: what the InChI library said about the structure (undefined stereo...).
    """

    smiles: str
    inchi: str
    inchikey: str
    formula: str
    hash_layers: dict[str, str]
    registration_hash: str
    tautomer_hash: str
    no_stereo_hash: str
    inchi_warning: str = ""


def identifiers(value: Structure) -> Identifiers:
    """Canonical SMILES, InChI, InChIKey, formula and registration hashes of a structure.

    >>> ids = identifiers("CCN(CC)C(=O)C1(CC1CN)c1ccccc1")
    >>> ids.formula, ids.inchikey.split("-")[0]
    ('C15H22N2O', 'GJJFMKBJSRMPLA')
    >>> identifiers("Oc1ccncc1").tautomer_hash == identifiers("O=C1C=CNC=C1").tautomer_hash
    True
    """
    return identifiers_of(parse(value))


def identifiers_of(mol: Chem.Mol) -> Identifiers:
    """:func:`identifiers` of a sanitised molecule, without copying it first (not modified)."""
    with capture_rdkit_log():
        # /AuxNone: the same InChI and message without the AuxInfo, which nothing here keeps
        inchi, _code, message, _log, _aux = rdinchi.MolToInchi(mol, "/AuxNone")
        inchikey = str(rdinchi.InchiToInchiKey(inchi)) if inchi else ""
        layers, smiles = _layers_and_smiles(mol)
    return Identifiers(
        smiles=smiles if smiles is not None else str(Chem.MolToSmiles(mol)),
        inchi=str(inchi or ""),
        inchikey=inchikey,
        formula=_formula_of(mol),
        hash_layers=layers,
        registration_hash=_layer_hash(layers, RegistrationHash.HashScheme.ALL_LAYERS),
        tautomer_hash=_layer_hash(layers, RegistrationHash.HashScheme.TAUTOMER_INSENSITIVE_LAYERS),
        no_stereo_hash=_layer_hash(layers, RegistrationHash.HashScheme.STEREO_INSENSITIVE_LAYERS),
        inchi_warning=str(message or "").strip(),
    )


# The layer names of each hash scheme, in the scheme's order (read once: enum access is slow).
_SCHEME_LAYERS = {
    scheme: tuple(layer.name for layer in scheme.value) for scheme in RegistrationHash.HashScheme
}


def _layer_hash(layers: dict[str, str], scheme: RegistrationHash.HashScheme) -> str:
    # RegistrationHash.GetMolHash over layers keyed by HashLayer name instead of the enum: one
    # SHA-1 over the layers in the scheme's order (the same as one update per layer)
    text = "".join([layers[name] for name in _SCHEME_LAYERS[scheme] if name in layers])
    return hashlib.sha1(text.encode()).hexdigest()


def hash_layers(mol: Chem.Mol) -> dict[str, str]:
    """RDKit's ``RegistrationHash.GetMolLayers`` keyed by layer name, computed faster.

    The same layers from the same RDKit calls, minus the work that cannot change them for a
    molecule without substance groups and atom map numbers (most of what a registry sees):
    the substance-group layer of such a molecule is ``"[]"`` (``GetMolLayers`` writes a SMILES
    just to rank atoms for groups that do not exist), and there are no map numbers to strip.
    Anything else goes through ``GetMolLayers`` itself.

    Args:
        mol: a sanitised molecule (not modified).

    >>> hash_layers(Chem.MolFromSmiles("OCC"))["NO_STEREO_SMILES"]
    'CCO'
    """
    return _layers_and_smiles(mol)[0]


def _layers_and_smiles(mol: Chem.Mol) -> tuple[dict[str, str], str | None]:
    """The hash layers, and the canonical SMILES when they give it for free (else None).

    Without hydrogen atoms to remove and without enhanced stereo groups to canonicalise,
    ``GetMolLayers`` writes its CXSMILES from an unchanged copy of the molecule, so the SMILES
    part of that layer (before the space that starts the extensions) is ``MolToSmiles(mol)``.
    """
    if len(Chem.GetMolSubstanceGroups(mol)):
        return _rdkit_layers(mol), None
    flags = RegistrationHash.DEFAULT_CXFLAG
    work = RegistrationHash._RemoveUnnecessaryHs(mol, preserve_stereogenic_hs=True)  # type: ignore[no-untyped-call]
    if flags & Chem.CXSmilesFields.CX_ENHANCEDSTEREO:
        Chem.CanonicalizeEnhancedStereo(work)
    # the same calls in GetMolLayers' order (each of the last two works on its own copy)
    formula_layer = str(rdMolHash.MolHash(work, rdMolHash.HashFunction.MolFormula))
    cxsmiles = str(Chem.MolToCXSmiles(work, Chem.SmilesWriteParams(), flags))
    smiles = cxsmiles.partition(" ")[0]
    if ":" in smiles:
        # A SMILES writes every atom map number as ":n" (and ":" is otherwise only an
        # occasional aromatic bond): maps to strip, or maybe; GetMolLayers strips them.
        return _rdkit_layers(mol), None
    no_hydrogens = work.GetNumAtoms() == work.GetNumHeavyAtoms()
    if no_hydrogens:
        # GetStereoTautomerHash first removes the hydrogens that _RemoveUnnecessaryHs keeps
        # for stereo; without hydrogen atoms that is a copy, and MolHash hashes a copy anyway.
        tautomer = str(rdMolHash.MolHash(work, _TAUTOMER_HASH, True, _CX_SKIP))
    else:
        tautomer = str(RegistrationHash.GetStereoTautomerHash(work, cxflag=flags))  # type: ignore[no-untyped-call]
    if no_hydrogens and cxsmiles == smiles and " " not in tautomer and not _STEREO.search(smiles):
        # GetNoStereoLayers strips the stereo of a copy and hashes it again. A molecule whose
        # canonical SMILES shows no stereo (no @, no slash or backslash, no CX extension: no
        # enhanced stereo) and that has no hydrogen atoms has no stereo that SMILES writing,
        # and so either hash, would use: that gives the same tautomer hash (its CX extension is
        # empty) and the canonical SMILES once more.
        no_stereo_tautomer, no_stereo_smiles = tautomer, smiles
    else:
        no_stereo_tautomer, no_stereo_smiles = RegistrationHash.GetNoStereoLayers(work)  # type: ignore[no-untyped-call]
    layers = {  # keyed by HashLayer name, in GetMolLayers' order
        "CANONICAL_SMILES": cxsmiles,
        "ESCAPE": "",
        "FORMULA": formula_layer,
        "NO_STEREO_SMILES": str(no_stereo_smiles),
        "NO_STEREO_TAUTOMER_HASH": str(no_stereo_tautomer),
        "SGROUP_DATA": "[]",
        "TAUTOMER_HASH": tautomer,
    }
    unchanged = mol.GetNumAtoms() == mol.GetNumHeavyAtoms() and not len(mol.GetStereoGroups())
    return layers, smiles if unchanged else None


# GetStereoTautomerHash's hash function and CX fields (RDKit's defaults, as GetMolLayers calls it)
_TAUTOMER_HASH = rdMolHash.HashFunction.HetAtomTautomer
_CX_SKIP = Chem.CXSmilesFields.CX_ALL ^ RegistrationHash.DEFAULT_CXFLAG
# What shows stereo in a SMILES: tetrahedral centres, double-bond directions.
_STEREO = re.compile(r"[@/\\]")


def _rdkit_layers(mol: Chem.Mol) -> dict[str, str]:
    layers = RegistrationHash.GetMolLayers(mol)
    return {layer.name: str(text) for layer, text in layers.items()}


def registration_hash(mol: Chem.Mol) -> str:
    """``Identifiers.registration_hash`` alone (no InChI), for a sanitised molecule."""
    with capture_rdkit_log():  # the tautomer hash warns about radicals on stderr
        layers = hash_layers(mol)
    return _layer_hash(layers, RegistrationHash.HashScheme.ALL_LAYERS)
