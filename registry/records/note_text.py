"""The rules a note's text follows, so that a record file gives back exactly what went in.

In a record file a note is a ``## Section`` heading, an optional ``<!-- source: ... -->`` line
and a Markdown body. A section name or source that spans lines, or a body that opens a heading
or leaves a code block open, would be read back as other notes (or not at all): such text is
refused where it enters, and what every editor does anyway (line endings, trailing blanks) is
normalised there, once.
"""

from __future__ import annotations

import re
import unicodedata

from registry.errors import ValidationError

__all__ = [
    "FENCE",
    "HEADING",
    "check_note_body",
    "check_one_line",
    "citations",
    "one_line",
]

CITATION = re.compile(r"\[\^([^\]\s]+)\]")
HEADING = re.compile(r"^(#{1,2})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
# Characters that end a line for some reader of the file: Python's str.splitlines, editors.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def citations(body: str) -> tuple[str, ...]:
    """The citation markers a note cites, in order of first use.

    >>> citations("receptors[^4][^7]. Pain[^1], again[^4].")
    ('4', '7', '1')
    """
    return tuple(dict.fromkeys(CITATION.findall(body)))


def check_one_line(text: str, what: str) -> str:
    """``text`` stripped, refused when it holds a line break or another control character.

    >>> check_one_line("  PMID 999 ", "source")
    'PMID 999'
    >>> check_one_line("a\\n## Fake", "source")
    Traceback (most recent call last):
    ...
    registry.errors.ValidationError: a source is one line of text: 'a\\n## Fake' has a line break
    """
    for char in text:
        if char in _LINE_BREAKS:
            raise ValidationError(f"a {what} is one line of text: {text[:60]!r} has a line break")
        if unicodedata.category(char) == "Cc" and char != "\t":
            raise ValidationError(
                f"a {what} holds no control characters: {text[:60]!r} has {char!r}"
            )
    return text.strip()


def one_line(text: str) -> str:
    """``text`` with every run of whitespace and line breaks made one space (for titles).

    >>> one_line("Ethanol\\n## Injected")
    'Ethanol ## Injected'
    """
    return " ".join(text.split())


def check_note_body(body: str) -> str:
    """A note body as stored: line endings ``\\n``, trailing blanks and blank edges removed.

    Level-1 and level-2 headings delimit notes in a record file, so a body may only use
    ``###`` and deeper, and a code block it opens must be closed.

    >>> check_note_body("\\n\\nSome text.\\r\\n\\n")
    'Some text.'
    >>> check_note_body("## Mechanism\\ntext")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    registry.errors.ValidationError: line 1 of the note is a '#' or '##' heading; use '###' ...
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fenced = 0
    for number, line in enumerate(lines, 1):
        if FENCE.match(line):
            fenced = 0 if fenced else number
        elif not fenced and HEADING.match(line):
            raise ValidationError(
                f"line {number} of the note is a '#' or '##' heading; "
                "use '###' or deeper inside a note"
            )
    if fenced:
        raise ValidationError(f"line {fenced} of the note opens a ``` code block it never closes")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    text = "\n".join(line.rstrip() for line in lines)
    if not text:
        raise ValidationError("the note is empty")
    return text
