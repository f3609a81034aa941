"""Plain dataclasses that cross module boundaries (records, lookup results).

Standard library only: every layer may import these without pulling anything heavy.
"""

from __future__ import annotations

import copy as _copy
import dataclasses as _dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from registry.frames import FrameLibrary, Tabular
from registry.property_models import Property as Property

# --- The compound registry (store, records, service) -------------------------------------------

#: What a CAS number means for the compound it is attached to. ``unknown`` is a number that a
#: source mentions next to the compound without establishing what it identifies: it is kept, but
#: never used to find the compound.
CAS_ROLES: tuple[str, ...] = (
    "parent",
    "salt",
    "hydrate",
    "stereoisomer",
    "racemate",
    "replaced",
    "unknown",
)

#: Identifier kinds a compound can carry besides its structure.
IDENTIFIER_KINDS: tuple[str, ...] = (
    "cas",
    "pubchem_cid",
    "inchikey",
    "unii",
    "chembl",
    "drugbank",
    "synonym",
)

#: Note sections offered by ``registry note add --help``; any other section name is accepted.
#: These spellings are canonical: ``mechanism`` or ``MECHANISM`` is stored as ``Mechanism``.
SUGGESTED_SECTIONS: tuple[str, ...] = (
    "Usage",
    "Mechanism",
    "Side effects",
    "Pharmacokinetics",
    "Research",
    "FAQs",
)


def section_key(section: str) -> str:
    """What makes two section names one section: case and runs of spaces do not count.

    >>> section_key("  Side   EFFECTS ")
    'side effects'
    """
    return " ".join(section.casefold().split())


def canonical_sections(sections: list[str] | tuple[str, ...]) -> list[str]:
    """Each section name in its canonical spelling, in order (one compound's notes).

    A suggested section is spelt as in :data:`SUGGESTED_SECTIONS`; any other takes the
    spelling of its first use in ``sections``.

    >>> canonical_sections(["MECHANISM", "Pain models", "pain  MODELS", "faqs"])
    ['Mechanism', 'Pain models', 'Pain models', 'FAQs']
    """
    spelling = {section_key(s): s for s in SUGGESTED_SECTIONS}
    return [spelling.setdefault(section_key(s), s.strip()) for s in sections]


@dataclass(frozen=True, slots=True)
class CasEntry:
    """A CAS Registry Number attached to a compound, with what it means for that compound.

    >>> CasEntry("101152-94-7", "salt", form="hydrochloride").identifies
    True
    >>> CasEntry("507-60-8", "unknown", source="research-notes").identifies
    False
    """

    number: str
    role: str = "unknown"
    form: str = ""
    source: str = ""

    @property
    def identifies(self) -> bool:
        """True when the number names this compound or one of its forms (role not unknown)."""
        return self.role != "unknown"


def joined_cas(entries: Sequence[CasEntry | CasNumber]) -> str:
    """CAS numbers as one flat text for a CSV cell: ``92623-85-3 (parent); 101152-94-7 (salt)``.

    >>> joined_cas([CasEntry("92623-85-3", "parent"), CasEntry("101152-94-7", "salt")])
    '92623-85-3 (parent); 101152-94-7 (salt)'
    """
    return "; ".join(f"{entry.number} ({entry.role})" for entry in entries)


@dataclass(frozen=True, slots=True)
class Identifier:
    """Any other identifier (PubChem CID, InChIKey, UNII, ChEMBL, DrugBank, synonym)."""

    kind: str
    value: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Note:
    """A piece of free text about a compound, under a section such as ``mechanism``.

    ``citations`` are the markers the text cites (``[^4]`` in the body gives ``"4"``).
    """

    section: str
    body: str
    source: str = ""
    citations: tuple[str, ...] = ()
    created_at: str = ""
    updated_at: str = ""
    author: str = ""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change to the registry: what, to which record, when and by whom."""

    at: str
    author: str
    action: str
    registry_id: str = ""
    detail: str = ""


# Field names per dataclass, read once (``dataclasses.asdict`` reads them for every value).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_ATOMS = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    """``dataclasses.asdict``'s conversion, the same values, several times faster on records:
    text, numbers and None are returned as they are (a deep copy of them is themselves), and
    each dataclass's field names are read once."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if _dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.get(kind)
        if names is None:
            names = _FIELD_NAMES[kind] = tuple(f.name for f in _dataclasses.fields(value))
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return kind(*[_plain(v) for v in value])
    if isinstance(value, (list, tuple)):
        return kind(_plain(v) for v in value)
    if isinstance(value, dict):
        return kind((_plain(k), _plain(v)) for k, v in value.items())
    return _copy.deepcopy(value)


