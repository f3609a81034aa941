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
import functools
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Literal, TypeVar

import polars as pl

from registry.bulk.cells import cells_frame, classify_cell, classify_scanned
from registry.bulk.context import (
    CrossCheck,
    as_cells,
    cross_checked,
    fill_cross_check,
    plan_cross_check,
    prepared_context,
)
from registry.bulk.fixes import settled
from registry.bulk.reading import Parsed, Rows, csv_chunks, polars_chunks
from registry.bulk.report import Report, Tally
from registry.bulk.sniff import SAMPLE_BYTES, Dialect, detect_encoding, sniff_text
from registry.bulk.writing import OutputKind, RowWriter, open_writer, output_kind, output_name
from registry.bulk.xlsx import OLD_EXCEL_MAGIC, old_excel_error, validate_workbook
from registry.errors import InputFileError, RegistryError
from registry.progress import Progress, ProgressOption, reporting

__all__ = ["Engine", "Report", "validate_csv"]

_ZIP_MAGIC = b"PK\x03\x04"  # a workbook (.xlsx is a zip archive)

Engine = Literal["auto", "polars", "csv"]
"""The reader: polars, the csv module, or polars and the csv module where polars fails."""
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
    writer: RowWriter | None,
    progress: Progress | None,
    estimate: int,
    checker: CrossCheck | None = None,
    context: dict[str, int] | None = None,
    fix: bool = False,
) -> None:
    column = dialect.cas_column
    context = context or {}

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
            for chunk, prepared in _prefetched(_with_context(chunks, checker, context), reading):
                if isinstance(chunk, Parsed):
                    cells = classify_scanned(chunk.scan)
                    if cells.height != chunk.values.len():  # would shift every later row
                        raise RegistryError(
                            f"internal error: {chunk.values.len()} rows in, {cells.height} out"
                        )
                    cells = cross_checked(checker, context, tally, cells, chunk.values, prepared)
                    cells = settled(cells, fix)
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
                    values = pl.Series(texts, dtype=pl.String)
                    frame = cells_frame([classify_cell(text) for text in texts])
                    if checker is not None:
                        frame = cross_checked(checker, context, tally, frame, values, prepared)
                    frame = settled(frame, fix)
                    if writer is not None:
                        writer.rows(chunk, as_cells(frame))
                    count(values, frame)
            if counting is not None:
                counting.result()
            tally.duplicates()  # summed up here, while the last chunk is being written
        finally:
            # Finished (or failed) before the caller retries or closes the output.
            for pending in (writing, counting):
                if pending is not None:
                    pending.result()


def _with_context(
    chunks: Iterator[Parsed | Rows], checker: CrossCheck | None, context: dict[str, int]
) -> Iterator[tuple[Parsed | Rows, Mapping[str, pl.Series]]]:
    """Each chunk with what ``checker`` prepares from its context columns, worked out where
    the chunk is read (on the reading thread, beside the classification of the last one)."""
    for chunk in chunks:
        if checker is None:
            yield chunk, {}
        else:
            columns = chunk.frame.to_series if isinstance(chunk, Parsed) else _column_of(chunk)
            yield chunk, prepared_context(checker, context, columns)


