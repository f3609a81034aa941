"""Bulk import of structure files (SDF, CSV/TSV, SMILES lists, workbooks, JSON exports), resumable.

The file is read once and every row checked first (:mod:`registry.service.table_import`: what
each column is; every CAS number by its check digit). Then the rows are registered in batches:
each batch is standardised (in worker processes for big batches), inserted with multi-row
``INSERT ... RETURNING`` statements, and, in the same transaction, each row's CAS numbers,
identifiers, synonyms, notes and properties are attached to its compound (new or registered
before: :func:`registry.store.annotations.annotate`) and a checkpoint is recorded (rows done,
keyed by the file's SHA-256) in the ``imports`` table. A run that is interrupted (killed, a lost
connection) loses at most the batch in flight; running the same command again starts after the
last committed batch, and structures already registered (by an earlier batch, another file or
another user) are skipped by registration hash, so nothing is registered twice. Importing an
unchanged file again changes nothing and writes no audit row.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from registry.chem.registration import Prepared, prepare_many
from registry.chem.structure_files import StructureInput, read_table
from registry.errors import InputFileError
from registry.models import Property
from registry.progress import ProgressOption, reporting
from registry.service import search_index
from registry.service.json_import import read_json
from registry.service.register_many import DEFAULT_BATCH, Annotator
from registry.service.statuses import apply_statuses
from registry.service.table_import import ColumnUse, RowRead, plan_columns, read_row
from registry.store.annotations import Annotated, Annotation, annotate

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from registry.store import Store

__all__ = [
    "DEFAULT_BATCH",
    "BatchRegistrar",
    "StructureImportReport",
    "file_digest",
    "import_structures",
]

_SHOWN = 10  # row numbers a summary line lists
_INPUT = re.compile(r"\binput ([1-9][0-9]*)")


class BatchRegistrar(Protocol):
    """What a bulk import needs of the registry (a :class:`~registry.service.Registry` is one)."""

    @property
    def store(self) -> Store: ...

    @property
    def author(self) -> str: ...

    def add_prepared(
        self,
        prepared: Sequence[Prepared | None],
        *,
        source: str = ...,
        timings: dict[str, float] | None = ...,
        checkpoint: tuple[str, str, int, bool] | None = ...,
        annotate: Annotator | None = ...,
        allow_tautomer: bool = ...,
        allow_stereoisomer: bool = ...,
    ) -> tuple[list[str], list[tuple[int, str]]]: ...


@dataclass
class StructureImportReport:
    """What a bulk import did.

    Attributes:
        source: the file's name (the source of every fact its rows gave).
        rows: records read; ``resumed_from``: rows a checkpoint skipped.
        added, already_registered, repeated_in_file: structures new, known, met twice.
        invalid: line numbers of records whose structure cannot be read.
        refused: ``(line, reason)`` of rows not imported (a CAS number failing its check, a
            structure the registry refuses, notes it cannot read).
        conflicts: ``(line, message)``: an identifying number another compound holds (the
            row's compound is imported without it).
        warnings: ``(line, message)``: what a row gave that is not stored as given (a number
            kept out with ``keep_invalid_cas``, a CAS number normalised, a role that differs
            from the one recorded, an identifier of the wrong shape, a formula that is not the
            structure's).
        linked: compounds that got CAS numbers, identifiers, synonyms, notes or properties.
        columns: what each column of the file became.
    """

    source: str
    rows: int
    resumed_from: int = 0
    added: int = 0
    already_registered: int = 0
    repeated_in_file: int = 0
    invalid: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    conflicts: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    linked: int = 0
    columns: list[ColumnUse] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every readable row went in whole (none refused, no number held by another
        compound); unreadable structures are counted in :attr:`invalid`."""
        return not (self.refused or self.conflicts)

    def summary(self) -> str:
        """One line for the terminal."""
        parts = [
            f"{self.added} added",
            f"{self.already_registered} already registered",
            f"{self.repeated_in_file} repeated in the file",
            f"{len(self.invalid)} unreadable",
        ]
        if self.refused:
            parts.append(f"{len(self.refused)} refused")
        if self.linked:
            parts.append(f"{self.linked} with new identifiers or properties")
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} number(s) held by another compound")
        resumed = (
            f" (resumed after row {self.resumed_from} of {self.rows})" if self.resumed_from else ""
        )
        lines = ""
        if self.invalid:
            shown = ", ".join(str(n) for n in self.invalid[:_SHOWN])
            more = " ..." if len(self.invalid) > _SHOWN else ""
            plural = "s" if len(self.invalid) > 1 else ""
            lines = f"; unreadable at line{plural} {shown}{more}"
        return f"{self.source}: {', '.join(parts)}{resumed}{lines}"

    def details(self) -> list[str]:
        """One line per refused row, conflict and warning (``line N: ...``), in file order."""
        found = [(n, f"line {n}: refused: {m}") for n, m in self.refused]
        found += [(n, f"line {n}: {m}") for n, m in self.conflicts + self.warnings]
        return [text for _, text in sorted(found, key=lambda item: item[0])]


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (the key of its import checkpoint)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise InputFileError(f"cannot read {path}: {error.strerror or error}") from error
    return digest.hexdigest()


def _read(
    path: Path,
    *,
    column: str | None,
    name_column: str | None,
    sheet: str | None,
    cas_columns: Sequence[str] | Mapping[str, str] | None,
    cas_role: str,
    properties: Sequence[str] | None,
    keep_invalid_cas: bool,
) -> tuple[list[tuple[StructureInput, RowRead]], list[ColumnUse]]:
    if path.suffix.lower() == ".json":
        return read_json(path), []
    table = read_table(path, column=column, name_column=name_column, sheet=sheet)
    plan = plan_columns(table, cas_columns=cas_columns, cas_role=cas_role, properties=properties)
    rows = [
        (item, read_row(item, plan, source=table.source, keep_invalid_cas=keep_invalid_cas))
        for item in table.items
    ]
    return rows, plan


def _settled(item: Prepared | None, read: RowRead) -> tuple[Prepared | None, Annotation]:
    """The prepared row with the file's submitted text, and the annotation without what is the
    structure's own (its InChIKey; its formula, which otherwise becomes a property), a salt's
    numbers read with the column's role ``parent`` given the role ``salt``."""
    annotation = read.annotation
    if item is None:
        return None, annotation
    row = item.row
    if read.submitted:
        row = replace(row, submitted=read.submitted)
    if read.descriptors and read.smiles == row.smiles:  # the structure the export described
        row = replace(row, properties=_descriptors(row.properties, read))
    item = replace(item, row=row)
    own = item.row.inchikey
    dropped = own not in read.recorded_inchikeys  # else an identifier the registry recorded
    kept = tuple(
        i
        for i in annotation.identifiers
        if not (i.kind == "inchikey" and i.value == own and dropped)
    )
    values = annotation.properties
    if read.formula and read.formula != item.row.formula:
        read.warnings.append(
            f"formula {read.formula} is not the structure's ({item.row.formula}); "
            "kept as a property"
        )
        values = (*values, Property("formula", None, source=read.source, text=read.formula))
    for identifier in annotation.identifiers:
        if identifier.kind == "inchikey" and identifier.value != own:
            read.warnings.append(
                f"InChIKey {identifier.value} is not the structure's ({own}); kept as an identifier"
            )
    numbers = annotation.cas
    if item.is_salt:  # a salt's own number names the salt, not a free base (as in a lookup)
        numbers = tuple(
            replace(e, role="salt") if e.role == "parent" and e.number in read.untagged else e
            for e in numbers
        )
    return item, replace(annotation, cas=numbers, identifiers=kept, properties=values)


def _descriptors(computed: Sequence[Property], read: RowRead) -> tuple[Property, ...]:
    """The descriptors with the file's values: the same structure, computed earlier (the same
    RDKit gives the same values up to the last bit of a sum taken in another atom order)."""
    version = read.toolkit
    kept = [
        replace(p, value=read.descriptors[p.name], toolkit_version=version or p.toolkit_version)
        if p.source == "rdkit" and p.name in read.descriptors
        else p
        for p in computed
    ]
    known = {p.name for p in computed if p.source == "rdkit"}
    kept += [
        Property(name, value, source="rdkit", toolkit_version=version)
        for name, value in read.descriptors.items()
        if name not in known
    ]
    return tuple(kept)


def _annotator(
    registry: BatchRegistrar,
    prepared: Sequence[Prepared | None],
    annotations: Sequence[Annotation],
    source: str,
    outcome: list[Annotated],
) -> Annotator:
    def run(connection: Connection) -> None:
        hashes = [p.registration_hash for p in prepared if p is not None]
        ids = registry.store.ids_by_hashes(connection, hashes)
        targets = [
            (ids[p.registration_hash], a)
            for p, a in zip(prepared, annotations, strict=True)
            if p is not None and p.registration_hash in ids
        ]
        outcome[:] = [annotate(connection, targets, author=registry.author, source=source)]

    return run


def import_structures(
    registry: BatchRegistrar,
    path: Path,
    *,
    column: str | None = None,
    name_column: str | None = None,
    cas_columns: Sequence[str] | Mapping[str, str] | None = None,
    cas_role: str = "parent",
    properties: Sequence[str] | None = None,
    keep_invalid_cas: bool = False,
    sheet: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    restart: bool = False,
    with_descriptors: bool = True,
    workers: int | None = None,
    progress: ProgressOption = None,
    allow_tautomer: bool = False,
    allow_stereoisomer: bool = False,
) -> StructureImportReport:
    """Register every structure of ``path`` with what its rows say; returns the counts.

    Args:
        registry: the open registry.
        path: a ``.sdf``/``.sd``, ``.csv``/``.tsv``, ``.smi``, ``.xlsx`` file, or a ``.json``
            export of a registry.
        column, name_column: the columns (SD tag for the name) with the structure and the name
            (default: found by header, see :mod:`registry.chem.structure_files`).
        cas_columns: the columns holding CAS numbers, a list (each with ``cas_role``) or a
            mapping column -> role; default: found as ``registry validate`` finds its CAS
            column (by header, else by content). A cell may hold several numbers (``;``) and
            give each its role (``101152-94-7 (salt)``).
        cas_role: the role of the numbers in those columns (see ``CAS_ROLES``).
        properties: the only other columns kept as properties (default: every column that is
            not a structure, name, CAS, identifier, synonyms, notes or the registry's own).
        keep_invalid_cas: import a row whose CAS number fails its check without that number
            (default: the row is not imported); either way the report names the row.
        sheet: the worksheet of a workbook (default: the first with a structure column).
        batch_size: rows per transaction (and per checkpoint).
        restart: ignore the checkpoint of an earlier run of this file and go through all of
            it again (registered structures are still skipped).
        with_descriptors: store the default descriptors with each compound.
        workers: processes for the RDKit work (default: the usable CPUs).
        progress: True for a progress bar (``tqdm.auto``), or called as
            ``progress(rows done, rows)`` after each committed batch.
        allow_tautomer, allow_stereoisomer: register a structure that is a tautomer or
            stereoisomer of a registered compound or an earlier row (default: refused).

    Raises:
        InputFileError: the file cannot be read, has no structure column, or a column named
            in ``cas_columns`` or ``properties`` is not there; nothing is imported.
        ValidationError: a CAS role that is not one of ``CAS_ROLES``.
    """
    if batch_size < 1:
        raise InputFileError("the batch size must be at least 1")
    digest = file_digest(path)
    rows, plan = _read(
        path,
        column=column,
        name_column=name_column,
        sheet=sheet,
        cas_columns=cas_columns,
        cas_role=cas_role,
        properties=properties,
        keep_invalid_cas=keep_invalid_cas,
    )
    with registry.store.read() as connection:
        done, finished = registry.store.import_progress(connection, digest)
    # A file imported to the end before goes through again: every structure is then reported
    # as already registered (or added, if it was deleted since), and nothing else changes.
    start = 0 if restart or finished else done
    report = StructureImportReport(source=path.name, rows=len(rows), resumed_from=start)
    report.columns = plan
    linked: set[int] = set()
    source = f"import:{path.name}"
    options = _Options(source, with_descriptors, workers, allow_tautomer, allow_stereoisomer)
    with reporting(progress, len(rows), f"importing {path.name}", unit="rows") as step:
        step(start, len(rows))
        for begin in range(start, len(rows), batch_size):
            end = min(begin + batch_size, len(rows))
            checkpoint = (digest, str(path), end, end >= len(rows))
            _import_batch(registry, rows[begin:end], options, report, linked, checkpoint)
            step(end, len(rows))
    report.linked = len(linked)
    entries = [read.status for _, read in rows if read.status]
    if entries:
        with registry.store.write() as connection:
            apply_statuses(registry.store, connection, registry.author, entries)
    return report


@dataclass(frozen=True, slots=True)
class _Options:
    source: str
    with_descriptors: bool
    workers: int | None
    allow_tautomer: bool
    allow_stereoisomer: bool


def _groups(
    taken: Sequence[tuple[StructureInput, RowRead]], options: _Options
) -> list[tuple[tuple[bool, bool], list[int]]]:
    """The rows by the relations their registration accepts, in one ``add_prepared`` each:
    the options', and for a row of an export, the relations its compound had there (a pair
    registered on purpose comes back as a pair). At least one group, for the checkpoint."""
    groups: dict[tuple[bool, bool], list[int]] = {
        (options.allow_tautomer, options.allow_stereoisomer): []
    }
    for index, (_, read) in enumerate(taken):
        allowed = (
            options.allow_tautomer or "tautomer" in read.related,
            options.allow_stereoisomer or "stereoisomer" in read.related,
        )
        groups.setdefault(allowed, []).append(index)
    return [(allowed, indexes) for allowed, indexes in groups.items() if indexes] or [
        ((options.allow_tautomer, options.allow_stereoisomer), [])
    ]


def _import_batch(
    registry: BatchRegistrar,
    batch: Sequence[tuple[StructureInput, RowRead]],
    options: _Options,
    report: StructureImportReport,
    linked: set[int],
    checkpoint: tuple[str, str, int, bool],
) -> None:
    taken = []
    for item, read in batch:
        if read.refused:
            report.refused += [(item.line, reason) for reason in read.refused]
        else:
            taken.append((item, read))
    made = prepare_many(
        [(item.value, item.name) for item, _ in taken],
        with_descriptors=options.with_descriptors,
        workers=options.workers,
        search_entries=search_index.entries_wanted(registry.store, len(taken)),
    )
    settled = [_settled(p, read) for p, (_, read) in zip(made, taken, strict=True)]
    groups = _groups(taken, options)
    for number, ((tautomer, stereoisomer), indexes) in enumerate(groups, start=1):
        prepared = [settled[i][0] for i in indexes]
        outcome: list[Annotated] = []
        hook = _annotator(registry, prepared, [settled[i][1] for i in indexes], options.source,
                          outcome)  # fmt: skip
        new_ids, skipped = registry.add_prepared(
            prepared,
            source=options.source,
            checkpoint=checkpoint if number == len(groups) else None,
            annotate=hook,
            allow_tautomer=tautomer,
            allow_stereoisomer=stereoisomer,
        )
        report.added += len(new_ids)
        lines = [taken[i][0].line for i in indexes]
        _count(report, [(lines[i], prepared[i], _in_lines(why, lines)) for i, why in skipped])
        if outcome:
            report.conflicts += outcome[0].conflicts
            report.warnings += outcome[0].differences
            linked.update(outcome[0].changed)
    for _, read in taken:
        report.warnings += [(read.annotation.row, w) for w in read.warnings]
    report.warnings.sort(key=lambda item: item[0])
    report.conflicts.sort(key=lambda item: item[0])


def _in_lines(reason: str, lines: Sequence[int]) -> str:
    """A batch's reason with each ``input N`` (1-based in the batch) named by its file line."""
    return _INPUT.sub(lambda m: f"line {lines[int(m.group(1)) - 1]}", reason)


def _count(
    report: StructureImportReport, skipped: Sequence[tuple[int, Prepared | None, str]]
) -> None:
    for line, item, reason in skipped:
        if reason.startswith("already registered"):
            report.already_registered += 1
        elif reason.startswith("same structure"):
            report.repeated_in_file += 1
        elif item is None:
            report.invalid.append(line)
        else:  # the registry refused it (a tautomer or stereoisomer of a record, ...)
            report.refused.append((line, reason))
