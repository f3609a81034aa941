"""Reading a delimited file in chunks of rows, by polars or by the csv module.

:func:`polars_chunks` cuts the file into blocks that each end at a record's end, decodes them
to UTF-8, reads each with polars and runs the first pass over its CAS column
(:func:`registry.bulk.cells.scan_cells`) on the reading thread. :func:`csv_chunks` reads rows with
the csv module, for files polars refuses (such as rows with more fields than the header). Both
give the same rows: short rows padded to the header's width.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import polars as pl

from registry.bulk.cells import CellScan, scan_cells
from registry.bulk.sniff import Dialect
from registry.bulk.writing import added_need_no_quotes
from registry.errors import InputFileError

__all__ = ["Parsed", "Rows", "csv_chunks", "polars_chunks"]


def _utf8_blocks(path: Path, encoding: str, skip_lines: int, size: int) -> Iterator[bytes]:
    """The file after ``skip_lines`` lines, as UTF-8 blocks that each end at a record's end.

    A block ends at the last line break outside quotes (an even number of quote characters
    before it; a doubled quote counts twice, so it keeps the parity). Reading blocks ourselves,
    rather than letting polars map the whole file, keeps memory flat, and decoding here lets
    polars (UTF-8 only) read UTF-16 and Latin-1 files without a temporary copy.

    The file is read into one buffer, used again for every block (what follows the block's
    last record moved to its front), so a block costs one new copy of its bytes: the one
    handed out.
    """
    utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig", "ascii")
    decoder = None if utf8 else codecs.getincrementaldecoder(encoding)()
    buffer = bytearray(size)
    end = 0  # buffer[:end] is read and not handed out yet
    first = True
    with path.open("rb") as source:
        while True:
            if decoder is None:
                if end + size > len(buffer):  # room for the rest of a long record
                    buffer.extend(bytes(end + size - len(buffer)))
                with memoryview(buffer) as view:
                    read = source.readinto(view[end : end + size])
                final = not read
            else:
                raw = source.read(size)
                final = not raw
                data = decoder.decode(raw, final=final).encode("utf-8")
                buffer[end : end + len(data)] = data
                read = len(data)
            end += read
            begin = 0
            if first and buffer.startswith(codecs.BOM_UTF8, 0, end):
                begin = len(codecs.BOM_UTF8)
            first = False
            while skip_lines:
                line_end = buffer.find(b"\n", begin, end)
                if line_end < 0:
                    break
                begin = line_end + 1
                skip_lines -= 1
            if final:
                if end > begin and not skip_lines:
                    yield bytes(memoryview(buffer)[begin:end])
                return
            cut = -1 if skip_lines else buffer.rfind(b"\n", begin, end)
            # Only quoted empty fields keep the count even before every line break.
            if (
                cut >= 0
                and buffer.find(b'"', begin, cut) >= 0
                and _quote_pairs(buffer, begin, end) is None
            ):
                while cut >= 0 and buffer.count(b'"', begin, cut) % 2:
                    cut = buffer.rfind(b"\n", begin, cut)
            if cut >= 0:
                yield bytes(memoryview(buffer)[begin : cut + 1])
                begin = cut + 1
            if begin:  # what is left (the next record's start, lines to skip) goes first
                buffer[: end - begin] = buffer[begin:end]
                end -= begin


def _quote_pairs(
    data: bytes | bytearray, start: int = 0, end: int | None = None
) -> list[int] | None:
    """Where the quote characters of ``data[start:end]`` are, when each is one of a doubled
    pair (``""``, as in a quoted empty field) and there are few; None otherwise. Found with a
    few ``find`` calls, cheaper than looking at every byte."""
    end = len(data) if end is None else end
    budget = max(64, (end - start) >> 11)  # so many pairs, then give up looking
    pairs: list[int] = []
    at = data.find(b'"', start, end)
    while at >= 0:
        if len(pairs) == budget or at + 1 >= end or data[at + 1] != 0x22:
            return None
        pairs.append(at)
        at = data.find(b'"', at + 2, end)
    return pairs


Rows = list[list[str]]
"""A chunk read by the csv module: its rows as lists of fields."""


class Parsed(NamedTuple):
    """A block read by polars, with the first pass over its CAS column (``values``) done on the
    reading thread; ``unquoted`` when none of its fields, nor the added ones but the reasons,
    needs quoting when written back (see :func:`_needs_no_quotes`); then empty fields are "",
    otherwise null."""

    frame: pl.DataFrame
    unquoted: bool
    values: pl.Series
    scan: CellScan


def polars_chunks(path: Path, dialect: Dialect, width: int, chunk_rows: int) -> Iterator[Parsed]:
    """The file's data rows (``width`` fields each), about ``chunk_rows`` at a time, read by
    polars; :class:`pl.exceptions.PolarsError` where polars cannot parse them."""
    names = [f"c{i}" for i in range(width)]
    skip = dialect.skip_lines + int(dialect.header)
    delimiter = dialect.delimiter.encode()
    plain_added = added_need_no_quotes(dialect.delimiter)
    # Blocks of about 32 bytes per requested row, 4 KiB at least.
    for block in _utf8_blocks(path, dialect.encoding, skip, max(4096, chunk_rows * 32)):
        unquoted = plain_added and _needs_no_quotes(block, delimiter)
        # Written unquoted, an empty field is empty whether it was read as "" or as null, so
        # it is read as "" (no column to fill). Otherwise polars would quote "", so empty
        # fields are null, written empty as the csv module writes them.
        frame = pl.read_csv(
            block,
            has_header=False,
            separator=dialect.delimiter,
            schema=dict.fromkeys(names, pl.String),
            missing_columns="insert",
            raise_if_empty=False,
            empty_string_is_null=not unquoted,
        )
        if not unquoted and b'""' in block:  # quoted empty fields, read as ""
            frame = frame.with_columns(
                pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in names
            )
        values = frame.to_series(dialect.cas_column)
        if values.null_count():  # empty fields, or the missing ones of short rows
            values = values.fill_null("")
        yield Parsed(frame, unquoted, values, scan_cells(values))


def _needs_no_quotes(block: bytes, delimiter: bytes) -> bool:
    """True when no field of ``block`` needs quotes when written back: no carriage return
    outside a line break, and no quote character but in a few quoted empty fields (``""``)."""
    if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
        return False
    pairs = _quote_pairs(block)
    if pairs is None:
        return False
    before = (delimiter, b"\n", b"")
    after = (delimiter, b"\n", b"\r", b"")
    return all(block[at - 1 : at] in before and block[at + 2 : at + 3] in after for at in pairs)


_LONGEST_FIELD = 2**31 - 1  # the most the csv module takes on every platform


def csv_chunks(
    path: Path, dialect: Dialect, width: int, chunk_rows: int, *, name: Path | None = None
) -> Iterator[Rows]:
    """The file's data rows, ``chunk_rows`` at a time, read by the csv module (fields beyond
    ``width`` kept); :class:`~registry.errors.InputFileError`, naming the file as ``name``
    (default: ``path``), where it cannot read them."""
    # A cell of any length is a row to report (the csv module's default stops at 128 KiB).
    csv.field_size_limit(max(csv.field_size_limit(), _LONGEST_FIELD))
    with path.open(encoding=dialect.encoding, newline="") as handle:
        for _ in range(dialect.skip_lines + int(dialect.header)):
            handle.readline()
        chunk: list[list[str]] = []
        try:
            for row in csv.reader(handle, delimiter=dialect.delimiter):
                # Pad short rows as polars does, so both readers give the same rows.
                chunk.append(row + [""] * (width - len(row)) if len(row) < width else row)
                if len(chunk) >= chunk_rows:
                    yield chunk
                    chunk = []
        except (csv.Error, UnicodeDecodeError) as error:
            raise InputFileError(f"{name or path}: cannot read as CSV: {error}") from error
        if chunk:
            yield chunk