def _column_of(rows: Rows) -> Callable[[int], pl.Series]:
    def column(index: int) -> pl.Series:
        return pl.Series([row[index] if index < len(row) else "" for row in rows], dtype=pl.String)

    return column


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
    output_format: OutputKind | None = None,
    max_problems: int | None = 20,
    max_duplicates: int = 20,
    engine: Engine = "auto",
    chunk_rows: int = 250_000,
    progress: ProgressOption = None,
    cross_check: CrossCheck | None = None,
    fix: bool = False,
) -> Report:
    """Validate the CAS column of a CSV/TSV file or an Excel workbook.

    A regular file is read where it is. Input that can be read only once (a pipe, a FIFO,
    ``/dev/stdin``, process substitution) is opened once and copied to a temporary file, removed
    afterwards, that is then read instead: every row of it is checked.

    Args:
        path: the file (``.csv``, ``.tsv``, ``.txt`` or ``.xlsx``; an old ``.xls`` is refused
            with how to convert it).
        column: the CAS column by name or 0-based index (default: detected).
        encoding, delimiter, skip_lines, header: override what sniffing detects.
        sheet: the worksheet of a workbook (default: the first that has a CAS column).
        output: where to write every input row plus ``cas_canonical``, ``cas_status``,
            ``cas_reason`` and ``cas_suggestion``, in input order (a path or a text handle).
            It may be the input CSV file itself (replaced once complete), never the input
            workbook (its other sheets, formulas and styles would be lost).
        output_format: ``csv`` (the input's delimiter, a comma for a tab), ``tsv``,
            ``jsonl`` or ``xlsx`` (a workbook, header bold and frozen; a path only);
            default: from the output's name (``.csv``, ``.tsv``, ``.jsonl``, ``.xlsx``),
            else ``csv``.
        max_problems: how many invalid rows the report lists (None: all of them); the
            report's ``more_problems`` counts those not listed.
        max_duplicates: how many repeated CAS numbers the report lists.
        engine: ``polars``, ``csv`` (the csv module), or ``auto`` (polars, and the csv module
            when polars cannot parse the file).
        chunk_rows: rows per chunk; memory use follows this, not the file size.
        progress: True for a progress bar (``tqdm.auto``: a widget in a notebook), or called
            as ``progress(rows done, estimated total rows)`` after each chunk.
        cross_check: checks each valid number against the row's name, formula, SMILES,
            InChIKey or EC columns (found by their headers), when the file has one or
            ``cross_check.always`` (``registry.service.crosscheck`` builds one); its counts go
            into :attr:`Report.cross_check`.
        fix: add a ``cas_fixed`` column holding the corrected number where the correction is
            unambiguous (a normalisation, or a failed checksum's one candidate the row's name
            confirms; never a guess); :attr:`Report.fixes` counts them by kind.

    Raises:
        InputFileError: the file is missing, binary, empty, an old ``.xls`` workbook, or has
            no recognisable CAS column (in any sheet of a workbook); the output is the input
            workbook.
    """
    source = Path(path)
    spool: tempfile.TemporaryDirectory[str] | None = None
    try:
        with source.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                spool = _spooled(source, handle, sample, encoding)
    except OSError as error:
        raise InputFileError(f"{source}: {error.strerror or error}") from error
    validate = functools.partial(
        _validate_file,
        column=column,
        encoding=encoding,
        delimiter=delimiter,
        skip_lines=skip_lines,
        header=header,
        sheet=sheet,
        output=output,
        output_format=output_format,
        max_problems=max_problems,
        max_duplicates=max_duplicates,
        engine=engine,
        chunk_rows=chunk_rows,
        cross_check=cross_check,
        fix=fix,
    )
    with reporting(progress, 0, f"validating {source.name}", unit="rows") as step:
        if spool is None:  # a regular file: read where it is, as often as needed
            return validate(source, source, sample, info.st_size, progress=step)
        with spool as directory:
            spooled = Path(directory) / _SPOOLED
            return validate(source, spooled, sample, spooled.stat().st_size, progress=step)


_SPOOLED = "input"  # the copy of an input that cannot be read twice, in its own directory


def _spooled(
    source: Path, handle: IO[bytes], sample: bytes, encoding: str | None
) -> tempfile.TemporaryDirectory[str]:
    """A temporary directory holding a copy (``_SPOOLED``) of ``source``, an input that can be
    read only once (a pipe, a FIFO, ``/dev/stdin``, process substitution, a device): its
    ``sample``, already read, then the rest of ``handle``. The sniffing and both readers then
    read the copy, as often as they need, and every row of the input reaches them.

    Text that is binary is refused from the sample, before the rest is read (a device such as
    ``/dev/zero`` never ends)."""
    if encoding is None and not sample.startswith(_ZIP_MAGIC):
        try:
            detect_encoding(sample)
        except InputFileError as error:
            raise InputFileError(f"{source}: {error}") from None
    try:
        spool = tempfile.TemporaryDirectory(prefix="registry-validate-")
    except OSError as error:
        raise InputFileError(f"{source}: cannot make a temporary copy: {error}") from error
    try:
        with open(Path(spool.name) / _SPOOLED, "xb") as copy:
            copy.write(sample)
            while block := _read(handle, source):
                copy.write(block)
    except OSError as error:  # writing the copy (reading raises InputFileError)
        spool.cleanup()
        raise InputFileError(f"{source}: cannot make a temporary copy: {error}") from error
    except BaseException:
        spool.cleanup()
        raise
    return spool


def _read(handle: IO[bytes], source: Path) -> bytes:
    """The next MiB of ``handle``, or :class:`InputFileError` naming ``source``."""
    try:
        return handle.read(1 << 20)
    except OSError as error:
        raise InputFileError(f"{source}: {error.strerror or error}") from error


