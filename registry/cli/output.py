"""Rendering rows for the terminal (tabulate) and for scripts (JSON, CSV).

A table fits the terminal (100 columns when there is none, as in a pipe): long cells wrap (and
are cut with an ellipsis past a few lines) and, when that is not enough, the last columns (the
least important: every command lists its columns most important first) are left out with a
note saying which.
``registry --wide COMMAND`` shows everything; JSON and CSV are never cut.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import shutil
import textwrap
from collections.abc import Collection, Mapping, Sequence
from typing import Any

UNKNOWN_WIDTH = 100
_GAP = 2  # spaces between two columns of tabulate's plain format
_NARROWEST = 6  # a narrowed column keeps at least this many characters
_KEPT_WIDTH = 24  # a column that is never left out is not narrowed below this either
_WHOLE_WORD = 27  # words up to this long are not broken when a column wraps
MOST_LINES = 8  # a cell wraps onto at most this many lines; the rest is cut


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value


def render(
    rows: Sequence[Mapping[str, Any]],
    fmt: OutputFormat,
    columns: Sequence[str],
    *,
    keep: Collection[str] = (),
) -> str:
    """Rows as a table that fits the terminal, a JSON array (full values) or CSV (lists joined
    by '; '). A narrow terminal leaves out columns from the right, never those in ``keep``."""
    if fmt is OutputFormat.json:
        return json.dumps([dict(row) for row in rows], indent=2, ensure_ascii=False)
    if fmt is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: _cell(row.get(k)) for k in columns} for row in rows)
        return buffer.getvalue().rstrip("\n")
    from tabulate import tabulate

    cells = [[str(_cell(row.get(k))) for k in columns] for row in rows]
    headers = [str(c) for c in columns]
    if Tables.whole or not cells:  # (tabulate cannot wrap the columns of an empty table)
        return tabulate(cells, headers=headers, disable_numparse=True)
    cells, headers, limits, note = fit(cells, headers, terminal_width(), keep)
    # Wrapped here: tabulate's own wrapping (maxcolwidths) fails on a cell reading "True".
    wrapped = [[wrap(text, n) for text, n in zip(row, limits, strict=True)] for row in cells]
    table = tabulate(wrapped, headers=headers, disable_numparse=True)
    return f"{table}\n{note}" if note else table


def terminal_width() -> int:
    """Columns of the terminal (or ``COLUMNS``); :data:`UNKNOWN_WIDTH` for a pipe or file."""
    return shutil.get_terminal_size((UNKNOWN_WIDTH, 24)).columns


class Tables:
    """How this invocation shows tables; the root command sets it from ``--wide`` each time."""

    whole = False


def _width(text: str) -> int:
    return max((len(line) for line in text.split("\n")), default=0)


def wrap(text: str, width: int) -> str:
    """``text`` wrapped to ``width`` characters, its own line breaks kept, at most
    :data:`MOST_LINES` lines (the last cut with an ellipsis).

    >>> print(wrap("check digit is 3, expected 2", 12))
    check digit
    is 3,
    expected 2
    """
    if _width(text) <= width:
        return text
    lines = [
        piece
        for line in text.split("\n")
        for piece in (textwrap.wrap(line, width, break_on_hyphens=False) or [""])
    ]
    if len(lines) > MOST_LINES:
        lines = lines[:MOST_LINES]
        lines[-1] = lines[-1][: width - 1] + "…"
    return "\n".join(lines)


def fit(
    cells: list[list[str]], headers: list[str], width: int, keep: Collection[str] = ()
) -> tuple[list[list[str]], list[str], list[int], str]:
    """The table made to fit ``width`` characters: its cells, headers, the width each column
    wraps at, and a note naming the columns left out.

    The widest columns are narrowed first (their cells wrap, see :func:`wrap`), none below
    its header or its longest word; when even that is too wide, empty columns go, then
    columns from the right, except the first and those in ``keep``.

    >>> fit([["a few words " * 5, "b"]], ["first", "second"], 30)[2]
    [20, 8]
    >>> " ".join(fit([["a" * 30, "b" * 30]], ["first", "second"], 40)[3].split())
    '(1 column not shown: second; registry --wide ... or --format json shows all)'
    """
    columns = range(len(headers))
    # tabulate pads each header by two characters, so a column is at least that wide.
    natural = [
        max([_width(headers[i]) + _GAP] + [_width(row[i]) for row in cells]) for i in columns
    ]
    # Not narrower than the header or the longest word (up to an InChIKey's 27): identifiers
    # stay whole.
    floors = [
        min(
            natural[i],
            max(_NARROWEST, _width(headers[i]) + _GAP, min(_longest_word(cells, i), _WHOLE_WORD)),
        )
        for i in columns
    ]
    for i in columns:  # a column that must stay is worth some width too
        if headers[i] in keep:
            floors[i] = max(floors[i], min(natural[i], _KEPT_WIDTH))
    shown = list(columns)

    def too_wide(widths: list[int]) -> bool:
        return sum(widths[i] for i in shown) + _GAP * (len(shown) - 1) > width

    if too_wide(natural):
        # columns with nothing in them need no note (the first, what each row is, stays)
        shown = [i for i in shown if i == 0 or any(row[i] for row in cells)]
    droppable = [i for i in reversed(shown[1:]) if headers[i] not in keep]
    dropped: list[int] = []
    while droppable and too_wide(floors):
        dropped.insert(0, droppable.pop(0))
        shown.remove(dropped[0])
    limits = _share(
        [natural[i] for i in shown], [floors[i] for i in shown], width - _GAP * (len(shown) - 1)
    )
    fitted = [[row[i] for i in shown] for row in cells]
    names = [headers[i] for i in dropped]
    note = (
        textwrap.fill(
            f"({len(names)} column{'s' if len(names) > 1 else ''} not shown: "
            f"{', '.join(names)}; registry --wide ... or --format json shows all)",
            width,
        )
        if names
        else ""
    )
    return fitted, [headers[i] for i in shown], limits, note


def _longest_word(cells: list[list[str]], column: int) -> int:
    return max((len(word) for row in cells for word in row[column].split()), default=0)


def _share(natural: list[int], floors: list[int], budget: int) -> list[int]:
    """Column widths within ``budget``: the widest column gives up width first (down to its
    floor), then the next widest, so that narrow columns are not wrapped for a few characters.
    """
    limits = list(natural)
    excess = sum(natural) - budget
    for i in sorted(range(len(natural)), key=lambda i: -natural[i]):
        if excess <= 0:
            break
        given = min(excess, natural[i] - floors[i])
        limits[i] -= given
        excess -= given
    return limits
