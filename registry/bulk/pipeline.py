"""Validating the CAS column of a whole file: :func:`validate_csv`.

The file is sniffed (:mod:`registry.bulk.sniff`), read in chunks (:mod:`registry.bulk.reading`),
the CAS cell of every row classified (:mod:`registry.bulk.cells`), every input row optionally
written with four added columns (:mod:`registry.bulk.writing`), and the rows counted into a
:class:`~registry.bulk.report.Report`. A workbook goes to :mod:`registry.bulk.xlsx` instead.

Two readers give the same answers: polars (used whenever it can parse the file) and the csv
module. Memory stays flat: only a chunk per stage, the first problems and the per-number
duplicate tallies are kept.
"""

from __future__ import annotations

import codecs
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Literal, TypeVar

import polars as pl

from registry.bulk.cells import cells_frame, classify_cell, classify_scanned
from registry.bulk.reading import Parsed, Rows, csv_chunks, polars_chunks
from registry.bulk.report import Report, Tally
from registry.bulk.sniff import SAMPLE_BYTES, Dialect, detect_encoding, sniff_text
from registry.bulk.writing import OutputKind, Writer, open_output, output_name
from registry.bulk.xlsx import read_workbook, validate_rows
from registry.errors import InputFileError, RegistryError

__all__ = ["Engine", "Progress", "Report", "validate_csv"]

_ZIP_MAGIC = b"PK\x03\x04"  # a workbook (.xlsx is a zip archive)

Engine = Literal["auto", "polars", "csv"]
"""The reader: polars, the csv module, or polars and the csv module where polars fails."""
Progress = Callable[[int, int], None]
"""Called with (rows done, estimated total rows) after each chunk."""
_T = TypeVar("_T")


def _prefetched(items: Iterator[_T], pool: ThreadPoolExecutor) -> Iterator[_T]:
    """``items``, each read on ``pool`` while the caller works on the one before."""
    ahead = pool.submit(_next, items)
    while (item := ahead.result()) is not None:
        ahead = pool.submit(_next, items)
        yield item[0]


def _next(items: Iterator[_T]) -> tuple[_T] | None:
    """The next of ``items`` (in a tuple), or None at their end."""
    for item in items:
        return (item,)
    return None


def _run(
    chunks: Iterator[Parsed | Rows],
    dialect: Dialect,
    tally: Tally,
    writer: Writer | None,
    progress: Progress | None,
    estimate: int,
) -> None:
    column = dialect.cas_column

    def count(values: pl.Series, cells: pl.DataFrame) -> None:
        tally.add(values, cells)
        if progress is not None:
            progress(tally.rows, max(estimate, tally.rows))

    # Four threads share the work, polars releasing the GIL in each: one reads the next chunk
    # (and scans its CAS column), this one classifies the current one, one writes and one
    # tallies the last one. One chunk at a time is in each, so rows stay in order. Each stage
    # keeps its own thread, so each thread's memory follows one stage (threads taking turns
    # at every stage would each come to hold the memory of the largest).
    with (
        ThreadPoolExecutor(max_workers=1) as reading,
        ThreadPoolExecutor(max_workers=1) as writing_thread,
        ThreadPoolExecutor(max_workers=1) as counting_thread,
    ):
        writing: Future[None] | None = None
        counting: Future[None] | None = None
        try:
            for chunk in _prefetched(chunks, reading):
                if isinstance(chunk, Parsed):
                    cells = classify_scanned(chunk.scan)
                    if cells.height != chunk.values.len():  # would shift every later row
                        raise RegistryError(
                            f"internal error: {chunk.values.len()} rows in, {cells.height} out"
                        )
                    if writer is not None:
                        if writing is not None:
                            writing.result()
                        writing = writing_thread.submit(
                            writer.frame, chunk.frame, cells, chunk.unquoted
                        )
                    if counting is not None:
                        counting.result()
                    counting = counting_thread.submit(count, chunk.values, cells)
                else:
                    texts = [row[column] if column < len(row) else "" for row in chunk]
                    verdicts = [classify_cell(text) for text in texts]
                    if writer is not None:
                        writer.rows(chunk, verdicts)
                    count(pl.Series(texts, dtype=pl.String), cells_frame(verdicts))
            if counting is not None:
                counting.result()
            tally.duplicates()  # summed up here, while the last chunk is being written
        finally:
            # Finished (or failed) before the caller retries or closes the output.
            for pending in (writing, counting):
                if pending is not None:
                    pending.result()