@dataclass(frozen=True, slots=True)
class Compound(Tabular):
    """A registered compound and everything known about it.

    ``smiles`` is the standardised structure (what identity is decided on); ``submitted`` is the
    structure exactly as it was given. ``parent_id`` is the registry id of the parent compound
    when this record is a salt form; ``salt_forms`` lists the registry ids of its salt forms.
    """

    registry_id: str
    name: str
    smiles: str
    submitted: str = ""
    inchi: str = ""
    inchikey: str = ""
    formula: str = ""
    registration_hash: str = ""
    hash_layers: dict[str, str] = field(default_factory=dict)
    parent_id: str = ""
    salt_forms: tuple[str, ...] = ()
    #: Other records with this one's tautomer-insensitive (or stereo-insensitive) hash: its
    #: tautomers (stereoisomers), registered on purpose (``allow_tautomer``), by registry id.
    tautomers: tuple[str, ...] = ()
    stereoisomers: tuple[str, ...] = ()
    is_salt: bool = False
    cas: tuple[CasEntry, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    synonyms: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()
    properties: tuple[Property, ...] = ()
    history: tuple[AuditEntry, ...] = ()
    created_at: str = ""
    updated_at: str = ""
    #: Set when the record is retired (and when merged): when, and why.
    retired_at: str = ""
    retired_reason: str = ""
    #: The registry id this record was merged into (its queries redirect there).
    merged_into: str = ""
    #: The registry ids merged into this record.
    merged_from: tuple[str, ...] = ()
    #: The merged record a query named when it was redirected to this one.
    redirected_from: str = ""

    @property
    def status(self) -> str:
        """``active``, ``retired`` or ``merged``."""
        return "merged" if self.merged_into else "retired" if self.retired_at else "active"

    @property
    def identity_cas(self) -> tuple[CasEntry, ...]:
        """The CAS numbers that identify this compound or its forms (role not unknown)."""
        return tuple(entry for entry in self.cas if entry.identifies)

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-ready values (what ``dataclasses.asdict`` gives)."""
        plain: dict[str, Any] = _plain(self)
        return plain

    def summary(self) -> dict[str, Any]:
        """One row for a table: id, name, formula, identity CAS numbers, parent, InChIKey."""
        return {
            "registry_id": self.registry_id,
            "name": self.name,
            "formula": self.formula,
            "cas": [f"{e.number} ({e.role})" for e in self.identity_cas],
            "parent_id": self.parent_id,
            "inchikey": self.inchikey,
            "smiles": self.smiles,
        }

    FRAME_DEFAULT = "pandas"  # to_frame() has always given pandas here (registry.frames)

    def frame_columns(self) -> dict[str, list[Any]]:
        """The identifiers, one row each: CAS numbers with role and form, then the others."""
        rows = [("cas", e.number, e.role, e.form, e.source) for e in self.cas]
        rows += [(i.kind, i.value, "", "", i.source) for i in self.identifiers]
        return _columns(("kind", "value", "role", "form", "source"), rows)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A compound found by a search, with why it matched and (for similarity) the score."""

    registry_id: str
    name: str
    matched: str
    score: float | None = None
    smiles: str = ""


def _columns(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, list[Any]]:
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


class SearchResults(Tabular, tuple[SearchHit, ...]):
    """Search hits, best first; ``to_frame()`` (pandas), ``to_polars()``: one row per hit."""

    __slots__ = ()
    FRAME_DEFAULT = "pandas"
    FRAME_TYPES: ClassVar = {"score": "float"}

    def frame_columns(self) -> dict[str, list[Any]]:
        names = [f.name for f in _dataclasses.fields(SearchHit)]
        return _columns(names, [_dataclasses.astuple(h) for h in self])


_COMPOUND_COLUMNS = ("registry_id", "name", "formula", "cas", "cas_numbers", "parent_id")


class CompoundList(Tabular, tuple[Compound, ...]):
    """Compounds in registry order; ``to_frame()`` (pandas), ``to_polars()``: one row each,
    its identity CAS numbers as one text (:func:`joined_cas`) and as a list."""

    __slots__ = ()
    FRAME_DEFAULT = "pandas"
    FRAME_LISTS = ("cas_numbers",)

    def frame_columns(self) -> dict[str, list[Any]]:
        rows = [
            (c.registry_id, c.name, c.formula, joined_cas(c.identity_cas),
             [e.number for e in c.identity_cas], c.parent_id, c.inchikey, c.smiles)
            for c in self
        ]  # fmt: skip
        return _columns((*_COMPOUND_COLUMNS, "inchikey", "smiles"), rows)


@dataclass(frozen=True, slots=True)
class CompoundRow:
    """What the service hands the store to insert one compound."""

    name: str
    submitted: str
    smiles: str
    inchi: str
    inchikey: str
    formula: str
    registration_hash: str
    tautomer_hash: str
    no_stereo_hash: str
    hash_layers: dict[str, str]
    is_salt: bool
    counterions: tuple[tuple[str, int], ...]
    parent_hash: str | None
    fingerprint: bytes | None
    record_meta: dict[str, Any] | None = None
    record_text: str | None = None
    record_digest: str | None = None
    properties: tuple[Property, ...] = field(default=())


# --- Lookup results (registry.sources.chain) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class CasNumber:
    """A CAS number attached to a lookup candidate.

    Attributes:
        number: the number as found (canonical when it is valid).
        role: how the source relates it to the compound: ``primary`` (the source's own CAS
            field), ``synonym`` (found among the names), ``query`` (the number asked for).
        valid: whether its check digit holds; invalid ones are kept, flagged, never dropped.
    """

    number: str
    role: str
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Candidate:
    """One answer to a lookup, from one source.

    Attributes:
        source: ``registry``, ``reference`` (the offline index) or ``pubchem``.
        retrieved: when the source's data was obtained (ISO 8601 date or timestamp).
        name: the preferred name the source gives.
        cas: every CAS number the source associates with the compound, with its role.
        formula, inchikey, cid, smiles, inchi, iupac_name, molecular_weight: identifiers.
        synonyms: other names (may be truncated by the source).
        origin: finer provenance (file, URL) of the facts.
        properties: computed properties the source gave with the answer (PubChem's).
    """

    source: str
    retrieved: str
    name: str
    cas: tuple[CasNumber, ...] = ()
    formula: str = ""
    inchikey: str = ""
    cid: int | None = None
    smiles: str = ""
    inchi: str = ""
    iupac_name: str = ""
    molecular_weight: float | None = None
    synonyms: tuple[str, ...] = ()
    origin: str = ""
    properties: tuple[Property, ...] = ()

    @property
    def cas_numbers(self) -> tuple[str, ...]:
        """The numbers alone, valid ones first, in source order."""
        return tuple(c.number for c in sorted(self.cas, key=lambda c: not c.valid))


@dataclass(frozen=True, slots=True)
class LookupResult:
    """Everything the lookup chain found for one query.

    Attributes:
        query: the query as given.
        kind: what the query was taken for (``cas``, ``cid``, ``inchikey``, ``inchi``,
            ``smiles``, ``name``).
        candidates: every candidate from every source asked, in source order.
        ambiguous: one source gave several different compounds.
        conflict: sources disagree on the structure (InChIKey) for one CAS number.
        salt_parent: pairs of candidate indexes ``(salt, parent)`` where one is a salt or
            mixture containing the other.
        suggestions: for a CAS number failing its checksum, the likely intended numbers, known
            ones first.
        sources: the sources asked, in order.
        warnings: sources that could not answer (PubChem down, offline), in plain words.
    """

    query: str
    kind: str
    candidates: tuple[Candidate, ...] = ()
    ambiguous: bool = False
    conflict: bool = False
    salt_parent: tuple[tuple[int, int], ...] = ()
    suggestions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def found(self) -> bool:
        return bool(self.candidates)

    @property
    def status(self) -> str:
        """``found``, ``not found``, ``invalid-checksum`` (with suggestions) or ``empty`` (no
        query: None, NaN, NA, null or blank)."""
        if self.candidates:
            return "found"
        if self.kind == "empty":
            return "empty"
        return "invalid-checksum" if self.suggestions else "not found"

    def frame_rows(self) -> list[tuple[Any, ...]]:
        """One row per candidate (one row of nulls when there is none), columns
        :data:`LOOKUP_COLUMNS`."""
        head = (self.query, self.kind, self.status)
        tail = (self.ambiguous, self.conflict, "; ".join(self.suggestions),
                "; ".join(self.warnings))  # fmt: skip
        if not self.candidates:
            return [(*head, *(None,) * 11, *tail)]
        return [
            (*head, c.source, c.name, joined_cas(c.cas), list(c.cas_numbers), c.formula,
             c.inchikey, c.cid, c.smiles, c.molecular_weight, c.iupac_name, c.retrieved, *tail)
            for c in self.candidates
        ]  # fmt: skip


LOOKUP_COLUMNS = (
    "query", "kind", "status", "source", "name", "cas", "cas_numbers", "formula", "inchikey",
    "cid", "smiles", "molecular_weight", "iupac_name", "retrieved", "ambiguous", "conflict",
    "suggestions", "warnings",
)  # fmt: skip


class LookupResults(Tabular, list[LookupResult]):
    """Lookup results in query order; ``to_frame()`` gives one row per candidate, with the
    ``query`` it answers (a query nothing answered keeps one row, its status saying why)."""

    FRAME_LISTS = ("cas_numbers",)
    FRAME_TYPES: ClassVar = {"cid": "int", "molecular_weight": "float"}

    def __init__(self, results: Sequence[LookupResult] = (), frame: FrameLibrary = "polars"):
        super().__init__(results)
        self.library = frame

    @property
    def frame_library(self) -> FrameLibrary:
        return self.library

    def frame_columns(self) -> dict[str, list[Any]]:
        return _columns(LOOKUP_COLUMNS, [row for result in self for row in result.frame_rows()])
