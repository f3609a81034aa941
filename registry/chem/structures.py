"""Structures with RDKit: parse, standardise, split salts, identify, fingerprint, match, draw.

Every function accepts a structure as text (SMILES, InChI, Molfile/SDF record) or as an RDKit
``Mol`` and never modifies a ``Mol`` it is given. Anything RDKit cannot read or sanitise raises
:class:`registry.errors.InvalidStructure` with RDKit's own message; RDKit's log is captured, so
nothing is written to stderr.

Standardisation follows the ChEMBL structure pipeline and RDKit's ``MolStandardize``:

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
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Literal, cast

from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import RegistrationHash, rdinchi, rdMolDescriptors, rdMolHash
from rdkit.Chem.MolStandardize import rdMolStandardize

from registry.errors import InvalidStructure

__all__ = [
    "FINGERPRINT_BITS",
    "FINGERPRINT_RADIUS",
    "Identifiers",
    "RDKitLog",
    "Standardised",
    "StructureFormat",
    "canonical_smiles",
    "capture_rdkit_log",
    "cleanup",
    "detect_format",
    "draw",
    "fingerprint",
    "fingerprint_from_bytes",
    "fingerprint_of",
    "formula",
    "hash_layers",
    "identifiers",
    "identifiers_of",
    "parse",
    "parse_smarts",
    "rdkit_version",
    "registration_hash",
    "standardise",
    "substructure_match",
    "tanimoto",
]

StructureFormat = Literal["smiles", "inchi", "molblock"]
Structure = str | Chem.Mol

FINGERPRINT_RADIUS = 2
FINGERPRINT_BITS = 2048

_TIMESTAMP = re.compile(r"^\[\d\d:\d\d:\d\d\] ?", re.MULTILINE)
_PARSE_ERROR = re.compile(r"^SM(?:ILE|ART)S Parse Error: ")


def rdkit_version() -> str:
    """The version of RDKit that computes everything here, e.g. ``'2026.09.1'``."""
    return str(rdBase.rdkitVersion)


class RDKitLog:
    """RDKit's error log captured as text while a block runs."""

    def __init__(self) -> None:
        self.text = ""

    def message(self, fallback: str) -> str:
        """RDKit's messages on one line, without timestamps, echoes of the input or carets."""
        lines = [line.strip() for line in _TIMESTAMP.sub("", self.text).splitlines()]
        kept: list[str] = []
        for line in lines:
            if _PARSE_ERROR.match(line):
                line = _PARSE_ERROR.sub("", line)
                if line.startswith(("Failed parsing SMILES", "Failed parsing SMARTS")):
                    continue  # repeats the input; the lines before say what is wrong
                kept.append(line.rstrip(":"))
            elif line and line != "ERROR:" and not kept:
                kept.append(line)
        return "; ".join(dict.fromkeys(kept)) or fallback


def _messages(capture: rdBase.CaptureErrorLog) -> str:
    try:
        return str(capture.messages)
    except UnicodeDecodeError as error:
        # RDKit cuts long inputs it echoes at a byte count, which can split a UTF-8 character.
        return bytes(error.object).decode("utf-8", "replace")


@contextmanager
def capture_rdkit_log() -> Iterator[RDKitLog]:
    """Silence RDKit's log while a block runs and collect its error messages.

    >>> with capture_rdkit_log() as log:
    ...     _ = Chem.MolFromSmiles("C1CC")
    >>> log.message("")
    "unclosed ring for input: 'C1CC'"
    """
    log = RDKitLog()
    if not hasattr(rdBase, "CaptureErrorLog"):  # older RDKit: silent, without the messages
        with rdBase.BlockLogs():
            yield log
        return
    with rdBase.BlockLogs(), rdBase.CaptureErrorLog() as capture:
        try:
            yield log
        finally:
            log.text = _messages(capture)


def detect_format(text: str) -> StructureFormat:
    """Guess the notation of a structure given as text.

    >>> detect_format("CCO"), detect_format("InChI=1S/CH4/h1H4")
    ('smiles', 'inchi')
    """
    stripped = text.strip()
    if stripped.startswith("InChI="):
        return "inchi"
    if "M  END" in text or "V2000" in text or "V3000" in text:
        return "molblock"
    return "smiles"


def _sanitise(mol: Chem.Mol, text: str) -> Chem.Mol:
    try:
        with capture_rdkit_log():
            Chem.SanitizeMol(mol)
    except Exception as error:  # RDKit raises MolSanitizeException subclasses and ValueError
        raise InvalidStructure(f"cannot sanitise {_short(text)}: {error}") from error
    return mol


