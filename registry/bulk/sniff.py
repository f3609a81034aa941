"""Sniffing a delimited text file: encoding, delimiter, preamble, header and the CAS column.

Everything is decided from a sample at the start of the file, and every decision can be
overridden by the caller. The sniffing itself uses the standard library only.

>>> sniff_text("Title\\n\\nName;CAS No.\\nWater;7732-18-5\\n").delimiter
';'
>>> sniff_text("Title\\n\\nName;CAS No.\\nWater;7732-18-5\\n").skip_lines
2
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

from registry import cas
from registry.errors import InputFileError

__all__ = [
    "Dialect",
    "detect_encoding",
    "find_cas_column",
    "preamble_length",
    "resolve_column",
    "sniff_text",
]

SAMPLE_BYTES = 256 * 1024
_SAMPLE_ROWS = 200
_DELIMITERS = ",;\t|"
# Header names that announce a CAS column, compared without case, spaces or punctuation.
_CAS_HEADER = re.compile(r"^(cas|casrn|casno|casnr|casnum|casnumber|casregno|casregistrynumber)")
_CAS_SHAPED = re.compile(rf"(?<![0-9-]){cas.SHAPE_PATTERN}(?![0-9-])")


@dataclass(frozen=True, slots=True)
class Dialect:
    """What was detected (or given) about a delimited file.

    Attributes:
        encoding: a Python codec name (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252``, ...).
        delimiter: the field separator.
        skip_lines: physical lines above the header (a title and notes).
        header: True when the first row after the preamble holds column names.
        columns: the column names (``column_1``... when there is no header).
        cas_column: the 0-based index of the column with CAS numbers.
        cas_column_by: how that column was chosen ("option", "header", "content").
    """

    encoding: str
    delimiter: str
    skip_lines: int
    header: bool
    columns: tuple[str, ...]
    cas_column: int
    cas_column_by: str

    @property
    def cas_column_name(self) -> str:
        return self.columns[self.cas_column]


# Every byte but the control characters that text files do not hold: deleting these from a
# sample leaves the suspicious ones.
_NOT_CONTROL = bytes(byte for byte in range(256) if byte >= 32 or byte in b"\t\n\r\x0c")


def detect_encoding(sample: bytes) -> str:
    """The codec that reads ``sample``, or :class:`InputFileError` for a binary file.

    >>> detect_encoding(b"\\xef\\xbb\\xbfCAS\\n"), detect_encoding("CAS".encode("utf-16"))
    ('utf-8-sig', 'utf-16')
    >>> detect_encoding("Prop 65 \\xb5g".encode("latin-1"))
    'cp1252'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample and b"\x00" in sample:
        # UTF-16 without a byte-order mark: every other byte of ASCII text is zero.
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
        raise InputFileError("looks like a binary file (it contains NUL bytes), not CSV text")
    controls = len(sample.translate(None, _NOT_CONTROL))
    if controls > max(2, len(sample) // 200):
        raise InputFileError("looks like a binary file (control bytes), not CSV text")
    try:
        # A multi-byte character may be cut at the end of the sample; let the decoder wait.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"  # cp1252 leaves five bytes undefined; Latin-1 maps every byte
    return "cp1252"


def _rows(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= _SAMPLE_ROWS:
                break
    except csv.Error:
        pass  # a quoted field cut at the sample's end
    return rows


def _guess_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number of fields (> 1)."""
    best, best_score = ",", -1.0
    for delimiter in _DELIMITERS:
        counts = Counter(line.count(delimiter) for line in lines if line.strip())
        if not counts:
            continue
        fields, lines_with = max(counts.items(), key=lambda item: (item[1], item[0]))
        if fields == 0:
            continue
        score = lines_with + fields / 1000
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _normal_header(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def find_cas_column(
    columns: list[str] | tuple[str, ...], rows: list[list[str]], header: bool
) -> tuple[int, str]:
    """The CAS column: by header name when one says CAS, otherwise by content.

    >>> find_cas_column(["Name", "CAS No."], [], True)
    (1, 'header')
    >>> find_cas_column(["a", "b"], [["water", "7732-18-5"], ["x", "50-00-0"]], False)
    (1, 'content')
    """
    if header:
        for index, name in enumerate(columns):
            if _CAS_HEADER.match(_normal_header(name)):
                return index, "header"
    scores = [0] * len(columns)
    for row in rows:
        for index, value in enumerate(row[: len(columns)]):
            if cas.is_valid(value):
                scores[index] += 2
            elif _CAS_SHAPED.search(value):
                scores[index] += 1
    if not scores or max(scores) == 0:
        raise InputFileError(
            f"no column looks like CAS numbers (columns: {', '.join(columns)}); "
            "name one with column=NAME"
        )
    return scores.index(max(scores)), "content"


def preamble_length(widths: list[int]) -> int:
    """Rows of preamble (a title, notes) above the header, from the width of each row of a
    sample: the header is the first row as wide as most rows below it (of those wider than one).

    >>> preamble_length([1, 1, 0, 4, 4, 3, 4])
    3
    """
    typical = Counter(w for w in widths if w > 1).most_common(1)
    width = typical[0][0] if typical else 1
    return next((i for i, w in enumerate(widths) if w >= width), 0)


def _looks_like_header(row: list[str]) -> bool:
    return not any(cas.is_valid(value) or _CAS_SHAPED.search(value) for value in row)


def sniff_text(
    text: str,
    *,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    skip_lines: int | None = None,
    header: bool | None = None,
    column: str | int | None = None,
) -> Dialect:
    """Detect the layout of decoded sample ``text``; given arguments override detection."""
    lines = text.splitlines()[:_SAMPLE_ROWS]
    if not any(line.strip() for line in lines):
        raise InputFileError("the file is empty")
    if delimiter is None:
        delimiter = _guess_delimiter(lines)
    if skip_lines is None:
        skip_lines = preamble_length([len((_rows(line, delimiter) or [[]])[0]) for line in lines])
    body = "\n".join(text.splitlines()[skip_lines:])
    rows = _rows(body, delimiter)
    if not rows:
        raise InputFileError("the file has no rows below its preamble")
    first = rows[0]
    if header is None:
        header = _looks_like_header(first)
    columns = tuple(first) if header else tuple(f"column_{i + 1}" for i in range(len(first)))
    data = rows[1:] if header else rows
    if column is None:
        index, by = find_cas_column(columns, data, header)
    else:
        index, by = resolve_column(column, columns), "option"
    return Dialect(encoding, delimiter, skip_lines, header, columns, index, by)


def resolve_column(column: str | int, columns: tuple[str, ...]) -> int:
    if isinstance(column, int) or column.isdigit():
        index = int(column)
        if not 0 <= index < len(columns):
            raise InputFileError(f"column index {index} is out of range (0..{len(columns) - 1})")
        return index
    for index, name in enumerate(columns):
        if name == column:
            return index
    lowered = [name.strip().lower() for name in columns]
    if column.strip().lower() in lowered:
        return lowered.index(column.strip().lower())
    raise InputFileError(f"no column named {column!r} (columns: {', '.join(columns)})")
