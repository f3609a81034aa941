"""The registry's use cases: register, find, search, notes, import and export of record files.

:class:`Registry` wires the chemistry (:mod:`registry.chem`, :mod:`registry.chem.descriptors`), the
database (:mod:`registry.store`) and the record files (:mod:`registry.records`) together::

    from registry import Registry

    with Registry.open() as reg:                       # SQLite in the user data directory
        c = reg.add("CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl", name="milnacipran hydrochloride")
        reg.get("milnacipran").salt_forms              # ('REG-000002',)
        reg.search("fibromyalgia").to_frame()          # a pandas DataFrame

Every change happens in one transaction and leaves an audit row naming its author.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from registry import cas as cas_numbers
from registry import records
from registry.chem.registration import Prepared, iter_prepared, prepare, prepare_many
from registry.config import Settings
from registry.errors import (
    Ambiguous,
    DuplicateCompound,
    InvalidStructure,
    NotFound,
    RecordFileError,
    ValidationError,
)
from registry.models import (
    CAS_ROLES,
    IDENTIFIER_KINDS,
    CasEntry,
    Compound,
    CompoundList,
    Identifier,
    Note,
    SearchHit,
    SearchResults,
)
from registry.store import Conflict, Store, format_registry_id, open_store
from registry.store import parse_registry_id as _parse_id

__all__ = [
    "ExportFormat",
    "ImportReport",
    "LookupResolver",
    "Prepared",
    "Registry",
    "Resolved",
    "Resolver",
    "bundled_records_dir",
    "prepare",
    "prepare_many",
]

ExportFormat = Literal["md", "json", "csv", "sdf"]
_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
_CAS_LIKE = re.compile(r"^(?:CAS\W*)?[0-9]{2,7}-[0-9]{2}-[0-9]$", re.IGNORECASE)
_RETRIES = 5
# add_many starts its transaction when this many structures are still being computed, and
# inserts what arrives after that in batches of _STREAM_BATCH.
_OVERLAP_TAIL = 1000
_STREAM_BATCH = 200
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a resolver found for a name or CAS number: a structure and where it came from.

    ``identifiers`` (e.g. the PubChem CID) are attached with the CAS numbers; ``provenance``
    (source, retrieval date, origin, CID, query) goes into the audit row of the registration.
    A CAS entry with role ``parent`` is recorded as ``salt`` when the structure is a salt.
    """

    smiles: str
    name: str = ""
    cas: tuple[CasEntry, ...] = ()
    synonyms: tuple[str, ...] = ()
    source: str = ""
    identifiers: tuple[Identifier, ...] = ()
    provenance: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_candidate(cls, candidate: Any, query: str | None = None) -> Resolved:
        """What a lookup candidate (:class:`~registry.models.Candidate`) registers as.

        CAS roles: the source's own CAS field (the offline index's ``primary``) is the
        ``parent`` number (``salt`` when the structure is a salt); so is the queried CAS
        number when the source has no CAS field of its own (PubChem: the number the user
        asked for led to this record). Every other number found among the synonyms is kept
        with role ``unknown`` (mentioned, not identifying). A number failing its checksum is
        never stored. CAS-shaped synonyms are recorded as CAS numbers, not as names.
        """
        source = (
            f"{candidate.source}:{candidate.retrieved[:10]}"
            if candidate.retrieved
            else (candidate.source)
        )
        asked = cas_numbers.check(query).canonical if query else None
        has_primary = any(c.role == "primary" and c.valid for c in candidate.cas)
        entries: list[CasEntry] = []
        for number in candidate.cas:
            if not number.valid:
                continue
            identifying = number.role == "primary" or (number.number == asked and not has_primary)
            entries.append(
                CasEntry(number.number, "parent" if identifying else "unknown", "", source)
            )
        if asked and not has_primary and asked not in {e.number for e in entries}:
            entries.insert(0, CasEntry(asked, "parent", "", source))
        entries.sort(key=lambda e: e.role != "parent")  # the identifying number first
        numbers = {e.number for e in entries}
        ids = (Identifier("pubchem_cid", str(candidate.cid), source),) if candidate.cid else ()
        provenance = (
            ("lookup_source", candidate.source),
            ("retrieved", candidate.retrieved),
            ("origin", candidate.origin),
            ("pubchem_cid", str(candidate.cid or "")),
            ("query", query or ""),
        )
        return cls(
            smiles=candidate.smiles,
            name=candidate.name,
            cas=tuple(entries),
            synonyms=tuple(
                s for s in candidate.synonyms if s not in numbers and not _CAS_LIKE.match(s)
            ),
            source=source,
            identifiers=ids,
            provenance=provenance,
        )


class Resolver(Protocol):
    """Turns a name or CAS number into a structure (PubChem lookup plugs in here)."""

    def __call__(self, query: str) -> Resolved | None: ...


