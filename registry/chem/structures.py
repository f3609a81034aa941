"""Reading structures with RDKit: notations, parsing, SMARTS queries and RDKit's log.

Every function accepts a structure as text (SMILES, InChI, Molfile/SDF record) or as an RDKit
``Mol`` and never modifies a ``Mol`` it is given. Anything RDKit cannot read or sanitise raises
:class:`registry.errors.InvalidStructure` with RDKit's own message; RDKit's log is captured, so
nothing is written to stderr.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Literal, cast

from rdkit import Chem, rdBase
from rdkit.Chem import rdinchi

from registry.config import structure_limits
from registry.errors import InvalidStructure

__all__ = [
    "RDKitLog",
    "Structure",
    "StructureFormat",
    "canonical_smiles",
    "capture_rdkit_log",
    "detect_format",
    "parse",
    "parse_smarts",
    "rdkit_version",
]

#: The notations :func:`parse` reads.
StructureFormat = Literal["smiles", "inchi", "molblock"]
#: A structure as every function of :mod:`registry.chem` takes it: text or an RDKit ``Mol``.
Structure = str | Chem.Mol

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


# A formal charge beyond this on one atom is no real compound's (and RDKit accepts any).
_MOST_CHARGE = 8


def _check_size(text: str, kind: str) -> None:
    limit = structure_limits().max_text
    if len(text) > limit:
        raise InvalidStructure(
            f"{kind} of {len(text):,} characters is longer than the limit of {limit:,} "
            "(REGISTRY_MAX_STRUCTURE_CHARS)"
        )


@cache
def _screens() -> tuple[Chem.Mol, Chem.Mol]:
    # an atom that is not a dummy ('*'); an atom with a formal charge
    return Chem.MolFromSmarts("[!#0]"), Chem.MolFromSmarts("[!+0]")


def _check_plausible(mol: Chem.Mol, text: str) -> Chem.Mol:
    """``mol``, unless it is too large, has only dummy atoms or an impossible charge."""
    limit = structure_limits().max_atoms
    if mol.GetNumAtoms() > limit:
        raise InvalidStructure(
            f"structure {_short(text)} has {mol.GetNumAtoms():,} atoms, more than the limit "
            f"of {limit:,} (REGISTRY_MAX_ATOMS)"
        )
    real, charged = _screens()  # one C++ call each instead of a Python loop over the atoms
    if not mol.HasSubstructMatch(real):
        raise InvalidStructure(f"structure {_short(text)} has no real atoms, only '*'")
    if not mol.HasSubstructMatch(charged):
        return mol
    for atom in mol.GetAtoms():
        charge, number = atom.GetFormalCharge(), atom.GetAtomicNum()
        if abs(charge) > _MOST_CHARGE or (number > 0 and charge > number):
            raise InvalidStructure(
                f"structure {_short(text)}: {atom.GetSymbol()} with charge {charge:+d} "
                f"is impossible (atom {atom.GetIdx() + 1})"
            )
    return mol


def _parse_text(text: str, fmt: StructureFormat) -> Chem.Mol:
    if not text.strip():
        raise InvalidStructure("empty structure")
    if fmt != "molblock":  # a Molfile is read line by line; its atoms are counted after
        _check_size(text, "SMILES" if fmt == "smiles" else "InChI")
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
        return _check_plausible(inchi_mol, text)
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
    return _check_plausible(mol, text)


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
        return _check_plausible(Chem.Mol(value), "an RDKit Mol")
    if not isinstance(value, str):
        raise InvalidStructure(f"expected a SMILES, InChI, Molfile or RDKit Mol, got {value!r}")
    return _parse_text(value, fmt or detect_format(value))


def canonical_smiles(value: Structure) -> str:
    """Canonical isomeric SMILES of a structure.

    >>> canonical_smiles("C1=CC=CC=C1O")
    'Oc1ccccc1'
    """
    return str(Chem.MolToSmiles(parse(value)))


def parse_smarts(smarts: str) -> Chem.Mol:
    """A SMARTS query; a pattern RDKit cannot read raises :class:`InvalidStructure`.

    >>> parse_smarts("[#6]=O").GetNumAtoms()
    2
    """
    if not smarts.strip():
        raise InvalidStructure("empty SMARTS pattern")
    _check_size(smarts, "SMARTS")
    with capture_rdkit_log() as log:
        query = cast("Chem.Mol | None", Chem.MolFromSmarts(smarts.strip()))
    if query is None:
        raise InvalidStructure(
            f"cannot read SMARTS {_short(smarts)}: {log.message('RDKit could not parse it')}"
        )
    return query
