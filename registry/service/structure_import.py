"""Bulk registration of structure files (SDF, CSV/TSV, SMILES lists), resumable.

The file is read once, then registered in batches: each batch is standardised (in worker
processes for big batches), inserted with multi-row ``INSERT ... RETURNING`` statements, and
committed together with a checkpoint (rows done, keyed by the file's SHA-256) in the ``imports``
table. A run that is interrupted (killed, a lost connection) loses at most the batch in flight;
running the same command again starts after the last committed batch, and structures already
registered (by an earlier batch, another file or another user) are skipped by registration
hash, so nothing is registered twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from registry.chem.registration import Prepared, prepare_many
from registry.chem.structure_files import read_structures
from registry.errors import InputFileError

if TYPE_CHECKING:
    from registry.store import Store

__all__ = [
    "DEFAULT_BATCH",
    "BatchRegistrar",
    "StructureImportReport",
    "file_digest",
    "import_structures",
]

#: Rows per transaction: large enough that a commit is rare, small enough to lose little.
DEFAULT_BATCH = 5000


class BatchRegistrar(Protocol):
    """What a bulk import needs of the registry (a :class:`~registry.service.Registry` is one)."""

    @property
    def store(self) -> Store: ...

    def add_prepared(
        self,
        prepared: Sequence[Prepared | None],
        *,
        source: str = ...,
        timings: dict[str, float] | None = ...,
        checkpoint: tuple[str, str, int, bool] | None = ...,
    ) -> tuple[list[str], list[tuple[int, str]]]: ...


@dataclass
class StructureImportReport:
    """What a bulk import did."""

    source: str
    rows: int
    resumed_from: int = 0
    added: int = 0
    already_registered: int = 0
    repeated_in_file: int = 0
    invalid: list[int] = field(default_factory=list)  # line numbers of unreadable records

    def summary(self) -> str:
        """One line for the terminal."""
        parts = [
            f"{self.added} added",
            f"{self.already_registered} already registered",
            f"{self.repeated_in_file} repeated in the file",
            f"{len(self.invalid)} unreadable",
        ]
        resumed = (
            f" (resumed after row {self.resumed_from} of {self.rows})" if self.resumed_from else ""
        )
        lines = ""
        if self.invalid:
            shown = ", ".join(str(n) for n in self.invalid[:10])
            more = " ..." if len(self.invalid) > 10 else ""
            plural = "s" if len(self.invalid) > 1 else ""
            lines = f"; unreadable at line{plural} {shown}{more}"
        return f"{self.source}: {', '.join(parts)}{resumed}{lines}"


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


def import_structures(
    registry: BatchRegistrar,
    path: Path,
    *,
    column: str | None = None,
    name_column: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    restart: bool = False,
    with_descriptors: bool = True,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StructureImportReport:
    """Register every structure of ``path``; returns the counts.

    Args:
        registry: the open registry.
        path: a ``.sdf``/``.sd``, ``.csv``/``.tsv`` or ``.smi`` file.
        column, name_column: the CSV columns with the structure and the name (default: found
            by header, see :mod:`registry.chem.structure_files`).
        batch_size: rows per transaction (and per checkpoint).
        restart: ignore the checkpoint of an earlier run of this file and go through all of
            it again (registered structures are still skipped).
        with_descriptors: store the default descriptors with each compound.
        workers: processes for the RDKit work (default: the usable CPUs).
        progress: called with (rows done, rows) after each committed batch.
    """
    if batch_size < 1:
        raise InputFileError("the batch size must be at least 1")
    digest = file_digest(path)
    inputs = read_structures(path, column=column, name_column=name_column)
    source = f"import:{path.name}"
    with registry.store.read() as connection:
        done, finished = registry.store.import_progress(connection, digest)
    # A file imported to the end before goes through again: every structure is then reported
    # as already registered (or added, if it was deleted since).
    start = 0 if restart or finished else done
    report = StructureImportReport(source=path.name, rows=len(inputs), resumed_from=start)
    for begin in range(start, len(inputs), batch_size):
        batch = inputs[begin : begin + batch_size]
        end = begin + len(batch)
        prepared = prepare_many(
            [(item.value, item.name) for item in batch],
            with_descriptors=with_descriptors,
            workers=workers,
        )
        new_ids, skipped = registry.add_prepared(
            prepared,
            source=source,
            checkpoint=(digest, str(path), end, end >= len(inputs)),
        )
        report.added += len(new_ids)
        for index, reason in skipped:
            if reason.startswith("already registered"):
                report.already_registered += 1
            elif reason.startswith("same structure"):
                report.repeated_in_file += 1
            else:
                report.invalid.append(batch[index].line)
        if progress is not None:
            progress(end, len(inputs))
    return report