def _short(text: str, limit: int = 60) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return repr(first if len(first) <= limit else first[: limit - 3] + "...")


def _parse_text(text: str, fmt: StructureFormat) -> Chem.Mol:
    if not text.strip():
        raise InvalidStructure("empty structure")
    if fmt == "inchi":
        with capture_rdkit_log():  # the message comes back in the result; keep stderr clean
            result: tuple[Chem.Mol | None, int, str, str] = rdinchi.InchiToMol(
                text.strip(), True, True
            )
        inchi_mol, code, message, log_text = result
        if inchi_mol is None:
            detail = message.strip() or next(
                (line for line in reversed(log_text.splitlines()) if line.strip()), ""
            )
            detail = re.sub(r"^Structure: \d+ ", "", detail.strip())
            raise InvalidStructure(
                f"cannot read InChI {_short(text)}: {detail or f'InChI error code {code}'}"
            )
        return inchi_mol
    with capture_rdkit_log():
        mol = _read(text, fmt, sanitize=True)
    if mol is None:
        # Read again without sanitising to tell a syntax error from a chemistry one, and to get
        # the sanitisation error as an exception with its message. The first read keeps RDKit's
        # own perception (double-bond stereo from bond directions, Molfile wedges) intact.
        with capture_rdkit_log() as log:
            raw = _read(text, fmt, sanitize=False)
        if raw is None:
            kind = "SMILES" if fmt == "smiles" else "Molfile"
            raise InvalidStructure(
                f"cannot read {kind} {_short(text)}: {log.message('RDKit could not parse it')}"
            )
        _sanitise(raw, text)
        raise InvalidStructure(f"cannot sanitise {_short(text)}")  # RDKit failed without saying
    if mol.GetNumAtoms() == 0:
        raise InvalidStructure(f"structure {_short(text)} has no atoms")
    return mol


def _read(text: str, fmt: StructureFormat, *, sanitize: bool) -> Chem.Mol | None:
    # cast: RDKit's stubs omit the None these return on failure
    if fmt == "smiles":
        return cast("Chem.Mol | None", Chem.MolFromSmiles(text.strip(), sanitize=sanitize))
    return cast("Chem.Mol | None", Chem.MolFromMolBlock(text, sanitize=sanitize, removeHs=sanitize))


def parse(value: Structure, *, fmt: StructureFormat | None = None) -> Chem.Mol:
    """Read a structure into a sanitised RDKit molecule.

    Args:
        value: SMILES (CXSMILES extensions allowed), an InChI (``InChI=`` prefix), a Molfile or
            one SDF record (detected by ``M  END``), or an RDKit ``Mol`` (copied, never changed).
        fmt: ``"smiles"``, ``"inchi"`` or ``"molblock"`` to skip the detection.

    Returns:
        A new, sanitised molecule without explicit hydrogens from a Molfile.

    Raises:
        InvalidStructure: RDKit cannot read or sanitise it; the message is RDKit's own.

    >>> Chem.MolToSmiles(parse("OCC"))
    'CCO'
    >>> parse("C1CC")
    Traceback (most recent call last):
    ...
    registry.errors.InvalidStructure: cannot read SMILES 'C1CC': unclosed ring for input: 'C1CC'
    """
    if isinstance(value, Chem.Mol):
        if value.GetNumAtoms() == 0:
            raise InvalidStructure("structure has no atoms")
        return Chem.Mol(value)
    if not isinstance(value, str):
        raise InvalidStructure(f"expected a SMILES, InChI, Molfile or RDKit Mol, got {value!r}")
    return _parse_text(value, fmt or detect_format(value))


def canonical_smiles(value: Structure) -> str:
    """Canonical isomeric SMILES of a structure.

    >>> canonical_smiles("C1=CC=CC=C1O")
    'Oc1ccccc1'
    """
    return str(Chem.MolToSmiles(parse(value)))


