"""Structures from files: SMILES lists (.smi), CSV/TSV tables, SD files and Excel workbooks.

Standard library only at import (a workbook loads openpyxl when one is read): records come back
as text (SMILES, InChI or a Molfile block) with a name, the file line they start on and every
other column or SD tag of their row, so a bad record is reported by whoever parses it, in its
row, instead of stopping the file, and no column the file holds is lost on the way in.

>>> import io
>>> [(s.value, s.name) for s in read_smi(io.StringIO("CCO ethanol\\n\\n# comment\\nc1ccccc1\\n"))]
[('CCO', 'ethanol'), ('c1ccccc1', '')]
>>> table = table_from_rows([["smiles", "name", "CAS"], ["CCO", "ethanol", "64-17-5"]], "x.csv")
>>> table.columns, table.items[0].fields
(('CAS',), ('64-17-5',))
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from registry.errors import InputFileError

__all__ = [
    "NAME_COLUMNS",
    "STRUCTURE_COLUMNS",
    "StructureInput",
    "StructureTable",
    "read_csv",
    "read_sdf",
    "read_smi",
    "read_structures",
    "read_table",
    "sd_records",
    "table_from_rows",
]

# Header names (case-insensitive) recognised when no column is given, in order of preference.
STRUCTURE_COLUMNS = (
    "smiles",
    "isomeric_smiles",
    "isomericsmiles",
    "canonical_smiles",
    "canonicalsmiles",
    "structure",
    "molecule",
    "mol",
    "inchi",
)
# Never a CAS or CID column: those numbers are identifiers the import keeps as such.
NAME_COLUMNS = ("name", "compound", "title", "id")
_TAG = re.compile(r"^>.*?<([^>]*)>")


@dataclass(frozen=True, slots=True)
class StructureInput:
    """One structure read from a file: its text, a name, where it came from (1-based line),
    and the row's other cells (``fields``, aligned with :attr:`StructureTable.columns`)."""

    value: str
    name: str = ""
    line: int = 0
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StructureTable:
    """A structure file as read: its records and the names of the other columns (or SD tags).

    Attributes:
        source: the file name (what the rows' facts are attributed to).
        columns: every column but the structure and name columns, unique, in file order.
        items: the records, each with ``fields`` aligned with ``columns`` (``""`` when empty).
        structure_column, name_column: the columns read as structure and name (``""`` when
            the format has none: a SMILES list, an SD file's Molfile and title line).
    """

    source: str
    columns: tuple[str, ...]
    items: tuple[StructureInput, ...]
    structure_column: str = ""
    name_column: str = ""


