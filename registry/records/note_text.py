"""The rules a note's text follows, so that a record file gives back exactly what went in.

In a record file a note is a ``## Section`` heading, an optional ``<!-- source: ... -->`` line
and a Markdown body. A section name or source that spans lines, or a body that opens a heading
or leaves a code block open, would be read back as other notes (or not at all): such text is
refused where it enters, and what every editor does anyway (line endings, trailing blanks) is
normalised there, once.

Footnotes follow Markdown: ``[^4]`` cites, a line ``[^4]: Smith 2020.`` (with any lines indented
under it) defines. A record file is one Markdown document, so a definition serves every note of
the compound; :func:`fold_footnotes` writes a definition that an earlier note of the file gives
in the same words as a ``<!-- footnote [^4] as above -->`` line, and :func:`unfold_footnotes`
puts the definition back when the file is read, so each definition is written once and the notes
read back are the notes written.
"""

from __future__ import annotations

import re
import unicodedata

from registry.errors import ValidationError

__all__ = [
    "FENCE",
    "HEADING",
    "DuplicateNote",
    "FootnoteConflict",
    "NoteWarning",
    "UndefinedFootnote",
    "check_note_body",
    "check_one_line",
    "citations",
    "definitions",
    "fold_footnotes",
    "one_line",
    "undefined_citations",
    "unfold_footnotes",
]

CITATION = re.compile(r"\[\^([^\]\s]+)\]")
# A footnote definition opens a line (up to three spaces in); lines indented under it continue it.
DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")
_CONTINUED = re.compile(r"^(?: {4}|\t)\S")
AS_ABOVE = re.compile(r"^<!-- footnote \[\^([^\]\s]+)\] as above -->$")
HEADING = re.compile(r"^(#{1,2})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
# Characters that end a line for some reader of the file: Python's str.splitlines, editors.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


class NoteWarning(UserWarning):
    """Something about a note the caller should know; the note was handled all the same."""


class UndefinedFootnote(NoteWarning):
    """A note cites footnotes that neither it nor another note of the compound defines.

    Attributes:
        labels: the markers without a definition, in order of first use (``("3",)``).
    """

    def __init__(self, message: str, labels: tuple[str, ...]) -> None:
        super().__init__(message)
        self.labels = labels


class FootnoteConflict(NoteWarning):
    """A note defines a footnote that another note of the compound defines differently."""


class DuplicateNote(NoteWarning):
    """The compound has this note already (same section and text): it was not added again."""


def _fence_mask(lines: list[str]) -> list[bool]:
    """For each line, whether it is inside (or opens or closes) a fenced code block."""
    mask: list[bool] = []
    fenced = False
    for line in lines:
        opens = bool(FENCE.match(line))
        mask.append(fenced or opens)
        if opens:
            fenced = not fenced
    return mask


def _blocks(lines: list[str]) -> list[tuple[int, int, str]]:
    """Footnote definitions as ``(first line, end line, label)`` (end exclusive), in order."""
    mask = _fence_mask(lines)
    found: list[tuple[int, int, str]] = []
    index = 0
    while index < len(lines):
        match = None if mask[index] else DEFINITION.match(lines[index])
        if match is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not mask[end] and _CONTINUED.match(lines[end]):
            end += 1
        found.append((index, end, match.group(1)))
        index = end
    return found


def definitions(body: str) -> dict[str, str]:
    """The footnotes a note defines: label -> the definition's text (the first, per label).

    >>> definitions("Pain[^1].\\n\\n[^1]: Smith 2020.\\n    Second line.\\n[^2]: Jones.")
    {'1': '[^1]: Smith 2020.\\n    Second line.', '2': '[^2]: Jones.'}
    """
    lines = body.split("\n")
    found: dict[str, str] = {}
    for start, end, label in _blocks(lines):
        found.setdefault(label, "\n".join(lines[start:end]))
    return found


def citations(body: str) -> tuple[str, ...]:
    """The citation markers a note cites, in order of first use (definitions do not cite).

    >>> citations("receptors[^4][^7]. Pain[^1], again[^4].")
    ('4', '7', '1')
    >>> citations("Pain[^1].\\n[^1]: Smith 2020, cited in [^2].")
    ('1', '2')
    """
    cited = (DEFINITION.sub("", line, count=1) for line in body.split("\n"))
    return tuple(dict.fromkeys(m for line in cited for m in CITATION.findall(line)))


def undefined_citations(body: str, elsewhere: dict[str, str] | None = None) -> tuple[str, ...]:
    """The markers ``body`` cites that neither it nor ``elsewhere`` (other notes) defines.

    >>> undefined_citations("A[^1], B[^2], C[^3].\\n[^1]: One.", {"2": "[^2]: Two."})
    ('3',)
    """
    known = definitions(body).keys() | (elsewhere or {}).keys()
    return tuple(label for label in citations(body) if label not in known)


def fold_footnotes(bodies: list[str]) -> list[str]:
    """Note bodies as one record file writes them: each footnote definition written once.

    A definition in the same words as the label's latest definition in an earlier body becomes
    ``<!-- footnote [^n] as above -->``; one that differs stays (Markdown readers use the
    first). The inverse of :func:`unfold_footnotes`.

    >>> fold_footnotes(["A[^1].\\n[^1]: Smith.", "B[^1].\\n[^1]: Smith."])
    ['A[^1].\\n[^1]: Smith.', 'B[^1].\\n<!-- footnote [^1] as above -->']
    """
    seen: dict[str, str] = {}
    folded: list[str] = []
    for body in bodies:
        lines = body.split("\n")
        for start, end, label in reversed(_blocks(lines)):
            block = "\n".join(lines[start:end])
            if seen.get(label) == block:
                lines[start:end] = [f"<!-- footnote [^{label}] as above -->"]
        seen.update(definitions(body))
        folded.append("\n".join(lines))
    return folded


def unfold_footnotes(bodies: list[str]) -> list[str]:
    """Note bodies read from a record file, each ``as above`` line replaced by its definition
    (the label's latest in an earlier body).

    A line naming a footnote that no earlier body defines is text, and stays.

    >>> unfold_footnotes(["A[^1].\\n[^1]: Smith.", "B[^1].\\n<!-- footnote [^1] as above -->"])
    ['A[^1].\\n[^1]: Smith.', 'B[^1].\\n[^1]: Smith.']
    """
    seen: dict[str, str] = {}
    unfolded: list[str] = []
    for body in bodies:
        lines = body.split("\n")
        mask = _fence_mask(lines)
        for index, line in enumerate(lines):
            match = None if mask[index] else AS_ABOVE.match(line)
            if match and match.group(1) in seen:
                lines[index] = seen[match.group(1)]
        text = "\n".join(lines)
        seen.update(definitions(text))
        unfolded.append(text)
    return unfolded


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