# --- standardisation --------------------------------------------------------------------------


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
        is_salt: the structure has components besides the parent (a salt, solvate or mixture).
    """

    submitted: Chem.Mol
    standardised: Chem.Mol
    parent: Chem.Mol
    counterions: tuple[tuple[str, int], ...]
    parent_count: int = 1
    parent_settled: bool = False

    # ``parent_settled``: the parent is exactly as RDKit's sanitisation leaves a molecule (no
    # charge was neutralised, no metal disconnected after it), so sanitising it again changes
    # nothing. Descriptor code uses this to share values with QED, which re-sanitises.

    @property
    def is_salt(self) -> bool:
        return bool(self.counterions)

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
    disconnector, normalizer, reionizer = _cleaners()
    non_organic, reionizable = _cleanup_screens()
    no_hydrogens = mol.GetNumAtoms() == mol.GetNumHeavyAtoms()
    result = mol if fresh and no_hydrogens else Chem.RemoveHs(mol)
    if result.HasSubstructMatch(non_organic):
        result = disconnector.Disconnect(result)
    result = normalizer.normalize(result)
    if any(result.HasSubstructMatch(query) for query in reionizable):
        result = reionizer.reionize(result)
    Chem.AssignStereochemistry(result, cleanIt=True, force=True)
    return result


@cache
def _settled_screens() -> tuple[Chem.Mol, Chem.Mol]:
    return Chem.MolFromSmarts("[!+0]"), _cleanup_screens()[0]


@cache
def _uncharger() -> rdMolStandardize.Uncharger:
    return rdMolStandardize.Uncharger(canonicalOrder=True)


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
            standardised = cleanup(submitted, fresh=isinstance(value, str))
            others: Counter[str] = Counter()
            parent_count = 1
            charged, non_organic = _settled_screens()
            # Uncharger and MetalDisconnector change atoms without sanitising again; a parent
            # neither touched is as sanitisation left it.
            settled = not standardised.HasSubstructMatch(non_organic)
            if len(Chem.GetMolFrags(standardised)) == 1:  # the common case: nothing to split
                settled = settled and not standardised.HasSubstructMatch(charged)
                parent = _uncharger().uncharge(standardised)
            else:
                fragments = list(Chem.GetMolFrags(standardised, asMols=True, sanitizeFrags=True))
                candidates = [f for f in fragments if not _on_salt_list(f)] or fragments
                chosen = Chem.MolToSmiles(_chooser().choose(_combine(candidates)))
                parent_count = 0
                for fragment in fragments:
                    if Chem.MolToSmiles(fragment) == chosen:
                        if not parent_count:
                            settled = settled and not fragment.HasSubstructMatch(charged)
                            parent = _uncharger().uncharge(fragment)
                        parent_count += 1
                    else:
                        others[Chem.MolToSmiles(_uncharger().uncharge(fragment))] += 1
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
    )


# --- identity ---------------------------------------------------------------------------------

_FORMULA_TOKEN = re.compile(r"(\[\d+[A-Z][a-z]?\]|[A-Z][a-z]?)(\d*)")
_FORMULA_CHARGE = re.compile(r"[+-]\d*$")
_ISOTOPIC_RANK = {"H": -4, "[1H]": -3, "D": -2, "T": -1}


def formula(value: Structure) -> str:
    """Molecular formula in the Hill system, as PubChem writes it.

    Carbon first, then hydrogen, then the rest alphabetically; without carbon, every element
    alphabetically (RDKit would put H first: ``H2ClNO3``; Hill and PubChem: ``ClH2NO3``).
    Deuterium and tritium are written D and T (``CH3D``), other isotopes in brackets, and a
    net charge is appended (``C7H5O2-``). Agrees with every formula in the ``chemicals``
    package's 71k-compound PubChem table.

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
        inchi, _code, message, _log, _aux = rdinchi.MolToInchi(mol, "")
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


def _layer_hash(layers: dict[str, str], scheme: RegistrationHash.HashScheme) -> str:
    # RegistrationHash.GetMolHash over layers keyed by HashLayer name instead of the enum
    digest = hashlib.sha1()
    for layer in scheme.value:
        if layer.name in layers:
            digest.update(layers[layer.name].encode())
    return digest.hexdigest()


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
    tautomer = str(RegistrationHash.GetStereoTautomerHash(work, cxflag=flags))  # type: ignore[no-untyped-call]
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


def _rdkit_layers(mol: Chem.Mol) -> dict[str, str]:
    layers = RegistrationHash.GetMolLayers(mol)
    return {layer.name: str(text) for layer, text in layers.items()}


def registration_hash(mol: Chem.Mol) -> str:
    """``Identifiers.registration_hash`` alone (no InChI), for a sanitised molecule."""
    with capture_rdkit_log():  # the tautomer hash warns about radicals on stderr
        layers = hash_layers(mol)
    return _layer_hash(layers, RegistrationHash.HashScheme.ALL_LAYERS)


# --- fingerprints and substructure ------------------------------------------------------------


@cache
def _morgan() -> object:
    from rdkit.Chem import rdFingerprintGenerator

    return rdFingerprintGenerator.GetMorganGenerator(
        radius=FINGERPRINT_RADIUS, fpSize=FINGERPRINT_BITS
    )