def read_smi(handle: TextIO) -> Iterator[StructureInput]:
    """A SMILES file: ``SMILES [name]`` per line; blank lines and ``#`` comments are skipped."""
    for number, line in enumerate(handle, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        smiles, _, name = text.partition(" ") if " " in text else text.partition("\t")
        yield StructureInput(smiles.strip(), name.strip(), number)


def _find(header: Sequence[str], wanted: str | None, candidates: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    if wanted is not None:
        if wanted in header:
            return list(header).index(wanted)
        if wanted.strip().lower() in lowered:
            return lowered.index(wanted.strip().lower())
        raise InputFileError(f"no column {wanted!r}; the columns are: {', '.join(header)}")
    for candidate in candidates:
        if candidate in lowered:
            return lowered.index(candidate)
    return None


def _unique(names: Sequence[str]) -> list[str]:
    """Column names made unique and non-empty (``column_3``; a repeat gets `` (2)``)."""
    seen: set[str] = set()
    out: list[str] = []
    for index, raw in enumerate(names):
        name = raw.strip() or f"column_{index + 1}"
        candidate, n = name, 2
        while candidate.casefold() in seen:
            candidate, n = f"{name} ({n})", n + 1
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def _width(row: Sequence[str]) -> int:
    """The row's width up to its last cell that holds something."""
    return next((i + 1 for i in range(len(row) - 1, -1, -1) if row[i].strip()), 0)


def table_from_rows(
    rows: Sequence[Sequence[str]],
    source: str,
    *,
    column: str | None = None,
    name_column: str | None = None,
    first_line: int = 1,
) -> StructureTable:
    """A table from its header row and data rows (texts), structure and name columns found.

    Raises:
        InputFileError: no header, or no structure column.
    """
    if not rows or not rows[0]:
        raise InputFileError("the table is empty (no header row)")
    # A row wider than the header keeps its extra cells, in columns named by position;
    # columns empty in the header and in every row (a sheet's formatting) are no columns.
    width = max(_width(row) for row in rows)
    header = _unique([*rows[0][:width], *[""] * (width - len(rows[0]))])
    index = _find(header, column, STRUCTURE_COLUMNS)
    if index is None:
        raise InputFileError(
            "no structure column found (looked for "
            f"{', '.join(STRUCTURE_COLUMNS)}); name it with column=NAME. "
            f"The columns are: {', '.join(header)}"
        )
    name_index = _find(header, name_column, NAME_COLUMNS)
    others = [i for i in range(len(header)) if i not in (index, name_index)]
    items: list[StructureInput] = []
    for number, row in enumerate(rows[1:], start=first_line + 1):
        if not any(cell.strip() for cell in row):
            continue
        cells = [*row[: len(header)], *[""] * (len(header) - len(row))]
        name = cells[name_index].strip() if name_index is not None else ""
        fields = tuple(cells[i] for i in others)
        items.append(StructureInput(cells[index].strip(), name, number, fields))
    return StructureTable(
        source,
        tuple(header[i] for i in others),
        tuple(items),
        header[index],
        header[name_index] if name_index is not None else "",
    )


def _csv_rows(handle: TextIO) -> Iterator[list[str]]:
    text = handle.read()
    sample = text[: 64 * 1024]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    # The whole table is in memory already: no field can be longer than it (csv's own limit,
    # 131,072 characters, would stop the file at one long cell instead of reporting that row).
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        yield from reader
    except csv.Error as error:
        raise InputFileError(f"line {reader.line_num}: not a CSV row ({error})") from error


def _csv_table(
    handle: TextIO, source: str, column: str | None, name_column: str | None
) -> StructureTable:
    rows = list(_csv_rows(handle))
    return table_from_rows(rows, source, column=column, name_column=name_column)


def read_csv(
    handle: TextIO, *, column: str | None = None, name_column: str | None = None
) -> Iterator[StructureInput]:
    """A CSV or TSV table with a header; the structure column is found by name if not given."""
    yield from _csv_table(handle, "", column, name_column).items


def sd_records(handle: TextIO) -> Iterator[tuple[int, str, list[tuple[str, str]]]]:
    """Each SD record: its first line number, its Molfile (up to ``M  END``) and its data
    items ``(tag, value)`` in order; a value's lines are joined with newlines."""
    lines: list[str] = []
    start = 1
    for number, line in enumerate(handle, start=1):
        if line.startswith("$$$$"):
            if any(part.strip() for part in lines):
                yield _sd_record(start, lines)
            lines = []
            start = number + 1
            continue
        lines.append(line)
    if any(part.strip() for part in lines):
        yield _sd_record(start, lines)


def _sd_record(start: int, lines: list[str]) -> tuple[int, str, list[tuple[str, str]]]:
    end = next((i for i, line in enumerate(lines) if line.startswith("M  END")), None)
    if end is None:  # not a Molfile: the whole text goes to the parser, which reports it
        return start, "".join(lines), []
    block = "".join(lines[: end + 1])
    data: list[tuple[str, str]] = []
    tag: str | None = None
    value: list[str] = []
    for line in lines[end + 1 :]:
        text = line.rstrip("\r\n")
        found = _TAG.match(text) if tag is None else None
        if found is not None:
            tag, value = found.group(1), []
        elif tag is not None and not text.strip():
            data.append((tag, "\n".join(value)))
            tag = None
        elif tag is not None:
            value.append(text)
    if tag is not None:
        data.append((tag, "\n".join(value)))
    return start, block, data


def _sd_table(handle: TextIO, source: str, name_column: str | None) -> StructureTable:
    records = [(start, block, _unique([tag for tag, _ in data]), data)
               for start, block, data in sd_records(handle)]  # fmt: skip
    columns = list(dict.fromkeys(name for _, _, names, _ in records for name in names))
    position = {name: i for i, name in enumerate(columns)}
    name_index = _find(columns, name_column, ()) if name_column is not None else None
    items: list[StructureInput] = []
    for start, block, names, data in records:
        cells = [""] * len(columns)
        # A tag repeated in one record fills the column a repeated header would.
        for name, (_, value) in zip(names, data, strict=True):
            cells[position[name]] = value
        title = block.split("\n", 1)[0].strip() if "M  END" in block else ""
        name = cells[name_index].strip() if name_index is not None else title
        fields = tuple(c for i, c in enumerate(cells) if i != name_index)
        items.append(StructureInput(block, name, start, fields))
    kept = tuple(c for i, c in enumerate(columns) if i != name_index)
    named = columns[name_index] if name_index is not None else ""
    return StructureTable(source, kept, tuple(items), "", named)


def read_sdf(handle: TextIO) -> Iterator[StructureInput]:
    """SDF records (split on ``$$$$``); the name is the record's first line."""
    yield from _sd_table(handle, "", None).items


def _open(path: Path) -> TextIO:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(f"cannot read {path}: {error.strerror or error}") from error
    if b"\x00" in data[:8192]:
        raise InputFileError(f"{path} is a binary file, not a structure list")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return io.StringIO(data.decode(encoding), newline=None)
        except UnicodeDecodeError:
            continue
    return io.StringIO(data.decode("latin-1"))


_SD_SUFFIXES = (".sdf", ".sd", ".mol")
_TABLE_SUFFIXES = (".csv", ".tsv", ".tab")
_SMI_SUFFIXES = (".smi", ".smiles", ".txt", ".ism", ".can")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def read_table(
    path: Path,
    *,
    column: str | None = None,
    name_column: str | None = None,
    sheet: str | None = None,
) -> StructureTable:
    """Every structure in a ``.smi``, ``.csv``/``.tsv``, ``.sdf`` or ``.xlsx`` file, with the
    other columns (SD tags) of each row.

    Raises:
        InputFileError: the file cannot be read, is binary, or has no structure column.
    """
    suffix = path.suffix.lower()
    if suffix in _WORKBOOK_SUFFIXES:
        from registry.chem.structure_workbooks import workbook_rows  # loads openpyxl

        headers = [column] if column is not None else list(STRUCTURE_COLUMNS)
        rows, first = workbook_rows(path, headers, sheet=sheet)
        return table_from_rows(
            rows, path.name, column=column, name_column=name_column, first_line=first
        )
    if suffix in _SD_SUFFIXES:
        return _sd_table(_open(path), path.name, name_column)
    if suffix in _TABLE_SUFFIXES:
        return _csv_table(_open(path), path.name, column, name_column)
    if suffix in _SMI_SUFFIXES:
        return StructureTable(path.name, (), tuple(read_smi(_open(path))))
    raise InputFileError(
        f"{path.name}: unknown file type {suffix or '(none)'}; use .smi, .csv, .tsv, .sdf or .xlsx"
    )


def read_structures(
    path: Path, *, column: str | None = None, name_column: str | None = None
) -> list[StructureInput]:
    """Every structure in a ``.smi``/``.txt``, ``.csv``/``.tsv``, ``.sdf``/``.sd``/``.mol`` or
    ``.xlsx`` file (see :func:`read_table` for the other columns).

    Raises:
        InputFileError: the file cannot be read, is binary, or has no structure column.
    """
    return list(read_table(path, column=column, name_column=name_column).items)
