"""Registering one compound: gather what the caller gave, resolve it, prepare it, insert it.

:func:`add` goes through named steps: :func:`draft` (the caller's values checked),
:func:`complete` (a structure found for a name or CAS number), :func:`identifier_rows` and
:func:`stored_notes` (what gets attached), then one transaction (:func:`insert`) that refuses a
duplicate structure unless asked to link (and a tautomer or stereoisomer of a registered
compound unless allowed: :mod:`registry.service.related`), links a salt to its parent, and
writes the audit row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar

from registry import cas as cas_numbers
from registry import chem, records
from registry.chem.registration import Prepared, prepare
from registry.errors import DuplicateCompound, InvalidStructure, ValidationError
from registry.models import Candidate, CasEntry, Compound, Identifier, Note
from registry.service.changes import identifier_change
from registry.service.checks import cas_entries, check_kind, check_text
from registry.service.conflicts import retrying
from registry.service.related import Allowed, check_one
from registry.service.resolve import (
    Resolved,
    Resolver,
    find_id,
    registered_structure,
    resolve_unregistered,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from registry.store import Store

__all__ = [
    "TEXT_TYPES",
    "Draft",
    "IdentifierRow",
    "Request",
    "add",
    "add_from_lookup",
    "complete",
    "draft",
    "identifier_rows",
    "insert",
    "salt_parent",
    "sequence",
    "stored_notes",
]

_T = TypeVar("_T")

#: Iterable, yet one value: never taken for a sequence of values (a str would give its
#: characters, bytes their integer codes).
TEXT_TYPES = (str, bytes, bytearray, memoryview)

#: (kind, value, CAS role or None, salt form, source): one identifier as the store adds it.
IdentifierRow = tuple[str, str, str | None, str, str]


@dataclass(frozen=True, slots=True)
class Request:
    """What a caller asks to register: the arguments of :meth:`Registry.add`."""

    structure: str | None = None
    name: str | None = None
    cas: tuple[CasEntry | str, ...] = ()
    synonyms: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    notes: tuple[Note, ...] = ()
    source: str = "user"
    as_salt_of: str | None = None
    link: bool = False
    query: str | None = None
    resolved: Resolved | None = None
    allowed: Allowed = field(default_factory=Allowed)


@dataclass(slots=True)
class Draft:
    """A registration being put together: filled by :func:`draft` and :func:`complete`."""

    structure: str | None
    query: str | None
    name: str
    cas: list[CasEntry]
    synonyms: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    resolved: Resolved | None = None


def sequence(values: Iterable[_T], parameter: str) -> tuple[_T, ...]:
    """``values`` as a tuple; a str or bytes (one value, not a sequence) is a TypeError.

    >>> sequence(["aspirin"], "synonyms")
    ('aspirin',)
    >>> sequence("aspirin", "synonyms")
    Traceback (most recent call last):
    ...
    TypeError: synonyms must be a sequence of values, not str: wrap a single value as [value]
    """
    if isinstance(values, TEXT_TYPES):
        raise TypeError(
            f"{parameter} must be a sequence of values, not {type(values).__name__}: "
            "wrap a single value as [value]"
        )
    return tuple(values)


def add(store: Store, author: str, request: Request, resolver: Resolver | None) -> Compound:
    """Register ``request`` in one transaction (see :meth:`Registry.add` for the rules)."""
    entry = draft(request)
    if request.link and entry.structure is None and entry.resolved is None and entry.query:
        # linking onto the record the name or CAS number finds: its own structure, no lookup
        found = registered_structure(store, entry.query)
        if found is not None:
            entry.structure, entry.query, entry.name = found[0], None, entry.name or found[1]
    entry = complete(store, entry, request.source, resolver)
    assert entry.structure is not None  # complete() finds one or raises
    entry.synonyms = [s for s in entry.synonyms if s.strip()]
    check_text(
        entry.name,
        request.source,
        *entry.synonyms,
        *(i.value for i in entry.identifiers),
        *(n.body + n.section + n.source for n in request.notes),
    )
    prepared = prepare(entry.structure, name=entry.name)
    rows = identifier_rows(entry, prepared, request.source)
    notes = stored_notes(request.notes, request.source, author)
    return retrying(lambda: insert(store, author, request, entry, prepared, rows, notes))


def draft(request: Request) -> Draft:
    """The caller's own values, checked; a query that reads as a structure is the structure."""
    structure, query = request.structure, request.query
    if structure is None and query and not cas_numbers.is_valid(query):
        try:
            chem.parse(query)
        except InvalidStructure:
            pass  # a name: resolved by complete()
        else:
            structure, query = query, None
    return Draft(
        structure=structure,
        query=query,
        name=(request.name or "").strip(),
        cas=cas_entries(request.cas, request.source),
        synonyms=list(request.synonyms),
        identifiers=list(request.identifiers),
        resolved=request.resolved,
    )