def fingerprint(value: Structure) -> bytes:
    """Morgan fingerprint (radius 2, 2048 bits) serialised with ``ExplicitBitVect.ToBinary``.

    >>> len(fingerprint_from_bytes(fingerprint("CCO")))
    2048
    """
    return fingerprint_of(parse(value))


def fingerprint_of(mol: Chem.Mol) -> bytes:
    """:func:`fingerprint` of a molecule, without copying it first (not modified)."""
    bits = _morgan().GetFingerprint(mol)  # type: ignore[attr-defined]
    return bytes(bits.ToBinary())


def fingerprint_from_bytes(data: bytes) -> DataStructs.ExplicitBitVect:
    """The bit vector back from :func:`fingerprint`'s bytes."""
    try:
        # The constructor takes the binary pickle (typed as str in RDKit's stubs).
        vector: DataStructs.ExplicitBitVect = DataStructs.ExplicitBitVect(data)  # type: ignore[call-overload]
    except Exception as error:  # boost raises RuntimeError / ValueError on bad pickles
        raise InvalidStructure(f"not a serialised fingerprint: {error}") from error
    return vector


def tanimoto(a: bytes, b: bytes) -> float:
    """Tanimoto similarity of two fingerprints from :func:`fingerprint`.

    >>> tanimoto(fingerprint("CCO"), fingerprint("OCC"))
    1.0
    """
    return float(
        DataStructs.TanimotoSimilarity(fingerprint_from_bytes(a), fingerprint_from_bytes(b))
    )


def parse_smarts(smarts: str) -> Chem.Mol:
    """A SMARTS query; a pattern RDKit cannot read raises :class:`InvalidStructure`."""
    if not smarts.strip():
        raise InvalidStructure("empty SMARTS pattern")
    with capture_rdkit_log() as log:
        query = cast("Chem.Mol | None", Chem.MolFromSmarts(smarts.strip()))
    if query is None:
        raise InvalidStructure(
            f"cannot read SMARTS {_short(smarts)}: {log.message('RDKit could not parse it')}"
        )
    return query


def substructure_match(
    value: Structure, smarts: str | Chem.Mol, *, chirality: bool = False
) -> bool:
    """Whether a structure contains a SMARTS pattern (or a query ``Mol``).

    >>> substructure_match("CCN(CC)C(=O)C1(CC1CN)c1ccccc1", "c1ccccc1C(=O)")
    False
    >>> substructure_match("CCN(CC)C(=O)C1(CC1CN)c1ccccc1", "C(=O)N(CC)CC")
    True
    """
    mol = parse(value)
    query = smarts if isinstance(smarts, Chem.Mol) else parse_smarts(smarts)
    return bool(mol.HasSubstructMatch(query, useChirality=chirality))


# --- depiction --------------------------------------------------------------------------------


def draw(
    values: Sequence[Structure] | Structure,
    *,
    fmt: Literal["svg", "png"] = "svg",
    legends: Sequence[str] | None = None,
    size: tuple[int, int] = (300, 300),
    per_row: int = 4,
) -> bytes:
    """Draw one structure, or several as a grid with legends, to SVG or PNG bytes.

    Args:
        values: one structure or several (text or ``Mol``).
        fmt: ``"svg"`` or ``"png"``.
        legends: a caption per structure (default: none for one, the input text for several).
        size: width and height of each panel in pixels.
        per_row: panels per grid row.
    """
    from rdkit.Chem.Draw import rdMolDraw2D

    items = [values] if isinstance(values, str | Chem.Mol) else list(values)
    if not items:
        raise InvalidStructure("nothing to draw")
    mols = [parse(item) for item in items]
    if legends is None:
        legends = [""] if len(items) == 1 else [_legend(item) for item in items]
    if len(legends) != len(mols):
        raise ValueError(f"{len(legends)} legends for {len(mols)} structures")
    columns = min(per_row, len(mols))
    rows = -(-len(mols) // columns)
    width, height = size
    canvas: rdMolDraw2D.MolDraw2D
    if fmt == "svg":
        canvas = rdMolDraw2D.MolDraw2DSVG(width * columns, height * rows, width, height)
    else:
        canvas = rdMolDraw2D.MolDraw2DCairo(width * columns, height * rows, width, height)
    with capture_rdkit_log():
        if len(mols) == 1:
            canvas.DrawMolecule(mols[0], legend=legends[0])
        else:
            canvas.DrawMolecules(mols, legends=list(legends))
        canvas.FinishDrawing()
    data = canvas.GetDrawingText()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _legend(item: Structure) -> str:
    if isinstance(item, Chem.Mol):
        return item.GetProp("_Name") if item.HasProp("_Name") else ""
    return item.strip().splitlines()[0][:40]
