"""Record files in and out: import ``compounds/*.md`` all or nothing, export them byte-exact.

An imported record keeps the file's exact text and a digest of its content; exporting a record
whose content still has that digest writes the file's own bytes back, so a round trip leaves
the files as they were whatever style they were written in. Whole-registry tables (JSON, CSV,
SDF) are :mod:`registry.service.exports`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from registry import records
from registry.chem.registration import Prepared, prepare, prepare_many
from registry.errors import DuplicateCompound, InvalidStructure, RecordFileError, ValidationError
from registry.models import Compound, Note
from registry.service import enrichment
from registry.service.conflicts import retrying
from registry.service.exports import table_export
from registry.service.resolve import find_id
from registry.service.statuses import STATUS_KEY, apply_statuses, read_status, status_entry
from registry.service.table_columns import (
    PROPERTIES_KEY,
    properties_from_record,
    record_properties,
)
from registry.store import Conflict, format_registry_id
from registry.store.annotations import synonym_sources

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from registry.store import Store

__all__ = ["ExportFormat", "ImportReport", "export", "import_records", "record", "record_of"]

ExportFormat = Literal["md", "json", "csv", "sdf"]
_Staged = tuple[Path, records.Record, str, Prepared]


@dataclass(slots=True)
class ImportReport:
    """What an import did, file by file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: slug -> why the file was not imported (it holds a compound another file holds)
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether the import changed anything in the registry."""
        return bool(self.added or self.updated)

    def summary(self) -> str:
        """One line: counts, or that nothing changed; and how many files were refused."""
        if not self.changed:
            line = f"nothing changed ({len(self.unchanged)} record(s) already up to date)"
        else:
            line = (
                f"{len(self.added)} added, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged"
            )
        return f"{line}; {len(self.refused)} refused" if self.refused else line


def import_records(
    store: Store,
    author: str,
    directory: Path | str | None = None,
    *,
    source: str = "import",
    progress: Callable[[int, int, str], None] | None = None,
) -> ImportReport:
    """Import record files, all or nothing (see :meth:`Registry.import_records`)."""
    folder = Path(directory) if directory is not None else records.bundled_records_dir()
    staged = _stage(folder)

    def work() -> ImportReport:
        report = ImportReport()
        with store.write() as connection:
            owners = _owners(store, connection, staged)
            imported: dict[str, int] = {}  # registration hash -> compound id
            for index, (path, record, text, item) in enumerate(staged):
                if owners[item.registration_hash] == index:
                    try:
                        imported[item.registration_hash] = _import_one(
                            store, author, connection, record, text, item, source, report
                        )
                    except Conflict:
                        raise
                    except DuplicateCompound as error:
                        raise RecordFileError(f"{path}:1: {error}; nothing imported") from error
                if progress is not None:
                    progress(index + 1, len(staged), record.slug)
            apply_statuses(store, connection, author, _statuses(staged))
            for index, (path, record, _, item) in enumerate(staged):
                owner = owners[item.registration_hash]
                if owner != index:
                    report.refused[record.slug] = (
                        f"{path}: the same compound as {staged[owner][0]} "
                        f"({format_registry_id(imported[item.registration_hash])}); not imported "
                        "(keep one file and give the other name as a synonym there)"
                    )
        return report

    return retrying(work)


def _statuses(staged: Sequence[_Staged]) -> list[dict[str, str]]:
    """The retired or merged state each record file states (see :mod:`.statuses`)."""
    found: list[dict[str, str]] = []
    for path, record, text, item in staged:
        try:
            entry = read_status(record.extra.get(STATUS_KEY), item.registration_hash)
        except ValidationError as error:
            line = _line_of(text, STATUS_KEY)
            raise RecordFileError(f"{path}:{line}: {error}; nothing imported") from error
        if entry:
            found.append(entry | {"registration_hash": item.registration_hash})
    return found


def _stage(folder: Path) -> list[_Staged]:
    """Every record of ``folder`` read, checked and prepared for registration.

    Raises RecordFileError naming each malformed file and line, before anything is written.
    """
    good, bad = records.problems(list(records.iter_record_files(folder)))
    if bad:
        raise RecordFileError(
            f"{len(bad)} malformed record file(s); nothing imported:\n" + "\n".join(bad)
        )
    staged: list[_Staged] = []
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
    return staged


def _owners(store: Store, connection: Connection, staged: Sequence[_Staged]) -> dict[str, int]:
    """registration hash -> the index of the one staged file that imports that compound.

    Two files holding one compound would overwrite each other's name and facts, so only one
    is imported and the others are refused. The owner is the file whose earlier import made
    the compound (its slug is the compound's record slug), else the first in file order; so
    importing the same files again gives the same owner and the same report.
    """
    by_hash: dict[str, list[int]] = {}
    for index, (_, _, _, item) in enumerate(staged):
        by_hash.setdefault(item.registration_hash, []).append(index)
    owners: dict[str, int] = {}
    for registration_hash, indexes in by_hash.items():
        owners[registration_hash] = indexes[0]
        existing = store.id_by_hash(connection, registration_hash) if len(indexes) > 1 else None
        if existing is not None:
            slug = store.record_state(connection, existing)["meta"].get("slug")
            owners[registration_hash] = next(
                (i for i in indexes if staged[i][1].slug == slug), indexes[0]
            )
    return owners


def _import_one(
    store: Store,
    author: str,
    connection: Connection,
    record: records.Record,
    text: str,
    item: Prepared,
    source: str,
    report: ImportReport,
) -> int:
    """Add or update one record, returning its id; what its earlier import brought is replaced."""
    digest = records.digest(record)
    meta = {"slug": record.slug, "extra": record.extra, "order": list(record.order)}
    origin = f"record:{record.slug}"
    existing = store.id_by_hash(connection, item.registration_hash)
    rows: list[tuple[str, str, str | None, str, str]] = [
        ("cas", e.number, e.role, e.form, e.source) for e in record.cas
    ]
    rows += [(i.kind, i.value, None, "", i.source) for i in record.identifiers]
    rows += [
        ("synonym", s, None, "", record.synonym_sources.get(s) or record.default_source)
        for s in record.synonyms
    ]
    if existing is not None:
        state = store.record_state(connection, existing)
        if state["digest"] == digest and state["text"] == text:
            # The file is as it was at its last import: nothing to apply. (What was added
            # to the record since then stays; export writes it.)
            report.unchanged.append(record.slug)
            return existing
        sources = synonym_sources(connection, [existing]).get(existing)
        loaded = store.load(connection, existing)
        status = status_entry(store, connection, loaded)
        held = record_of(loaded, state["meta"], sources, status)
        if records.digest(replace(held, slug=record.slug)) == digest:
            # The file says what the registry holds already (an unchanged export of it):
            # nothing to apply and no audit row.
            report.unchanged.append(record.slug)
            return existing
        store.remove_by_origin(
            connection,
            existing,
            origin,
            identifiers_like=[(r[0], r[1]) for r in rows],
            notes_like=[(n.section, n.body, n.source) for n in record.notes],
        )
        store.update_compound(
            connection,
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
        [compound_id] = store.insert_compounds(connection, [row])
        report.added.append(record.slug)
        action = "import-add"
    store.add_identifiers(connection, compound_id, rows, origin=origin)
    for note in record.notes:
        store.add_note(connection, compound_id, replace(note, author=author), origin=origin)
    pubchem = enrichment.values_from_record(record.slug, record.extra)
    store.replace_properties(connection, compound_id, enrichment.SOURCE, pubchem)
    for property_source, values in properties_from_record(record.slug, record.extra).items():
        store.replace_properties(connection, compound_id, property_source, values)
    detail = json.dumps({"file": f"{record.slug}.md", "source": source})
    store.log(connection, action, author, compound_id, detail)
    return compound_id


def record(store: Store, query: str) -> records.Record:
    """The compound ``query`` names as a record file would hold it."""
    with store.read() as connection:
        compound_id = find_id(store, connection, query)
        compound = store.load(connection, compound_id)
        meta = store.record_state(connection, compound_id)["meta"]
        sources = synonym_sources(connection, [compound_id]).get(compound_id)
        status = status_entry(store, connection, compound)
    return record_of(compound, meta, sources, status)


def export(
    store: Store,
    fmt: ExportFormat = "md",
    out: Path | str | None = None,
    *,
    queries: Sequence[str] | None = None,
) -> list[Path] | str:
    """Write compounds as record files or a table (see :meth:`Registry.export`)."""
    if fmt == "md" and out is None:
        raise ValidationError("md export writes one file per compound: give out=DIR")
    if out is not None:
        _check_output_folder(out)
    with store.read() as connection:
        every = store.all_ids(connection)
        # a compound named by two queries is written once
        ids = list(dict.fromkeys(find_id(store, connection, q) for q in queries or ())) or every
        compounds = store.load_many(connection, ids)
        statuses = [status_entry(store, connection, c) for c in compounds]
        by_id = synonym_sources(connection, ids)
        if fmt == "md":  # every compound's state: a file's name depends on all the others
            states = store.record_states(connection, every)
            slugs = _file_slugs(store, connection, every, states)
    if fmt == "md" and out is not None:
        named = [by_id.get(i, {}) for i in ids]
        slugged = [slugs[i] for i in ids]
        return _write_records(
            Path(out), compounds, [states[i] for i in ids], slugged, named, statuses
        )
    text = table_export(
        compounds,
        fmt,
        {format_registry_id(i): s for i, s in by_id.items()},
        {c.registry_id: s for c, s in zip(compounds, statuses, strict=True) if s},
    )
    if out is None:
        return text
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"registry.{fmt}"
    target.write_bytes(text.encode("utf-8"))
    return [target]


def _check_output_folder(out: Path | str) -> None:
    """``out`` names a directory that exists or can be made, not a file and not nothing."""
    if not str(out).strip():
        raise ValidationError("out is empty: give the directory to write into")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ValidationError(f"out={str(folder)!r} is a file: give the directory to write into")


def _file_slugs(
    store: Store, connection: Connection, ids: Sequence[int], states: dict[int, dict[str, Any]]
) -> dict[int, str]:
    """id -> the stem of its record file, for every compound in the registry.

    A compound's own slug is the one its record file had (kept at import), else its name's.
    The compound with the lowest id among those sharing a slug keeps it; each other one gets
    ``<slug>-<registry id>``, or ``<slug>-<registry id>-<n>`` with the smallest ``n`` from 2
    when that is some compound's own slug or already given. So the stems are unique (compared
    case-insensitively, for file systems that do), at most 100 characters, and depend only on
    the registry's contents: exporting all compounds or a few gives each the same file name.
    ``states`` holds the record state of each of ``ids``.
    """
    names = store.names(connection, ids)
    own: dict[int, str] = {}
    for compound_id in ids:
        slug = states[compound_id]["meta"].get("slug")
        own[compound_id] = slug or records.slugify(names[compound_id][0])
    taken = {slug.casefold() for slug in own.values()}
    first: dict[str, int] = {}
    for compound_id in ids:  # ids are in registry order: the lowest first
        first.setdefault(own[compound_id].casefold(), compound_id)
    slugs: dict[int, str] = {}
    for compound_id in ids:
        slug = own[compound_id]
        if first[slug.casefold()] != compound_id:
            suffix = format_registry_id(compound_id).lower()
            candidate, n = _suffixed(slug, suffix), 2
            while candidate.casefold() in taken:
                candidate, n = _suffixed(slug, f"{suffix}-{n}"), n + 1
            taken.add(candidate.casefold())
            slug = candidate
        slugs[compound_id] = slug
    return slugs


def _suffixed(slug: str, suffix: str) -> str:
    """``slug-suffix``, ``slug`` shortened so that the whole is at most 100 characters."""
    stem = slug[: 100 - len(suffix) - 1].rstrip("-._")
    return f"{stem}-{suffix}" if stem else suffix


def _write_records(
    folder: Path,
    compounds: Sequence[Compound],
    states: Sequence[dict[str, Any]],
    slugs: Sequence[str],
    synonyms: Sequence[Mapping[str, str]],
    statuses: Sequence[Mapping[str, str]],
) -> list[Path]:
    """One file per compound, named by ``slugs`` (unique); an unchanged import keeps its bytes.
    ``synonyms`` holds each compound's synonym sources, ``statuses`` each one's
    :func:`~registry.service.statuses.status_entry`."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for compound, state, slug, sources, status in zip(
        compounds, states, slugs, synonyms, statuses, strict=True
    ):
        item = replace(record_of(compound, state["meta"], sources, status), slug=slug)
        path = records.safe_path(folder, slug)
        text = records.render(item)
        if state["text"] is not None and state["digest"] == records.digest(item):
            text = state["text"]  # unchanged since import: the file's own bytes
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def record_of(
    compound: Compound,
    meta: dict[str, Any],
    synonym_sources: Mapping[str, str] | None = None,
    status: Mapping[str, str] | None = None,
) -> records.Record:
    """A stored compound as a record; ``meta`` is what its import kept of the file (or {}),
    ``synonym_sources`` each synonym's source, ``status`` its state when it is retired or
    merged (see :mod:`registry.service.statuses`).

    The structure is the one registered, as it was submitted (a multi-line Molfile aside), so
    that importing the record computes the same descriptors, to the last bit.
    """
    slug = meta.get("slug") or records.slugify(compound.name)
    one_line = compound.submitted and "\n" not in compound.submitted
    return records.Record(
        slug=slug,
        name=compound.name,
        smiles=compound.submitted if meta or one_line else compound.smiles,
        cas=compound.cas,
        identifiers=compound.identifiers,
        synonyms=compound.synonyms,
        synonym_sources={k: v for k, v in (synonym_sources or {}).items() if v},
        notes=tuple(Note(n.section, n.body, n.source, n.citations) for n in compound.notes),
        extra=_with_status(_with_pubchem(dict(meta.get("extra") or {}), compound), status),
        order=tuple(meta.get("order") or ()),
    )


def _with_pubchem(extra: dict[str, Any], compound: Compound) -> dict[str, Any]:
    """The front matter's other keys, with the compound's stored PubChem values (if any)."""
    entries = enrichment.record_entries(compound.properties)
    if entries:
        extra[enrichment.RECORD_KEY] = entries
    else:
        extra.pop(enrichment.RECORD_KEY, None)
    # Every other source's values but the descriptors, which registration computes again.
    others = record_properties(compound.properties)
    if others:
        extra[PROPERTIES_KEY] = others
    else:
        extra.pop(PROPERTIES_KEY, None)
    return extra


def _with_status(extra: dict[str, Any], status: Mapping[str, str] | None) -> dict[str, Any]:
    if status:
        extra[STATUS_KEY] = dict(status)
    else:
        extra.pop(STATUS_KEY, None)
    return extra


def _line_of(text: str, key: str) -> int:
    """The line of ``key:`` in a record file's front matter (1 when it is not there)."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return 1
