"""Classify a lookup query: CAS number, PubChem CID, InChIKey, InChI, SMILES or a name.

Pure and fast (standard library and :mod:`registry.cas` only): the lookup chain calls it once
per query before deciding which source to ask and how.

>>> classify("50-78-2").kind
<QueryKind.CAS: 'cas'>
>>> classify("CID 2244").value
'2244'
>>> classify("RYYVLZVUVIJVGH-UHFFFAOYSA-N").kind
<QueryKind.INCHIKEY: 'inchikey'>
>>> classify("CN1C=NC2=C1C(=O)N(C(=O)N2C)C").kind
<QueryKind.SMILES: 'smiles'>
>>> classify("caffeine").kind
<QueryKind.NAME: 'name'>
>>> q = classify("50-78-3"); (q.kind, q.cas_valid)
(<QueryKind.CAS: 'cas'>, False)
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from registry import cas
from registry.models import CasNumber

__all__ = ["CAS_SYNONYM", "INCHIKEY", "Query", "QueryKind", "cas_from_synonyms", "classify"]

#: The shape of a standard InChIKey: 14 letters, 10 letters and one, joined by hyphens.
INCHIKEY = re.compile(r"[A-Z]{14}-[A-Z]{10}-[A-Z]")
_CID = re.compile(r"(?:(?:pubchem\s*)?cid\s*[:#]?\s*)?([1-9][0-9]{0,11})", re.IGNORECASE).fullmatch
# A CAS-shaped value: digit groups joined by hyphens (or any dash) or spaces, optionally behind a
# "CAS" label. Anything of this shape is treated as a CAS query even when its checksum fails, so
# the user gets suggestions instead of a name search for "50-78-3".
_LABEL = cas.PREFIX.pattern.removeprefix("^")
_SEPARATOR = f"\\s*[-{re.escape(cas.DASHES)} ]\\s*"
_CAS_SHAPE = re.compile(
    rf"(?:{_LABEL})?\s*0*[0-9]{{2,7}}{_SEPARATOR}[0-9]{{2}}{_SEPARATOR}[0-9]",
    re.IGNORECASE,
).fullmatch
_EC_SHAPE = re.compile(cas.EC_NUMBER_PATTERN).fullmatch
# Already canonical (the common case): a checksum test is all it needs, not a full cas.check.
_CANONICAL_CAS = re.compile(cas.CANONICAL_PATTERN).fullmatch
# Characters that occur in SMILES but (almost) never in a name, and that names need.
_SMILES_CHARS = re.compile(r"[A-Za-z0-9@+\-\[\]\(\)\\/%=#$:.*]+").fullmatch
_SMILES_ONLY = re.compile(r"[=#@\[\]]|^[BCNOSPFI][a-z]?[0-9(=]|[a-z][0-9]|^c1|[()][A-Z]")
_BRACKET_ATOM = re.compile(r"\[[^\]]*\]")
_ATOMS_ONLY = re.compile(r"(?:Cl|Br|[BCNOSPFI]|[cnops])+").fullmatch
_ORGANIC_ATOM = re.compile(r"Cl|Br|[BCNOSPFI]|[bcnops]")


class QueryKind(enum.StrEnum):
    CAS = "cas"
    CID = "cid"
    INCHIKEY = "inchikey"
    INCHI = "inchi"
    SMILES = "smiles"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class Query:
    """A classified query.

    Attributes:
        text: the query as given.
        kind: what it looks like.
        value: the normalised value to search for (canonical CAS, digits of a CID, stripped
            text otherwise; for a CAS number failing its checksum, the hyphenated digits).
        cas_valid: for a CAS query, whether its check digit holds; None for other kinds.
    """

    text: str
    kind: QueryKind
    value: str
    cas_valid: bool | None = None


def _looks_like_smiles(text: str) -> bool:
    if " " in text or not _SMILES_CHARS(text) or not _ORGANIC_ATOM.search(text):
        return False
    # Outside bracket atoms, every letter must belong to an organic-subset atom symbol, so
    # "Benzene", "NaCl", "ac1l1hbs" and "nu2058" stay names while "CCCBr" is a SMILES.
    letters = "".join(re.findall(r"[A-Za-z]+", _BRACKET_ATOM.sub("", text)))
    if letters and _ATOMS_ONLY(letters) is None:
        return False
    if text.isalpha():
        return len(text) > 1
    return _SMILES_ONLY.search(text) is not None or "[" in text


def classify(text: str) -> Query:
    """What a query is, with its normalised value.

    Never raises: anything unrecognised is a name.

    >>> classify("  InChI=1S/CH4/h1H4 ").kind
    <QueryKind.INCHI: 'inchi'>
    >>> classify("CAS-7732-18-5").value
    '7732-18-5'
    >>> classify("\u0665\u0660-\u0667\u0668-\u0662").value  # Arabic-Indic digits
    '50-78-2'
    >>> classify("ethanol").kind, classify("CCO").kind
    (<QueryKind.NAME: 'name'>, <QueryKind.SMILES: 'smiles'>)
    """
    stripped = text.strip()
    if not stripped:
        return Query(text, QueryKind.NAME, "")
    if stripped.startswith("InChI="):
        return Query(text, QueryKind.INCHI, stripped)
    upper = stripped.upper()
    if INCHIKEY.fullmatch(upper):
        return Query(text, QueryKind.INCHIKEY, upper)
    cid = _CID(stripped)
    if cid:
        return Query(text, QueryKind.CID, cid.group(1))
    if _CANONICAL_CAS(stripped) and cas.is_valid(stripped):
        return Query(text, QueryKind.CAS, stripped, cas_valid=True)
    # Digits of other scripts, Unicode dashes and invisible marks read as cas reads them.
    shaped = stripped if stripped.isascii() else cas.compact(stripped)
    if _CAS_SHAPE(shaped) and not _EC_SHAPE(shaped):
        result = cas.check(stripped)
        if result.is_valid and result.canonical is not None:
            return Query(text, QueryKind.CAS, result.canonical, cas_valid=True)
        if result.digits is not None:
            return Query(text, QueryKind.CAS, result.digits, cas_valid=False)
    if _looks_like_smiles(stripped):
        return Query(text, QueryKind.SMILES, stripped)
    return Query(text, QueryKind.NAME, stripped)


# --- CAS numbers from synonyms ---------------------------------------------------------------

#: A synonym that is a CAS number in canonical form (group 1), optionally behind a "CAS" label
#: ("CAS-66-71-7", "CAS RN: 50-78-2"); use ``fullmatch``. EC numbers (NNN-NNN-N) never match.
CAS_SYNONYM = re.compile(rf"(?:{_LABEL})?({cas.CANONICAL_PATTERN})", re.IGNORECASE)


def cas_from_synonyms(synonyms: Iterable[str], role: str = "synonym") -> tuple[CasNumber, ...]:
    """Every CAS-shaped synonym, in synonym order, each once, checksum failures kept and flagged.

    PubChem's synonym lists mix CAS numbers with EC numbers, ``CAS-`` prefixed copies and
    numbers whose check digit fails. None is dropped silently and none is preferred: the
    caller sees them all (invalid ones with ``valid=False``).

    >>> [(c.number, c.valid) for c in cas_from_synonyms(
    ...     ["aspirin", "50-78-2", "CAS-50-78-2", "EINECS 200-064-1", "200-064-1", "50-78-3"])]
    [('50-78-2', True), ('50-78-3', False)]
    """
    seen: dict[str, CasNumber] = {}
    for synonym in synonyms:
        match = CAS_SYNONYM.fullmatch(synonym.strip())
        if match is None:
            continue
        number = match.group(1)
        if number not in seen:
            seen[number] = CasNumber(number, role, cas.is_valid(number))
    return tuple(seen.values())
