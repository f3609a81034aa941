"""Structures from files: SMILES lists (.smi), CSV/TSV tables with a structure column, SDF.

Standard library only: records come back as text (SMILES, InChI or a Molfile block) with a name,
so a bad record is reported by whoever parses it, in its row, instead of stopping the file.

>>> import io
>>> [(s.value, s.name) for s in read_smi(io.StringIO("CCO ethanol\\n\\n# comment\\nc1ccccc1\\n"))]
[('CCO', 'ethanol'), ('c1ccccc1', '')]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from registry.errors import InputFileError

__all__ = [
    "NAME_COLUMNS",
    "STRUCTURE_COLUMNS",
    "StructureInput",
    "read_csv",
    "read_sdf",
    "read_smi",
    "read_structures",
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
NAME_COLUMNS = ("name", "compound", "title", "id", "cid", "cas", "cas_rn")


@dataclass(frozen=True, slots=True)
class StructureInput:
    """One structure read from a file: its text, a name, and where it came from (1-based)."""

    value: str
    name: str = ""
    line: int = 0


def read_smi(handle: TextIO) -> Iterator[StructureInput]:
    """A SMILES file: ``SMILES [name]`` per line; blank lines and ``#`` comments are skipped."""
    for number, line in enumerate(handle, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        smiles, _, name = text.partition(" ") if " " in text else text.partition("\t")
        yield StructureInput(smiles.strip(), name.strip(), number)


def _find(header: list[str], wanted: str | None, candidates: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    if wanted is not None:
        if wanted in header:
            return header.index(wanted)
        if wanted.strip().lower() in lowered:
            return lowered.index(wanted.strip().lower())
        raise InputFileError(f"no column {wanted!r}; the columns are: {', '.join(header)}")
    for candidate in candidates:
        if candidate in lowered:
            return lowered.index(candidate)
    return None


def read_csv(
    handle: TextIO, *, column: str | None = None, name_column: str | None = None
) -> Iterator[StructureInput]:
    """A CSV or TSV table with a header; the structure column is found by name if not given."""
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
        yield from _table_rows(reader, column, name_column)
    except csv.Error as error:
        raise InputFileError(f"line {reader.line_num}: not a CSV row ({error})") from error


def _table_rows(
    reader: Iterator[list[str]], column: str | None, name_column: str | None
) -> Iterator[StructureInput]:
    header = next(reader, None)
    if not header:
        raise InputFileError("the table is empty (no header row)")
    index = _find(header, column, STRUCTURE_COLUMNS)
    if index is None:
        raise InputFileError(
            "no structure column found (looked for "
            f"{', '.join(STRUCTURE_COLUMNS)}); name it with column=NAME. "
            f"The columns are: {', '.join(header)}"
        )
    name_index = _find(header, name_column, NAME_COLUMNS)
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        value = row[index].strip() if index < len(row) else ""
        name = row[name_index].strip() if name_index is not None and name_index < len(row) else ""
        yield StructureInput(value, name, number)


def read_sdf(handle: TextIO) -> Iterator[StructureInput]:
    """SDF records (split on ``$$$$``); the name is the record's first line."""
    lines: list[str] = []
    start = 1
    for number, line in enumerate(handle, start=1):
        if line.startswith("$$$$"):
            if any(part.strip() for part in lines):
                yield StructureInput("".join(lines), lines[0].strip(), start)
            lines = []
            start = number + 1
            continue
        lines.append(line)
    if any(part.strip() for part in lines):
        yield StructureInput("".join(lines), lines[0].strip(), start)


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


def read_structures(
    path: Path, *, column: str | None = None, name_column: str | None = None
) -> list[StructureInput]:
    """Every structure in a ``.smi``/``.txt``, ``.csv``/``.tsv`` or ``.sdf``/``.sd``/``.mol`` file.

    Raises:
        InputFileError: the file cannot be read, is binary, or has no structure column.
    """
    suffix = path.suffix.lower()
    handle = _open(path)
    if suffix in (".sdf", ".sd", ".mol"):
        return list(read_sdf(handle))
    if suffix in (".csv", ".tsv", ".tab"):
        return list(read_csv(handle, column=column, name_column=name_column))
    if suffix in (".smi", ".smiles", ".txt", ".ism", ".can"):
        return list(read_smi(handle))
    raise InputFileError(
        f"{path.name}: unknown file type {suffix or '(none)'}; use .smi, .csv, .tsv or .sdf"
    )