def complete(store: Store, entry: Draft, source: str, resolver: Resolver | None) -> Draft:
    """The draft with its structure: the given one, the resolution's, or the query's resolved.

    A resolution (given, or made here for a name or CAS number without a structure) adds its
    name when none was given, and its CAS numbers, synonyms and identifiers. A query next to a
    structure is the name (when none was given) or, as a valid CAS number, the parent CAS.
    """
    query = entry.query
    resolved = entry.resolved
    if resolved is None and entry.structure is None:
        if not query:
            raise ValidationError("give a structure (SMILES) or a name or CAS number")
        resolved = resolve_unregistered(store, query, resolver)
        is_cas = cas_numbers.is_valid(query)
        entry.name = entry.name or resolved.name or ("" if is_cas else query.strip())
        _merge(entry, resolved)
        if is_cas and cas_numbers.validate(query) not in {e.number for e in entry.cas}:
            entry.cas.append(CasEntry(cas_numbers.validate(query), "parent", "", source))
    elif resolved is not None:
        entry.name = entry.name or resolved.name
        _merge(entry, resolved)
    elif query and not entry.name and not cas_numbers.is_valid(query):
        entry.name = query.strip()
    elif query and cas_numbers.is_valid(query):
        entry.cas.append(CasEntry(cas_numbers.validate(query), "parent", "", source))
    if resolved is not None:
        entry.structure = resolved.smiles
        entry.resolved = resolved
    return entry


def _merge(entry: Draft, resolved: Resolved) -> None:
    given = {e.number for e in entry.cas}
    entry.cas += [e for e in resolved.cas if e.number not in given]
    entry.synonyms += resolved.synonyms
    entry.identifiers += resolved.identifiers


def identifier_rows(entry: Draft, prepared: Prepared, source: str) -> list[IdentifierRow]:
    """CAS numbers, identifiers and synonyms as the store adds them.

    A resolved structure that is a salt has its own CAS number recorded with role ``salt``:
    the number names the salt, not a free base.
    """
    cas_list = entry.cas
    if entry.resolved is not None and prepared.is_salt:
        salt_numbers = {e.number for e in entry.resolved.cas if e.role == "parent"}
        cas_list = [replace(e, role="salt") if e.number in salt_numbers else e for e in cas_list]
    rows: list[IdentifierRow] = [("cas", e.number, e.role, e.form, e.source) for e in cas_list]
    for identifier in entry.identifiers:
        check_kind(identifier.kind)
        rows.append((identifier.kind, identifier.value, None, "", identifier.source or source))
    rows += [("synonym", s, None, "", source) for s in entry.synonyms]
    return rows


def stored_notes(notes: Iterable[Note], source: str, author: str) -> list[Note]:
    """The notes as stored: checked bodies, the source and author filled in, their citations."""
    return [
        replace(
            n,
            section=records.check_one_line(n.section, "section name"),
            body=records.check_note_body(n.body),
            source=records.check_one_line(n.source, "source") or source,
            author=n.author or author,
            citations=n.citations or records.citations(n.body),
        )
        for n in notes
    ]