class LookupResolver:
    """Resolves names and CAS numbers through the lookup chain (offline index, then PubChem).

    The registry itself is not asked (:meth:`Registry.add` has looked there first). An
    ambiguous answer (a name naming several compounds, sources disagreeing on a CAS number's
    structure) raises :class:`~registry.errors.Ambiguous` listing the candidates, so that
    nothing is registered by guess; ``registry lookup QUERY --add --pick N`` chooses one.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, query: str) -> Resolved | None:
        from registry.sources.chain import choose, default_sources, lookup

        sources = default_sources(self.settings, registry=False)
        try:
            result = lookup(query, self.settings, sources)
        except NotFound:
            return None
        if not result.found:  # a CAS number failing its checksum
            raise NotFound(
                f"{query!r} fails the CAS checksum; did you mean {', '.join(result.suggestions)}?"
            )
        return Resolved.from_candidate(choose(result), query)


@dataclass(slots=True)
class ImportReport:
    """What an import did, file by file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the import changed anything in the registry."""
        return bool(self.added or self.updated)

    def summary(self) -> str:
        """One line: counts, or that nothing changed."""
        if not self.changed:
            return f"nothing changed ({len(self.unchanged)} record(s) already up to date)"
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged"
        )


def bundled_records_dir() -> Path:
    """The record files that ship with the package (``compounds/`` in a checkout)."""
    package = Path(__file__).resolve().parents[1]
    inside = package / "_records"
    if inside.is_dir():
        return inside
    return package.parent / "compounds"


def _check_text(*values: str) -> None:
    # PostgreSQL text cannot hold NUL characters, and no database holds lone surrogates (not
    # Unicode text at all): refuse both on every backend alike.
    for value in values:
        if "\x00" in value:
            raise ValidationError(f"text contains a NUL character: {value[:40]!r}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValidationError(
                f"text is not valid Unicode (lone surrogate): {value[:40]!r}"
            ) from error


def _check_kind(kind: str) -> None:
    if kind not in IDENTIFIER_KINDS:
        raise ValidationError(
            f"identifier kind {kind!r} is not one of {', '.join(IDENTIFIER_KINDS)}"
        )


def _cas_entries(entries: Iterable[CasEntry | str], source: str) -> list[CasEntry]:
    found = []
    for entry in entries:
        item = CasEntry(entry, "parent", "", source) if isinstance(entry, str) else entry
        if item.role not in CAS_ROLES:
            raise ValidationError(f"CAS role {item.role!r} is not one of {', '.join(CAS_ROLES)}")
        found.append(
            replace(item, number=cas_numbers.validate(item.number), source=item.source or source)
        )
    return found


class Registry:
    """The compound registry: open one with :meth:`open` and use it as a context manager."""

    def __init__(self, store: Store, settings: Settings, *, resolver: Resolver | None = None):
        self.store = store
        self.settings = settings
        self.resolver = resolver

    # --- opening ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        settings: Settings | None = None,
        author: str | None = None,
        resolver: Resolver | None = None,
        seed: bool = True,
    ) -> Registry:
        """Open the registry at ``url`` (default: ``settings.db_url``), creating it if needed.

        A newly created registry is seeded with the record files that ship with the package
        (``seed=False`` skips that), so ``registry show milnacipran`` works on a fresh install.
        """
        settings = settings or Settings.from_env()
        if author:
            settings = settings.replace(author=author)
        store = open_store(url or settings.db_url)
        registry = cls(store, settings, resolver=resolver)
        try:
            if seed and store.created:
                registry.import_records(bundled_records_dir(), source="bundled")
        except BaseException:
            store.close()
            raise
        return registry

    def close(self) -> None:
        """Close the database connections."""
        self.store.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def author(self) -> str:
        """Who the audit trail names for changes made through this registry."""
        return self.settings.author

    def _retrying(self, work: Callable[[], _T]) -> _T:
        # A Conflict means another writer inserted the same row between our check and insert
        # (PostgreSQL without the advisory lock, or a unique index we do not pre-check): the
        # whole unit of work is rolled back and runs again, and then sees the other's row.
        for attempt in range(_RETRIES):
            try:
                return work()
            except Conflict:
                if attempt == _RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    # --- registration -----------------------------------------------------------------------

    def add(
        self,
        structure: str | None = None,
        *,
        name: str | None = None,
        cas: Iterable[CasEntry | str] = (),
        synonyms: Iterable[str] = (),
        identifiers: Iterable[Identifier] = (),
        notes: Iterable[Note] = (),
        source: str = "user",
        as_salt_of: str | None = None,
        link: bool = False,
        query: str | None = None,
        resolver: Resolver | None = None,
        resolved: Resolved | None = None,
    ) -> Compound:
        """Register a compound, in one transaction.

        Args:
            structure: SMILES, InChI or Molfile. When absent, ``query`` (a name or CAS number)
                is resolved: first in this registry, then through ``resolver``.
            name: preferred name (default: the query when it is a name, else the SMILES).
            cas: CAS numbers (plain strings are taken as the parent CAS) or :class:`CasEntry`.
            synonyms, identifiers, notes: attached to the compound with ``source``.
            source: where the identifiers and notes come from (recorded with each).
            as_salt_of: registry id, CAS or name of the parent this structure is a salt of; the
                parent is checked against the salt's standardised parent.
            link: when the structure is registered already, attach the new identifiers and
                notes to that record instead of refusing.
            query: a name or CAS number to resolve when there is no structure.
            resolver: resolves names and CAS numbers to structures (default: the registry's).
            resolved: a resolution made already (see :meth:`add_from_lookup`): its structure,
                name, CAS numbers, identifiers and synonyms are registered, with its
                provenance in the audit row.

        Raises:
            DuplicateCompound: the structure (or an identifying CAS number) is registered
                already; the message names the record. Pass ``link=True`` to add to it.
            InvalidStructure: the structure cannot be read.
            NotFound: a query without a structure that nothing resolves.
        """
        cas_list = _cas_entries(cas, source)
        name_value = (name or "").strip()
        if structure is None and query and not cas_numbers.is_valid(query):
            from registry import chem

            try:
                chem.parse(query)
            except InvalidStructure:
                pass  # a name: resolved below
            else:
                structure, query = query, None
        if resolved is not None:
            structure = resolved.smiles
            name_value = name_value or resolved.name
            given = {e.number for e in cas_list}
            cas_list += [e for e in resolved.cas if e.number not in given]
            synonyms = [*synonyms, *resolved.synonyms]
            identifiers = [*identifiers, *resolved.identifiers]
        elif structure is None:
            if not query:
                raise ValidationError("give a structure (SMILES) or a name or CAS number")
            resolved = self._resolve(query, resolver or self.resolver)
            structure = resolved.smiles
            is_cas = cas_numbers.is_valid(query)
            name_value = name_value or resolved.name or ("" if is_cas else query.strip())
            given = {e.number for e in cas_list}
            cas_list += [e for e in resolved.cas if e.number not in given]
            if is_cas and cas_numbers.validate(query) not in {e.number for e in cas_list}:
                cas_list.append(CasEntry(cas_numbers.validate(query), "parent", "", source))
            synonyms = [*synonyms, *resolved.synonyms]
            identifiers = [*identifiers, *resolved.identifiers]
        elif query and not name_value and not cas_numbers.is_valid(query):
            name_value = query.strip()
        elif query and cas_numbers.is_valid(query):
            cas_list.append(CasEntry(cas_numbers.validate(query), "parent", "", source))
        synonyms = [s for s in synonyms if s.strip()]
        identifiers = list(identifiers)
        notes = list(notes)
        _check_text(
            name_value,
            source,
            *synonyms,
            *(i.value for i in identifiers),
            *(n.body + n.section + n.source for n in notes),
        )
        prepared = prepare(structure, name=name_value)
        if resolved is not None and prepared.is_salt:
            # a resolved structure's own CAS number names the salt, not a free base
            salt_numbers = {e.number for e in resolved.cas if e.role == "parent"}
            cas_list = [
                replace(e, role="salt") if e.number in salt_numbers else e for e in cas_list
            ]
        new_ids = [(e.number, e) for e in cas_list]
        ident_rows: list[tuple[str, str, str | None, str, str]] = [
            ("cas", e.number, e.role, e.form, e.source) for _, e in new_ids
        ]
        for ident in identifiers:
            _check_kind(ident.kind)
            ident_rows.append((ident.kind, ident.value, None, "", ident.source or source))
        ident_rows += [("synonym", s, None, "", source) for s in synonyms]
        note_list = [
            replace(
                n,
                body=records.check_note_body(n.body),
                source=n.source or source,
                author=n.author or self.author,
                citations=n.citations or records.citations(n.body),
            )
            for n in notes
        ]

        def work() -> Compound:
            with self.store.write() as conn:
                existing = self.store.id_by_hash(conn, prepared.registration_hash)
                parent_id = self._salt_parent(conn, prepared, as_salt_of)
                if existing is not None:
                    if not link:
                        record = self.store.load(conn, existing)
                        raise DuplicateCompound(
                            f"already registered as {record.registry_id} ({record.name}); "
                            "use --link to add identifiers or notes to it"
                        )
                    compound_id = existing
                    action = "link"
                    current = self.store.load(conn, existing).name
                    if name_value and name_value.casefold() != current.casefold():
                        # the name it was given here becomes another name of the record
                        ident_rows.append(("synonym", name_value, None, "", source))
                else:
                    [compound_id] = self.store.insert_compounds(conn, [prepared.row])
                    action = "register"
                if parent_id is not None:
                    self.store.set_parent(conn, compound_id, parent_id)
                added = self.store.add_identifiers(conn, compound_id, ident_rows)
                added_notes = sum(self.store.add_note(conn, compound_id, n) for n in note_list)
                self.store.log(
                    conn,
                    action,
                    self.author,
                    compound_id,
                    json.dumps(
                        {
                            "smiles": prepared.row.smiles,
                            "identifiers": added,
                            "notes": added_notes,
                            "source": source,
                            **(dict(resolved.provenance) if resolved is not None else {}),
                        }
                    ),
                )
                return self.store.load(conn, compound_id)

        return self._retrying(work)

    def _salt_parent(self, conn: Any, prepared: Prepared, as_salt_of: str | None) -> int | None:
        if as_salt_of is None:
            return None
        parent_id = self._find_id(conn, as_salt_of)
        parent = self.store.load(conn, parent_id)
        if not prepared.is_salt:
            raise ValidationError(
                f"--as-salt-of {as_salt_of}: the structure has no counter-ion, so it is not a salt"
            )
        if prepared.row.parent_hash != parent.registration_hash:
            raise ValidationError(
                f"--as-salt-of {as_salt_of}: the salt's parent structure is not "
                f"{parent.registry_id} ({parent.name}, {parent.smiles})"
            )
        return parent_id

    def _resolve(self, query: str, resolver: Resolver | None) -> Resolved:
        with self.store.read() as conn:
            try:
                found = self._find_id(conn, query)
            except NotFound:
                found = None
            if found is not None:
                record = self.store.load(conn, found)
                raise DuplicateCompound(
                    f"{query} is already registered as {record.registry_id} ({record.name})"
                )
        resolved = resolver(query) if resolver is not None else None
        if resolved is None:
            raise NotFound(
                f"{query!r} is not in the registry and nothing resolves it here; give its "
                "structure with --smiles"
            )
        return resolved

    def add_from_lookup(
        self,
        candidate: Any,
        *,
        query: str | None = None,
        name: str | None = None,
        link: bool = False,
    ) -> Compound:
        """Register a lookup :class:`~registry.models.Candidate` with its provenance.

        The structure, name, PubChem CID, synonyms and CAS numbers (with roles, see
        :meth:`Resolved.from_candidate`) are recorded with the source and its retrieval date;
        the audit row also names the origin and the query. A candidate that came from this
        registry is registered already (DuplicateCompound).
        """
        if candidate.source == "registry":
            raise DuplicateCompound(f"{candidate.name} is already registered ({candidate.origin})")
        if not candidate.smiles:
            raise InvalidStructure(f"{candidate.source} gives no structure for {candidate.name}")
        resolved = Resolved.from_candidate(candidate, query)
        return self.add(name=name, source=resolved.source, link=link, resolved=resolved)

    def add_many(
        self,
        structures: Sequence[tuple[str, str]],
        *,
        source: str = "user",
        with_descriptors: bool = True,
        workers: int | None = None,
        timings: dict[str, float] | None = None,
    ) -> tuple[list[str], list[tuple[int, str]]]:
        """Register many ``(smiles, name)`` pairs in one transaction, skipping duplicates.

        Returns the registry ids of the new compounds and ``(index, reason)`` for every
        structure that was not registered (already registered, duplicated in the batch, or
        unreadable). The RDKit work runs in ``workers`` processes for large batches (see
        :func:`prepare_many`); ``timings`` accumulates seconds per stage.
        """
        stream = iter_prepared(
            structures, with_descriptors=with_descriptors, workers=workers, timings=timings
        )
        received: list[Prepared | None] = []
        with contextlib.closing(stream):
            # The results are held outside any transaction until only the last few chunks are
            # still being computed; then the transaction starts and the insert overlaps them.
            # (Starting it earlier would hold the write lock through the whole computation.)
            for chunk in stream:
                received.extend(chunk)
                if len(structures) - len(received) <= _OVERLAP_TAIL:
                    break
            if len(received) == len(structures):  # one chunk: small batch or no workers
                return self.add_prepared(received, source=source, timings=timings)
            try:
                return self._add_streaming(received, stream, source, timings)
            except Conflict:
                # Rolled back: finish the computation, then insert it all in one (retried) go.
                for chunk in stream:
                    received.extend(chunk)
                return self.add_prepared(received, source=source, timings=timings)

    def _add_streaming(
        self,
        received: list[Prepared | None],
        rest: Iterator[list[Prepared | None]],
        source: str,
        timings: dict[str, float] | None,
    ) -> tuple[list[str], list[tuple[int, str]]]:
        """:meth:`add_prepared` for ``received`` and then each chunk of ``rest`` as it comes.

        One transaction; the result equals ``add_prepared(received + all of rest)``. A hash
        inserted by an earlier batch of this call is reported as the same structure as that
        input, as the single insert would (it was not registered before this call).
        """
        skipped: list[tuple[int, str]] = []
        seen: dict[str, int] = {}
        ids: list[int] = []
        spent = 0.0
        detail = json.dumps({"source": source, "batch": True})

        def insert(conn: Any, batch: Sequence[Prepared | None], offset: int) -> None:
            valid = [(offset + i, p) for i, p in enumerate(batch) if p is not None]
            skipped.extend(
                (offset + i, "invalid structure") for i, p in enumerate(batch) if p is None
            )
            ids.extend(self._insert_new(conn, valid, seen, skipped, detail))

        start = time.perf_counter()
        with self.store.write() as conn:
            insert(conn, received, 0)
            spent += time.perf_counter() - start
            pending: list[Prepared | None] = []
            for chunk in rest:
                pending.extend(chunk)
                received.extend(chunk)
                if len(pending) >= _STREAM_BATCH:
                    start = time.perf_counter()
                    insert(conn, pending, len(received) - len(pending))
                    spent += time.perf_counter() - start
                    pending = []
            start = time.perf_counter()
            insert(conn, pending, len(received) - len(pending))
        spent += time.perf_counter() - start  # the last batch and the commit
        if timings is not None:  # wall-clock: the insert waits on the disk, not the CPU
            timings["insert"] = timings.get("insert", 0.0) + spent
        return [format_registry_id(i) for i in ids], sorted(skipped)

    def add_prepared(
        self,
        prepared: Sequence[Prepared | None],
        *,
        source: str = "user",
        timings: dict[str, float] | None = None,
        checkpoint: tuple[str, str, int, bool] | None = None,
    ) -> tuple[list[str], list[tuple[int, str]]]:
        """Insert structures :func:`prepare` made (None: unreadable), in one transaction.

        Same result as :meth:`add_many`; lets callers prepare in parallel processes.
        ``checkpoint`` (digest, source, rows done, finished) is recorded in the same
        transaction, so that a bulk import resumes exactly after the last committed batch.
        """
        valid = [(i, p) for i, p in enumerate(prepared) if p is not None]
        invalid = [(i, "invalid structure") for i, p in enumerate(prepared) if p is None]

        def work() -> tuple[list[str], list[tuple[int, str]]]:
            start = time.perf_counter()
            skipped = list(invalid)
            with self.store.write() as conn:
                detail = json.dumps({"source": source, "batch": True})
                ids = self._insert_new(conn, valid, {}, skipped, detail)
                if checkpoint is not None:
                    self.store.set_import_progress(conn, *checkpoint)
            if timings is not None:  # wall-clock: the insert waits on the disk, not the CPU
                timings["insert"] = timings.get("insert", 0.0) + time.perf_counter() - start
            return [format_registry_id(i) for i in ids], sorted(skipped)

        return self._retrying(work)

    def _insert_new(
        self,
        conn: Any,
        valid: Sequence[tuple[int, Prepared]],
        seen: dict[str, int],
        skipped: list[tuple[int, str]],
        detail: str,
    ) -> list[int]:
        """Insert the structures neither registered nor met earlier in this input, and log them.

        ``seen`` maps the hashes inserted so far by this input to their input index (updated);
        every other structure goes into ``skipped`` with the reason.
        """
        known = self.store.ids_by_hashes(conn, [p.registration_hash for _, p in valid])
        fresh: list[Prepared] = []
        for index, item in valid:
            h = item.registration_hash
            if h in seen:
                skipped.append((index, f"same structure as input {seen[h] + 1}"))
            elif h in known:
                skipped.append((index, f"already registered as {format_registry_id(known[h])}"))
            else:
                seen[h] = index
                fresh.append(item)
        ids = self.store.insert_compounds(conn, [p.row for p in fresh])
        self.store.log_many(
            conn,
            [
                {"action": "register", "author": self.author, "compound_id": i, "detail": detail}
                for i in ids
            ],
        )
        return ids

    def import_structures(self, path: Path, **options: Any) -> Any:
        """Bulk-register a structure file (.sdf, .csv/.tsv, .smi) in resumable batches.

        See :func:`registry.service.structure_import.import_structures` for the options and report.
        """
        from registry.service.structure_import import import_structures

        return import_structures(self, path, **options)

    # --- reading ----------------------------------------------------------------------------

    def _find_id(self, conn: Any, query: str) -> int:
        query = query.strip()
        if not query:
            raise NotFound("empty query")
        number = _parse_id(query)
        if number is not None:
            if self.store.exists(conn, number):
                return number
            raise NotFound(f"no compound {format_registry_id(number)}")
        candidates: list[int] = []
        what = "name"
        if cas_numbers.is_valid(query) and any(ch.isdigit() for ch in query):
            number_text = cas_numbers.validate(query)
            candidates = self.store.ids_by_identifier(conn, "cas", number_text)
            what = f"CAS {number_text}"
            if not candidates:
                mentions = self.store.mentions_of_cas(conn, number_text)
                if mentions:
                    names = self.store.names(conn, mentions)
                    cited = ", ".join(f"{format_registry_id(i)} ({names[i][0]})" for i in mentions)
                    raise NotFound(
                        f"CAS {number_text} identifies no registered compound; it is mentioned "
                        f"(role unknown) by {cited}"
                    )
        elif _INCHIKEY.match(query.upper()):
            candidates = self.store.ids_by_inchikey(conn, query.upper())
            what = "InChIKey"
        if not candidates:
            candidates = self.store.ids_by_name(conn, query)
        if not candidates:
            for kind in ("pubchem_cid", "unii", "chembl", "drugbank"):
                candidates = self.store.ids_by_identifier(conn, kind, query)
                if candidates:
                    break
        if not candidates:
            candidates = self._ids_by_structure(conn, query)
        if not candidates:
            raise NotFound(
                f"{query!r} is not in the registry (searched {what}, identifiers and structures)"
            )
        if len(candidates) > 1:
            names = self.store.names(conn, candidates)
            listed = ", ".join(f"{format_registry_id(i)} ({names[i][0]})" for i in candidates)
            raise Ambiguous(f"{query!r} matches {len(candidates)} compounds: {listed}")
        return candidates[0]

    def _ids_by_structure(self, conn: Any, query: str) -> list[int]:
        from registry import chem

        try:
            std = chem.standardise(query)
        except InvalidStructure:
            return []  # not a structure either: the query is simply unknown
        found = self.store.id_by_hash(conn, chem.identifiers(std.standardised).registration_hash)
        return [found] if found is not None else []

    def resolve(self, query: str) -> str:
        """The registry id that a registry id, CAS number, InChIKey, name or SMILES names.

        The same resolution as :meth:`get`, without loading the record.
        """
        with self.store.read() as conn:
            return format_registry_id(self._find_id(conn, query))

    def get(self, query: str, *, history: bool = False) -> Compound:
        """The compound a registry id, CAS number, InChIKey, name or synonym names.

        Raises:
            NotFound: nothing matches (a CAS number that a record only mentions, with role
                unknown, does not match; the message says which record mentions it).
            Ambiguous: several compounds match (a synonym shared by several).
        """
        with self.store.read() as conn:
            return self.store.load(conn, self._find_id(conn, query), history=history)

    def find(self, query: str) -> CompoundList:
        """Every compound ``query`` identifies (empty when none); never raises NotFound."""
        try:
            return CompoundList((self.get(query),))
        except NotFound:
            return CompoundList()
        except Ambiguous:
            with self.store.read() as conn:
                ids = self.store.ids_by_name(conn, query)
                return CompoundList(self.store.load(conn, i) for i in ids)

    def list_compounds(
        self, *, limit: int | None = None, offset: int = 0, full: bool = False
    ) -> CompoundList:
        """Registered compounds in registry order.

        By default each carries its identity (name, structure, formula, InChIKey, parent, CAS
        numbers) only, read in two queries however many there are; ``full=True`` loads
        everything (notes, descriptors, synonyms) of each.
        """
        with self.store.read() as conn:
            if not full:
                return CompoundList(self.store.summaries(conn, limit=limit, offset=offset))
            return CompoundList(
                self.store.load(conn, i)
                for i in self.store.all_ids(conn, limit=limit, offset=offset)
            )

    def count(self) -> int:
        """How many compounds are registered."""
        with self.store.read() as conn:
            return self.store.count(conn)

    def search(
        self,
        text: str | None = None,
        *,
        similar: str | None = None,
        min_similarity: float = 0.7,
        substructure: str | None = None,
        limit: int = 100,
    ) -> SearchResults:
        """Search by text (names, synonyms, identifiers, notes), similarity or substructure.

        Exactly one of ``text``, ``similar`` (a SMILES; Tanimoto on Morgan fingerprints of the
        parent structures) and ``substructure`` (a SMARTS) is given.
        """
        given = [v for v in (text, similar, substructure) if v is not None]
        if len(given) != 1:
            raise ValidationError("search by exactly one of: text, similar, substructure")
        if text is not None:
            if not text.strip():
                raise ValidationError("empty search text")
            with self.store.read() as conn:
                found = self.store.search_text(conn, text, limit)
                names = self.store.names(conn, [i for i, _ in found])
            return SearchResults(
                SearchHit(format_registry_id(i), names[i][0], matched, None, names[i][1])
                for i, matched in found
            )
        from registry import chem

        if similar is not None:
            if not 0.0 <= min_similarity <= 1.0:
                raise ValidationError("--min is a Tanimoto similarity between 0 and 1")
            probe = chem.fingerprint(chem.standardise(similar).parent)
            scored: list[tuple[float, int]] = []
            with self.store.read() as conn:
                if self.store.cartridge:  # in the database, on the same fingerprint bits
                    scored = self.store.similar_in_database(conn, probe, min_similarity, limit)
                else:
                    for compound_id, fp in self.store.fingerprints(conn):
                        score = chem.tanimoto(probe, fp)
                        if score >= min_similarity:
                            scored.append((score, compound_id))
                    scored.sort(key=lambda s: (-s[0], s[1]))
                    scored = scored[:limit]
                names = self.store.names(conn, [i for _, i in scored])
            return SearchResults(
                SearchHit(format_registry_id(i), names[i][0], "similar", round(s, 4), names[i][1])
                for s, i in scored
            )
        assert substructure is not None
        pattern = chem.parse_smarts(substructure)
        matches: list[int] = []
        with self.store.read() as conn:
            if self.store.cartridge:
                matches = self.store.substructure_in_database(conn, substructure, limit)
            else:
                for compound_id, smiles in self.store.structures(conn):
                    if chem.substructure_match(smiles, pattern):
                        matches.append(compound_id)
                        if len(matches) >= limit:
                            break
            names = self.store.names(conn, matches)
        return SearchResults(
            SearchHit(format_registry_id(i), names[i][0], "substructure", None, names[i][1])
            for i in matches
        )

    def lookup(self, query: str, *, exhaustive: bool = False) -> Any:
        """Look a query up: this registry, the offline index, then PubChem unless offline.

        Returns a :class:`~registry.models.LookupResult` (see
        :func:`registry.sources.chain.lookup`);
        raises NotFound, or PubChemUnavailable when PubChem was needed and unreachable.
        """
        from registry.sources.chain import RegistrySource, default_sources, lookup

        mine = RegistrySource(self.settings, registry=self)
        sources = default_sources(self.settings, first=[mine], registry=False)
        return lookup(query, self.settings, sources, exhaustive=exhaustive)

    def history(self, limit: int = 100) -> list[Any]:
        """The latest audit entries, newest first."""
        with self.store.read() as conn:
            return self.store.history(conn, limit)

    # --- notes ------------------------------------------------------------------------------

    def notes(self, query: str, section: str | None = None) -> tuple[Note, ...]:
        """The notes of a compound, optionally of one section (case-insensitive)."""
        compound = self.get(query)
        if section is None:
            return compound.notes
        wanted = section.casefold().strip()
        return tuple(n for n in compound.notes if n.section.casefold() == wanted)

    def add_note(self, query: str, section: str, body: str, *, source: str = "user") -> Note:
        """Attach a note to a compound (its citations are the ``[^n]`` markers in ``body``)."""
        if not section.strip():
            raise ValidationError("a note needs a section name")
        if "\n" in section or section.strip().startswith("#"):
            raise ValidationError("a section name is one line of text, without '#'")
        _check_text(section, body, source)
        text = records.check_note_body(body)
        note = Note(
            section=section.strip(),
            body=text,
            source=source,
            citations=records.citations(text),
            author=self.author,
        )

        def work() -> Note:
            with self.store.write() as conn:
                compound_id = self._find_id(conn, query)
                added = self.store.add_note(conn, compound_id, note)
                if added:
                    self.store.log(
                        conn,
                        "note",
                        self.author,
                        compound_id,
                        json.dumps({"section": note.section, "source": source}),
                    )
                return note

        return self._retrying(work)

    # --- record files -----------------------------------------------------------------------

    def import_records(
        self,
        directory: Path | str | None = None,
        *,
        source: str = "import",
        progress: Callable[[int, int, str], None] | None = None,
    ) -> ImportReport:
        """Import ``compounds/*.md`` record files, all or nothing.

        Every file is read and checked first; if any is malformed, the error names each bad
        file and line and nothing is imported. Then all records go in one transaction, so a
        failure (or a killed process) leaves the registry as it was. Importing the same files
        again changes nothing and the report says so. ``progress(done, total, name)`` is called
        inside the transaction after each record.
        """
        folder = Path(directory) if directory is not None else bundled_records_dir()
        good, bad = records.problems(list(records.iter_record_files(folder)))
        if bad:
            raise RecordFileError(
                f"{len(bad)} malformed record file(s); nothing imported:\n" + "\n".join(bad)
            )
        staged: list[tuple[Path, records.Record, str, Prepared]] = []
        prepared = prepare_many([(r.smiles, r.name) for _, r, _ in good])
        for (path, record, text), item in zip(good, prepared, strict=True):
            if item is None:
                try:
                    prepare(record.smiles, with_descriptors=False)
                except InvalidStructure as error:  # the reason, for the message
                    raise RecordFileError(
                        f"{path}:{_line_of(text, 'smiles')}: {error}; nothing imported"
                    ) from error
                raise AssertionError("prepare_many and prepare disagree")  # pragma: no cover
            staged.append((path, record, text, item))

        def work() -> ImportReport:
            report = ImportReport()
            with self.store.write() as conn:
                for done, (path, record, text, item) in enumerate(staged, 1):
                    try:
                        self._import_one(conn, record, text, item, source, report)
                    except Conflict:
                        raise
                    except DuplicateCompound as error:
                        raise RecordFileError(f"{path}:1: {error}; nothing imported") from error
                    if progress is not None:
                        progress(done, len(staged), record.slug)
            return report

        return self._retrying(work)

    def _import_one(
        self,
        conn: Any,
        record: records.Record,
        text: str,
        item: Prepared,
        source: str,
        report: ImportReport,
    ) -> None:
        digest = records.digest(record)
        meta = {"slug": record.slug, "extra": record.extra, "order": list(record.order)}
        origin = f"record:{record.slug}"
        existing = self.store.id_by_hash(conn, item.registration_hash)
        rows: list[tuple[str, str, str | None, str, str]] = [
            ("cas", e.number, e.role, e.form, e.source) for e in record.cas
        ]
        rows += [(i.kind, i.value, None, "", i.source) for i in record.identifiers]
        rows += [("synonym", s, None, "", record.default_source) for s in record.synonyms]
        if existing is not None:
            state = self.store.record_state(conn, existing)
            if state["digest"] == digest and state["text"] == text:
                # The file is as it was at its last import: nothing to apply. (What was added
                # to the record since then stays; export writes it.)
                report.unchanged.append(record.slug)
                return
            self.store.remove_by_origin(
                conn,
                existing,
                origin,
                identifiers_like=[(r[0], r[1]) for r in rows],
                notes_like=[(n.section, n.body, n.source) for n in record.notes],
            )
            self.store.update_compound(
                conn,
                existing,
                name=record.name,
                record_meta=meta,
                record_text=text,
                record_digest=digest,
            )
            compound_id = existing
            report.updated.append(record.slug)
            action = "import-update"
        else:
            row = replace(item.row, record_meta=meta, record_text=text, record_digest=digest)
            [compound_id] = self.store.insert_compounds(conn, [row])
            report.added.append(record.slug)
            action = "import-add"
        self.store.add_identifiers(conn, compound_id, rows, origin=origin)
        for note in record.notes:
            self.store.add_note(conn, compound_id, replace(note, author=self.author), origin=origin)
        self.store.log(
            conn,
            action,
            self.author,
            compound_id,
            json.dumps({"file": f"{record.slug}.md", "source": source}),
        )

    def _as_record(self, conn: Any, compound_id: int) -> records.Record:
        compound = self.store.load(conn, compound_id)
        state = self.store.record_state(conn, compound_id)
        return _record_of(compound, state["meta"])

    def record(self, query: str) -> records.Record:
        """The compound as a record file would hold it."""
        with self.store.read() as conn:
            return self._as_record(conn, self._find_id(conn, query))

    def export(
        self,
        fmt: ExportFormat = "md",
        out: Path | str | None = None,
        *,
        queries: Sequence[str] | None = None,
    ) -> list[Path] | str:
        """Write compounds as record files (md, one file each into ``out``) or a table.

        ``md`` needs ``out`` (a directory) and returns the files written; an unchanged imported
        record is written back byte for byte. ``json``, ``csv`` and ``sdf`` return the text, or
        write ``registry.<fmt>`` into ``out`` and return that path.
        """
        with self.store.read() as conn:
            ids = [self._find_id(conn, q) for q in queries] if queries else self.store.all_ids(conn)
            compounds = [self.store.load(conn, i) for i in ids]
            states = [self.store.record_state(conn, i) for i in ids]
        if fmt == "md":
            if out is None:
                raise ValidationError("md export writes one file per compound: give --out DIR")
            folder = Path(out)
            folder.mkdir(parents=True, exist_ok=True)
            written: list[Path] = []
            used: set[str] = set()
            for compound, state in zip(compounds, states, strict=True):
                record = _record_of(compound, state["meta"])
                slug = record.slug
                if slug in used:
                    slug = f"{slug}-{compound.registry_id.lower()}"
                    record = replace(record, slug=slug)
                used.add(slug)
                path = records.safe_path(folder, slug)
                text = records.render(record)
                if state["text"] is not None and state["digest"] == records.digest(record):
                    text = state["text"]  # unchanged since import: the file's own bytes
                path.write_bytes(text.encode("utf-8"))
                written.append(path)
            return written
        from registry.service.exports import table_export

        text = table_export(compounds, fmt)
        if out is None:
            return text
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"registry.{fmt}"
        target.write_bytes(text.encode("utf-8"))
        return [target]


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _record_of(compound: Compound, meta: dict[str, Any]) -> records.Record:
    slug = meta.get("slug") or records.slugify(compound.name)
    return records.Record(
        slug=slug,
        name=compound.name,
        smiles=compound.submitted if meta else compound.smiles,
        cas=compound.cas,
        identifiers=compound.identifiers,
        synonyms=compound.synonyms,
        notes=tuple(Note(n.section, n.body, n.source, n.citations) for n in compound.notes),
        extra=dict(meta.get("extra") or {}),
        order=tuple(meta.get("order") or ()),
    )
