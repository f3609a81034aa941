"""The file methods of :class:`~registry.service.Registry`: importing structure files and
record files, reading a compound as a record, exporting.

:class:`FileMethods` is a base class of ``Registry`` (kept here so that the facade's module
stays small); each method delegates to :mod:`registry.service.structure_import` or
:mod:`registry.service.record_files`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from registry.progress import ProgressOption
from registry.service.register_many import DEFAULT_BATCH

if TYPE_CHECKING:
    from registry import records
    from registry.config import Settings
    from registry.service.record_files import ExportFormat, ImportReport
    from registry.service.structure_import import BatchRegistrar, StructureImportReport
    from registry.store import Store

__all__ = ["FileMethods"]


class FileMethods:
    """Structure files and record files in and out."""

    store: Store
    settings: Settings

    def import_structures(
        self: BatchRegistrar,
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
        """Bulk-register a structure file (.sdf, .csv/.tsv, .smi, .xlsx, .json) with its rows'
        CAS numbers, identifiers, synonyms, notes and other columns, in resumable batches.
        See :func:`registry.service.structure_import.import_structures` for the options."""
        # Imported here: reading tables brings polars, which no other command of a registry needs.
        from registry.service.structure_import import import_structures

        return import_structures(
            self,
            path,
            column=column,
            name_column=name_column,
            cas_columns=cas_columns,
            cas_role=cas_role,
            properties=properties,
            keep_invalid_cas=keep_invalid_cas,
            sheet=sheet,
            batch_size=batch_size,
            restart=restart,
            with_descriptors=with_descriptors,
            workers=workers,
            progress=progress,
            allow_tautomer=allow_tautomer,
            allow_stereoisomer=allow_stereoisomer,
        )

    def import_records(
        self,
        directory: Path | str | None = None,
        *,
        source: str = "import",
        progress: Callable[[int, int, str], None] | None = None,
    ) -> ImportReport:
        """Import ``compounds/*.md`` record files, all or nothing.

        Every file is read and checked first; if any is malformed, the error names each bad
        file and line and nothing is imported. A file whose structure is a compound that another
        file of the import holds is not imported: the report's ``refused`` names both files.
        Then all records go in one transaction, so a failure (or a killed process) leaves the
        registry as it was. Importing the same files again changes nothing and the report says
        so. ``progress(done, total, name)`` is called inside the transaction after each record.
        """
        from registry.service import record_files  # YAML and Markdown: only for record files

        return record_files.import_records(
            self.store, self.settings.author, directory, source=source, progress=progress
        )

    def record(self, query: str) -> records.Record:
        """The compound as a record file would hold it."""
        from registry.service import record_files

        return record_files.record(self.store, query)

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
        from registry.service import record_files

        return record_files.export(self.store, fmt, out, queries=queries)