def _validate_file(
    source: Path,
    readable: Path,
    sample: bytes,
    size: int,
    *,
    column: str | int | None,
    encoding: str | None,
    delimiter: str | None,
    skip_lines: int | None,
    header: bool | None,
    sheet: str | None,
    output: str | os.PathLike[str] | IO[str] | None,
    output_format: OutputKind | None,
    max_problems: int | None,
    max_duplicates: int,
    engine: Engine,
    chunk_rows: int,
    progress: Progress | None,
    cross_check: CrossCheck | None = None,
    fix: bool = False,
) -> Report:
    """:func:`validate_csv` on ``readable``, a regular file whose first bytes are ``sample``
    and whose size is ``size``: ``source`` itself, or its copy when ``source`` can be read
    only once. Messages and the report name ``source``."""
    kind = output_kind(output, output_format)
    if sample.startswith(OLD_EXCEL_MAGIC):
        raise old_excel_error(source)
    if sample.startswith(_ZIP_MAGIC):
        _refuse_output_over(source, readable, output)
        return validate_workbook(
            source,
            readable,
            sheet=sheet,
            column=column,
            skip_lines=skip_lines,
            header=header,
            output=output,
            kind=kind,
            max_problems=max_problems,
            max_duplicates=max_duplicates,
            cross_check=cross_check,
            fix=fix,
        )
    if not sample:
        raise InputFileError(f"{source}: the file is empty")
    if encoding is not None:
        text_encoding(encoding)
    try:
        detected = encoding or detect_encoding(sample)
        text = codecs.getincrementaldecoder(detected)(errors="replace").decode(sample)
    except InputFileError as error:
        raise InputFileError(f"{source}: {error}") from None
    except UnicodeError as error:  # a codec with no fallback for what it cannot read
        raise InputFileError(f"{source}: cannot be read as {encoding}: {error}") from None
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
    if (
        output is not None
        and not isinstance(output, str | os.PathLike)
        and not output.seekable()
        and kind != "xlsx"
    ):
        # A retry with the csv module must not repeat rows on a pipe: spool, then copy.
        with tempfile.TemporaryDirectory() as spool:
            spooled = Path(spool) / "out"
            report = _validate_file(
                source,
                readable,
                sample,
                size,
                column=column,
                encoding=encoding,
                delimiter=delimiter,
                skip_lines=skip_lines,
                header=header,
                sheet=sheet,
                output=spooled,
                output_format=kind,
                max_problems=max_problems,
                max_duplicates=max_duplicates,
                engine=engine,
                chunk_rows=chunk_rows,
                progress=progress,
                cross_check=cross_check,
                fix=fix,
            )
            with spooled.open(encoding="utf-8", newline="") as handle:
                shutil.copyfileobj(handle, output)
            output.flush()
        report.output = output_name(output)
        return report
    checker, context = plan_cross_check(cross_check, dialect.columns, dialect.cas_column)
    attempts: list[Literal["polars", "csv"]] = (
        ["csv"] if engine == "csv" else ["polars"] if engine == "polars" else ["polars", "csv"]
    )
    for attempt in attempts:
        tally = Tally(first_row, max_problems, max_duplicates, fix=fix)
        try:
            with open_writer(output, kind, dialect.columns, dialect.delimiter, fix=fix) as writer:
                chunks: Iterator[Parsed | Rows]
                if attempt == "polars":
                    chunks = polars_chunks(readable, dialect, width, chunk_rows)
                else:
                    chunks = csv_chunks(readable, dialect, width, chunk_rows, name=source)
                _run(chunks, dialect, tally, writer, progress, estimate, checker, context, fix)
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
    if progress is not None:  # the estimate of the rows gives way to their count
        progress(tally.rows, tally.rows)
    tally.fill(report)
    fill_cross_check(report, tally, checker, context, dialect.columns)
    report.output = output_name(output)
    return report


def text_encoding(encoding: str) -> str:
    """``encoding``'s codec name, or :class:`InputFileError` for a name Python does not know
    and a codec that does not turn bytes into text (``rot13``, ``hex``, ``base64``,
    ``idna``: they transform text or bytes, or encode domain names).

    >>> text_encoding("UTF8"), text_encoding("latin-1")
    ('utf-8', 'iso8859-1')
    """
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputFileError(f"encoding={encoding!r}: no such encoding") from None
    text_codec = getattr(info, "_is_text_encoding", True)
    if text_codec:
        try:  # a codec for other things than files (idna) has no lenient decoder
            codecs.getincrementaldecoder(info.name)(errors="replace").decode(b"a")
        except (UnicodeError, ValueError, TypeError):
            text_codec = False
    if not text_codec:
        raise InputFileError(
            f"encoding={encoding!r}: not an encoding of text files (try utf-8, utf-16, cp1252)"
        )
    return info.name


def _refuse_output_over(
    source: Path, readable: Path, output: str | os.PathLike[str] | IO[str] | None
) -> None:
    """:class:`InputFileError` when ``output`` is the input workbook itself, by any path (a
    link, a relative name): the annotated rows are CSV text, and writing them over a workbook
    would lose its other sheets, formulas and styles."""
    if not isinstance(output, str | os.PathLike):
        return
    target = os.path.realpath(output)  # what the output replaces (see open_output)
    try:
        same = os.path.samefile(readable, target)
    except OSError:  # no such output yet (or none that can be looked at): not the input
        same = False
    if same:
        raise InputFileError(
            f"{output}: is the input workbook; the annotated rows (CSV text) would replace its "
            "sheets, formulas and styles: write them to another file"
        )