def validate_csv(
    path: str | os.PathLike[str],
    *,
    column: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_lines: int | None = None,
    header: bool | None = None,
    sheet: str | None = None,
    output: str | os.PathLike[str] | IO[str] | None = None,
    output_format: OutputKind = "csv",
    max_problems: int = 20,
    max_duplicates: int = 20,
    engine: Engine = "auto",
    chunk_rows: int = 250_000,
    progress: Progress | None = None,
) -> Report:
    """Validate the CAS column of a CSV/TSV file or an Excel workbook.

    Args:
        path: the file (``.csv``, ``.tsv``, ``.txt`` or ``.xlsx``).
        column: the CAS column by name or 0-based index (default: detected).
        encoding, delimiter, skip_lines, header: override what sniffing detects.
        sheet: the worksheet of a workbook (default: the first).
        output: where to write every input row plus ``cas_canonical``, ``cas_status``,
            ``cas_reason`` and ``cas_suggestion``, in input order (a path or a text handle).
        output_format: ``csv`` (the input's delimiter) or ``jsonl``.
        max_problems: how many invalid rows the report lists.
        max_duplicates: how many repeated CAS numbers the report lists.
        engine: ``polars``, ``csv`` (the csv module), or ``auto`` (polars, and the csv module
            when polars cannot parse the file).
        chunk_rows: rows per chunk; memory use follows this, not the file size.
        progress: called with (rows done, estimated total rows) after each chunk.

    Raises:
        InputFileError: the file is missing, binary, empty, or has no recognisable CAS column.
    """
    source = Path(path)
    try:
        with source.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
        size = source.stat().st_size
    except OSError as error:
        raise InputFileError(f"{source}: {error.strerror or error}") from error
    if sample.startswith(_ZIP_MAGIC):
        rows, settings = read_workbook(source, sheet)
        return validate_rows(
            source,
            rows,
            settings,
            column,
            header,
            output,
            output_format,
            max_problems,
            max_duplicates,
        )
    if not sample:
        raise InputFileError(f"{source}: the file is empty")
    try:
        detected = encoding or detect_encoding(sample)
        text = codecs.getincrementaldecoder(detected)(errors="replace").decode(sample)
    except InputFileError as error:
        raise InputFileError(f"{source}: {error}") from None
    except LookupError as error:
        raise InputFileError(f"unknown encoding {encoding!r}") from error
    if len(sample) == SAMPLE_BYTES and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # drop the line cut at the sample's end
    try:
        dialect = sniff_text(
            text,
            encoding=detected,
            delimiter=delimiter,
            skip_lines=skip_lines,
            header=header,
            column=column,
        )
    except InputFileError as error:
        raise InputFileError(f"{source}: {error}") from None
    width = len(dialect.columns)
    # Bytes per line in the sample give a fair estimate of the row count for the progress bar.
    estimate = int(size / max(1, len(sample) / max(1, text.count("\n"))))
    report = Report(
        path=str(source),
        settings={
            "encoding": dialect.encoding,
            "delimiter": dialect.delimiter,
            "skip_lines": dialect.skip_lines,
            "header": dialect.header,
            "column": dialect.cas_column_name,
            "column_index": dialect.cas_column,
            "column_by": dialect.cas_column_by,
        },
    )
    first_row = dialect.skip_lines + int(dialect.header) + 1
    if output is not None and not isinstance(output, str | os.PathLike) and not output.seekable():
        # A retry with the csv module must not repeat rows on a pipe: spool, then copy.
        with tempfile.TemporaryDirectory() as spool:
            spooled = Path(spool) / "out"
            report = validate_csv(
                source,
                column=column,
                encoding=encoding,
                delimiter=delimiter,
                skip_lines=skip_lines,
                header=header,
                output=spooled,
                output_format=output_format,
                max_problems=max_problems,
                max_duplicates=max_duplicates,
                engine=engine,
                chunk_rows=chunk_rows,
                progress=progress,
            )
            with spooled.open(encoding="utf-8", newline="") as handle:
                shutil.copyfileobj(handle, output)
            output.flush()
        report.output = output_name(output)
        return report
    attempts: list[Literal["polars", "csv"]] = (
        ["csv"] if engine == "csv" else ["polars"] if engine == "polars" else ["polars", "csv"]
    )
    for attempt in attempts:
        tally = Tally(first_row, max_problems, max_duplicates)
        try:
            with open_output(output) as handle:
                writer = (
                    None
                    if handle is None
                    else Writer(handle, output_format, dialect.columns, dialect.delimiter)
                )
                chunks: Iterator[Parsed | Rows]
                if attempt == "polars":
                    chunks = polars_chunks(source, dialect, width, chunk_rows)
                else:
                    chunks = csv_chunks(source, dialect, width, chunk_rows)
                _run(chunks, dialect, tally, writer, progress, estimate)
                if writer is not None and writer.written != tally.rows:
                    raise RegistryError(
                        f"internal error: read {tally.rows} rows but wrote {writer.written}"
                    )
        except pl.exceptions.PolarsError as error:
            if attempt == attempts[-1]:
                raise InputFileError(f"{source}: cannot read as CSV: {error}") from error
            continue
        report.settings["engine"] = attempt
        break
    tally.fill(report)
    report.output = output_name(output)
    return report
