"""``Registry``: the compound registry as one object, a thin facade over the use cases.

:class:`Registry` wires the chemistry (:mod:`registry.chem`), the database
(:mod:`registry.store`) and the record files (:mod:`registry.records`) together::

    from registry import Registry

    with Registry.open() as reg:                       # SQLite in the user data directory
        c = reg.add("CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl", name="milnacipran hydrochloride")
        reg.get("milnacipran").salt_forms              # ('REG-000002',)
        reg.search("fibromyalgia").to_frame()          # a pandas DataFrame

Every change happens in one transaction and leaves an audit row naming its author. Each method
delegates to the module of its use case (see :mod:`registry.service`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from registry import records
from registry.chem.registration import Prepared
from registry.config import Settings
from registry.errors import NotFound
from registry.models import (
    Candidate,
    CasEntry,
    Compound,
    CompoundList,
    Identifier,
    LookupResult,
    Note,
    SearchResults,
)
from registry.progress import ProgressOption
from registry.service import enrichment as enrich_case
from registry.service import notes as notes_case
from registry.service import register, register_many
from registry.service import search as search_case
from registry.service.enrichment import Enriched
from registry.service.register_many import Annotator, StructureItem
from registry.service.registry_edits import Editing, marked, marked_many, redirected
from registry.service.registry_files import FileMethods
from registry.service.registry_notes import NoteMethods
from registry.service.registry_source import RegistrySource
from registry.service.registry_structures import StructureMethods
from registry.service.related import Allowed
from registry.service.resolve import Resolved, Resolver, find_id, find_ids, find_target
from registry.service.search import Metric, QueryFormat
from registry.sources import chain
from registry.store import Store, open_store
from registry.store.matching import format_registry_id

if TYPE_CHECKING:
    pass

__all__ = ["Registry"]


class Registry(Editing, NoteMethods, StructureMethods, FileMethods):
    """The compound registry: open one with :meth:`open` and use it as a context manager.

    Editing, retiring, merging and the audit trail are :class:`Editing`'s methods; numbered
    notes, editing and removing them :class:`NoteMethods`'; structure arguments and a salt's
    forms :class:`StructureMethods`'; structure files, record files and exports
    :class:`FileMethods`'."""

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
        persistent: bool = False,
    ) -> Registry:
        """Open the registry at ``url`` (default: ``settings.db_url``), creating it if needed.

        A newly created registry is seeded with the record files that ship with the package
        (``seed=False`` skips that), so ``get("milnacipran")`` works on a fresh install.
        An in-memory SQLite URL (``sqlite://``) gives a scratch registry that lasts until it is
        closed; ``persistent=True`` refuses one (StoreError naming the URL).
        """
        settings = settings or Settings.from_env()
        if author:
            settings = settings.replace(author=author)
        store = open_store(url or settings.db_url, persistent=persistent)
        registry = cls(store, settings, resolver=resolver)
        try:
            if seed and store.created:
                registry.import_records(records.bundled_records_dir(), source="bundled")
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
        allow_tautomer: bool = False,
        allow_stereoisomer: bool = False,
    ) -> Compound:
        """Register a compound, in one transaction.

        Args:
            structure: SMILES, InChI or Molfile. When absent, ``query`` (a name or CAS number)
                is resolved: first in this registry, then through ``resolver``.
            name: preferred name (default: the query when it is a name, else the SMILES).
            cas: CAS numbers (plain strings are taken as the parent CAS) or :class:`CasEntry`.
            synonyms, identifiers, notes: attached to the compound with ``source``.
                ``cas``, ``synonyms``, ``identifiers`` and ``notes`` are sequences: a single
                str (or bytes) is a TypeError, never read character by character.
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
                RelatedStructure: a tautomer or stereoisomer of a record, unless
                ``allow_tautomer``/``allow_stereoisomer`` (:mod:`registry.service.related`).
            InvalidStructure: the structure cannot be read.
            NotFound: a query without a structure that nothing resolves.
        """
        request = register.Request(
            structure=structure,
            name=name,
            cas=register.sequence(cas, "cas"),
            synonyms=register.sequence(synonyms, "synonyms"),
            identifiers=register.sequence(identifiers, "identifiers"),
            notes=register.sequence(notes, "notes"),
            source=source,
            as_salt_of=as_salt_of,
            link=link,
            query=query,
            resolved=resolved,
            allowed=Allowed(allow_tautomer, allow_stereoisomer),
        )
        return register.add(self.store, self.author, request, resolver or self.resolver)

    def add_from_lookup(
        self,
        candidate: Candidate,
        *,
        query: str | None = None,
        name: str | None = None,
        link: bool = False,
        allow_tautomer: bool = False,
        allow_stereoisomer: bool = False,
    ) -> Compound:
        """Register a lookup :class:`~registry.models.Candidate` with its provenance.

        The structure, name, PubChem CID, synonyms and CAS numbers (with roles, see
        :meth:`Resolved.from_candidate`) are recorded with the source and its retrieval date;
        the audit row also names the origin and the query. A candidate that came from this
        registry is registered already (DuplicateCompound). PubChem's computed properties
        that came with the candidate are stored too (source ``pubchem``, date, CID). A
        tautomer or stereoisomer of a record is refused as in :meth:`add`.
        """
        allowed = Allowed(allow_tautomer, allow_stereoisomer)
        compound = register.add_from_lookup(
            self.store, self.author, candidate, query=query, name=name, link=link, allowed=allowed
        )
        if candidate.source == "pubchem" and candidate.properties:
            enrich_case.store_values(
                self.store, self.author, compound.registry_id, candidate.properties
            )
            return self.get(compound.registry_id)
        return compound

    def enrich(
        self, queries: Sequence[str] | None = None, *, experimental: bool = False
    ) -> list[Enriched]:
        """Fetch and store PubChem's values for the compounds named (None: every compound).

        See :func:`registry.service.enrichment.enrich`: computed properties, and with
        ``experimental=True`` the measured values, stored with source, date and CID; a refresh
        replaces each property's PubChem values and writes an audit row with old and new.
        """
        return enrich_case.enrich(
            self.store, self.settings, self.author, queries, experimental=experimental
        )

    def add_many(
        self,
        structures: Sequence[StructureItem],
        *,
        source: str = "user",
        with_descriptors: bool = True,
        workers: int | None = None,
        timings: dict[str, float] | None = None,
        allow_tautomer: bool = False,
        allow_stereoisomer: bool = False,
        progress: ProgressOption = None,
    ) -> tuple[list[str], list[tuple[int, str]]]:
        """Register many structures in one transaction, skipping duplicates.

        Each item is a SMILES (named by its SMILES) or a ``(structure, name)`` pair (name None
        or empty: the SMILES). A str or bytes for ``structures``, or an item of another shape,
        is a TypeError and nothing is registered.

        Returns the registry ids of the new compounds and ``(index, reason)`` for every
        structure that was not registered (already registered, duplicated in the batch, a
        tautomer or stereoisomer (``"tautomer of REG-000012"``, see :meth:`add`), or
        unreadable). The RDKit work runs in ``workers`` processes for large batches (see
        :func:`~registry.chem.registration.prepare_many`); ``timings`` accumulates seconds per
        stage. ``progress``: True for a bar (``tqdm.auto``), or ``progress(done, total)``.
        """
        return register_many.add_many(
            self.store,
            self.author,
            structures,
            source=source,
            with_descriptors=with_descriptors,
            workers=workers,
            timings=timings,
            allowed=Allowed(allow_tautomer, allow_stereoisomer),
            progress=progress,
        )

    def add_prepared(
        self,
        prepared: Sequence[Prepared | None],
        *,
        source: str = "user",
        timings: dict[str, float] | None = None,
        checkpoint: tuple[str, str, int, bool] | None = None,
        annotate: Annotator | None = None,
        allow_tautomer: bool = False,
        allow_stereoisomer: bool = False,
    ) -> tuple[list[str], list[tuple[int, str]]]:
        """Insert structures :func:`prepare` made (None: unreadable), in one transaction.

        Same result as :meth:`add_many`; lets callers prepare in parallel processes.
        ``checkpoint`` (digest, source, rows done, finished) is recorded in the same
        transaction, so that a bulk import resumes exactly after the last committed batch;
        ``annotate(connection)`` runs in it after the inserts.
        """
        return register_many.add_prepared(
            self.store,
            self.author,
            prepared,
            source=source,
            timings=timings,
            checkpoint=checkpoint,
            annotate=annotate,
            allowed=Allowed(allow_tautomer, allow_stereoisomer),
        )

    # --- reading ----------------------------------------------------------------------------

    def resolve(self, query: str) -> str:
        """The registry id that a registry id, CAS number, InChIKey, name or SMILES names.

        The same resolution as :meth:`get`, without loading the record.
        """
        with self.store.read() as connection:
            return format_registry_id(find_id(self.store, connection, query))

    def get(self, query: str, *, history: bool = False) -> Compound:
        """The compound a registry id, CAS number, InChIKey, name or synonym names.

        How a text finds a compound is :func:`registry.service.resolve.match_steps`; a SMILES,
        InChI or Molfile also finds it by structure.

        Raises:
            NotFound: nothing matches (a CAS number that a record only mentions, with role
                unknown, does not match; the message says which record mentions it).
            Ambiguous: several compounds match (a synonym shared by several).

        A merged record's query gives the record it was merged into (``redirected_from``).
        """
        with self.store.read() as connection:
            found = find_target(self.store, connection, query)
            compound = self.store.load(connection, found.id, history=history)
        return redirected(compound, found.redirected_from)

    def find(self, query: str) -> CompoundList:
        """Every compound ``query`` identifies (empty when none); never raises NotFound."""
        with self.store.read() as connection:
            try:
                found = find_ids(self.store, connection, query)
            except NotFound:
                return CompoundList()
            return CompoundList(self.store.load_many(connection, found))

    def count(self) -> int:
        """How many compounds are registered."""
        with self.store.read() as connection:
            return self.store.count(connection)

    def search(
        self,
        text: str | None = None,
        *,
        similar: str | None = None,
        min_similarity: float = 0.7,
        substructure: str | None = None,
        limit: int = 100,
        metric: Metric = "tanimoto",
        alpha: float = 0.5,
        beta: float = 0.5,
        query_format: QueryFormat = "smarts",
        count: bool = False,
        same_parent: str | None = None,
        tautomers: str | None = None,
        stereoisomers: str | None = None,
        progress: ProgressOption = None,
    ) -> SearchResults:
        """Search by text (names, synonyms, identifiers, notes), similarity or substructure.

        Exactly one of ``text``, ``similar`` (a SMILES; Tanimoto on Morgan fingerprints of the
        parent structures, at least ``min_similarity``), ``substructure`` (a SMARTS) and the
        exact-structure modes ``same_parent``, ``tautomers``, ``stereoisomers`` (a structure)
        is given; at most ``limit`` hits, best first. ``metric="tversky"`` scores with Tversky
        (``alpha`` weighs the probe's own bits, ``beta`` the compound's);
        ``query_format="smiles"`` reads ``substructure`` as SMILES; ``count=True`` counts every
        substructure hit. The results' ``total`` is how many matched in all, when known.

        On an SQLite registry a similarity or substructure search first adds the compounds
        registered since the last one to the structure search index; ``progress`` hears how
        that goes (``True``: a bar, shown from 4,000 compounds; a callable:
        ``progress(done, total)``).
        """
        hits = search_case.search_registry(
            self.store,
            text,
            similar=similar,
            min_similarity=min_similarity,
            substructure=substructure,
            limit=limit,
            metric=metric,
            alpha=alpha,
            beta=beta,
            query_format=query_format,
            count=count,
            same_parent=same_parent,
            tautomers=tautomers,
            stereoisomers=stereoisomers,
            progress=progress,
        )
        return marked(self.store, hits)

    def search_many(
        self,
        probes: Sequence[str],
        *,
        min_similarity: float = 0.7,
        limit: int = 100,
        metric: Metric = "tanimoto",
        alpha: float = 0.5,
        beta: float = 0.5,
        progress: ProgressOption = None,
    ) -> list[SearchResults]:
        """:meth:`search` ``similar=`` for each probe (a list of SMILES), in order, in one pass.

        ``metric``, ``alpha``, ``beta`` and ``progress`` as for :meth:`search`.
        """
        found = search_case.search_many(
            self.store,
            probes,
            min_similarity=min_similarity,
            limit=limit,
            metric=metric,
            alpha=alpha,
            beta=beta,
            progress=progress,
        )
        return marked_many(self.store, list(found))

    def lookup(self, query: str, *, exhaustive: bool = False) -> LookupResult:
        """Look a query up: this registry, the offline index, then PubChem unless offline.

        Returns a :class:`~registry.models.LookupResult` (see :func:`registry.lookup`);
        raises NotFound, or PubChemUnavailable when PubChem was needed and unreachable.
        """
        mine = RegistrySource(self.settings, registry=self)
        sources = chain.default_sources(self.settings, first=[mine])
        return chain.lookup(query, self.settings, sources, exhaustive=exhaustive)

    # --- notes ------------------------------------------------------------------------------

    def notes(self, query: str, section: str | None = None) -> tuple[Note, ...]:
        """The notes of a compound, optionally of one section (case-insensitive)."""
        return notes_case.notes_of(self.get(query), section)

    def add_note(self, query: str, section: str, body: str, *, source: str = "user") -> Note:
        """Attach a note to a compound (its citations are the ``[^n]`` markers in ``body``)."""
        return notes_case.add_note(self.store, self.author, query, section, body, source=source)