def insert(
    store: Store,
    author: str,
    request: Request,
    entry: Draft,
    prepared: Prepared,
    rows: list[IdentifierRow],
    notes: list[Note],
) -> Compound:
    """The registration's transaction: one unit of work for :func:`retrying`.

    Raises DuplicateCompound when the structure is registered already and ``request.link`` is
    not set; with it, the identifiers and notes go to that record (and a new name becomes a
    synonym of it). Raises RelatedStructure when a new structure is a tautomer or stereoisomer
    of a registered compound that ``request.allowed`` does not accept
    (:func:`registry.service.related.check_one`); the audit row of one accepted names them.
    """
    rows = list(rows)  # a retried run starts from the same rows
    with store.write() as connection:
        existing = store.id_by_hash(connection, prepared.registration_hash)
        parent_id = salt_parent(store, connection, prepared, request.as_salt_of)
        related: dict[str, list[str]] = {}
        if existing is not None:
            current = store.load(connection, existing)
            if not request.link:
                raise DuplicateCompound(
                    f"already registered as {current.registry_id} ({current.name}); "
                    "use link=True to add identifiers or notes to it"
                )
            compound_id = existing
            action = "link"
            if entry.name and entry.name.casefold() != current.name.casefold():
                rows.append(("synonym", entry.name, None, "", request.source))
        else:
            related = check_one(store, connection, prepared.row, request.allowed)
            [compound_id] = store.insert_compounds(connection, [prepared.row])
            action = "register"
        if parent_id is not None:
            store.set_parent(connection, compound_id, parent_id)
        new_rows: list[IdentifierRow] = []
        added = store.add_identifiers(connection, compound_id, rows, added_rows=new_rows)
        added_notes = sum(store.add_note(connection, compound_id, n) for n in notes)
        provenance = dict(entry.resolved.provenance) if entry.resolved is not None else {}
        detail = {
            "smiles": prepared.row.smiles,
            "identifiers": added,
            "notes": added_notes,
            "source": request.source,
            **provenance,
            **{f"{relation}_of": ids for relation, ids in related.items()},
        }
        if action == "link":  # which numbers and names the record gained
            detail["changes"] = [identifier_change(*r[:3], added=True) for r in new_rows]
        store.log(connection, action, author, compound_id, json.dumps(detail))
        return store.load(connection, compound_id)


def salt_parent(
    store: Store, connection: Connection, prepared: Prepared, as_salt_of: str | None
) -> int | None:
    """The id of the parent ``as_salt_of`` names, checked against the salt's own parent.

    Raises ValidationError when the structure is not a salt or its standardised parent is not
    that compound.
    """
    if as_salt_of is None:
        return None
    parent_id = find_id(store, connection, as_salt_of)
    parent = store.load(connection, parent_id)
    if not prepared.is_salt:
        raise ValidationError(
            f"as_salt_of={as_salt_of}: the structure has no counter-ion, so it is not a salt"
        )
    if prepared.row.parent_hash != parent.registration_hash:
        raise ValidationError(
            f"as_salt_of={as_salt_of}: the salt's parent structure is not "
            f"{parent.registry_id} ({parent.name}, {parent.smiles})"
        )
    return parent_id


def add_from_lookup(
    store: Store,
    author: str,
    candidate: Candidate,
    *,
    query: str | None = None,
    name: str | None = None,
    link: bool = False,
    allowed: Allowed | None = None,
) -> Compound:
    """Register a lookup candidate with its provenance (see :meth:`Registry.add_from_lookup`)."""
    if candidate.source == "registry":
        raise DuplicateCompound(f"{candidate.name} is already registered ({candidate.origin})")
    if not candidate.smiles:
        raise InvalidStructure(f"{candidate.source} gives no structure for {candidate.name}")
    resolved = Resolved.from_candidate(candidate, query)
    request = Request(
        name=name,
        source=resolved.source,
        link=link,
        resolved=resolved,
        allowed=allowed or Allowed(),
    )
    return add(store, author, request, None)
