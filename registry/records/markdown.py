"""Compound record files: ``compounds/<slug>.md`` to and from :class:`Record`.

A record file has the shape of the patient page it grew from: YAML front matter with the
compound's identity, then Markdown with one ``## Section`` per note::

    ---
    title: Milnacipran
    name: milnacipran
    smiles: CCN(CC)C(=O)C1(CC1CN)c1ccccc1
    cas:
    - number: 92623-85-3
      role: parent
      source: drugbank
    synonyms:
    - Ixel
    sources:
      drugbank: DrugBank DB04896
    ---

    # Milnacipran

    ## Mechanism
    <!-- source: research-notes -->

    Milnacipran inhibits the reuptake of serotonin and norepinephrine[^4].

Known front-matter keys are ``name``, ``smiles``, ``cas``, ``identifiers`` and ``synonyms``;
every other key (``title``, ``sources``, ``layout``...) is kept as it is and written back. An
identifier or note without a ``source`` comes from the file itself (``compounds/<slug>.md``).
Citation markers are Markdown footnote references (``[^4]``); a note's ``citations`` are the
markers its body cites.

:func:`render` is the inverse of :func:`parse` for files in canonical form (the form ``render``
writes); the service keeps an imported file's exact text so that exporting an unchanged record
gives the same bytes even when the file was written in another style.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from registry import cas as cas_numbers
from registry.errors import RecordFileError, ValidationError
from registry.models import (
    CAS_ROLES,
    IDENTIFIER_KINDS,
    CasEntry,
    Identifier,
    Note,
    canonical_sections,
)
from registry.records.front_matter import DuplicateKey, FrontMatterLoader, dump_front, node_line
from registry.records.note_text import (
    FENCE,
    HEADING,
    check_note_body,
    citations,
    fold_footnotes,
    one_line,
    unfold_footnotes,
)

__all__ = [
    "Record",
    "digest",
    "parse",
    "render",
    "slugify",
]

_KNOWN = ("name", "smiles", "cas", "identifiers", "synonyms")
_OTHER_KINDS = tuple(k for k in IDENTIFIER_KINDS if k not in ("cas", "synonym"))
_SOURCE_COMMENT = re.compile(r"^<!--\s*source:\s*(.*?)\s*-->\s*$")


@dataclass(frozen=True, slots=True)
class Record:
    """One compound as a record file holds it.

    Attributes:
        slug: the file name without ``.md``; also names the file's default source.
        name: the compound's preferred name.
        smiles: its structure as registered (the file's ``smiles``).
        cas: CAS numbers with roles, in file order.
        identifiers: other identifiers (PubChem CID, UNII, ChEMBL, DrugBank, InChIKey).
        synonyms: other names.
        synonym_sources: the source of each synonym that has one other than the file (a
            synonym is then written ``{name: ..., source: ...}``).
        notes: one per ``## Section``, in file order.
        extra: every other front-matter key with its value, in file order.
        order: the front-matter keys in file order (so that rendering keeps it).
    """

    slug: str
    name: str
    smiles: str
    cas: tuple[CasEntry, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    synonyms: tuple[str, ...] = ()
    synonym_sources: dict[str, str] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    order: tuple[str, ...] = field(default=(), compare=False)

    @property
    def default_source(self) -> str:
        """Where a fact without its own ``source`` comes from: this file."""
        return f"compounds/{self.slug}.md"

    @property
    def title(self) -> str:
        """The page title (front-matter ``title``, else the name)."""
        title = self.extra.get("title")
        return str(title) if title else self.name


# --- small pure helpers -------------------------------------------------------------------------


def slugify(name: str) -> str:
    """A safe file stem for a compound name: lowercase ASCII letters, digits, ``-`` and ``.``.

    Path separators, ``..`` and anything else that could leave the directory are replaced.

    >>> slugify("Milnacipran hydrochloride")
    'milnacipran-hydrochloride'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    >>> slugify("β-Alanine (2:1)")
    'alanine-2-1'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-.")
    return slug[:100].rstrip("-") or "compound"


def digest(record: Record) -> str:
    """A fingerprint of a record's content (what :func:`render` would write).

    Two records with the same digest render to the same file.
    """
    return hashlib.sha256(render(record).encode("utf-8")).hexdigest()


# --- parsing ------------------------------------------------------------------------------------


class _Problem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _text(value: Any, what: str, line: int, *, required: bool = False) -> str:
    if value is None:
        if required:
            raise _Problem(line, f"{what} is missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Problem(line, f"{what} must be text, not {type(value).__name__}")
    text = str(value).strip()
    if required and not text:
        raise _Problem(line, f"{what} is empty")
    return text


def _front(data: Mapping[str, Any], node: Any, slug: str, offset: int) -> Record:
    def at(*path: str | int) -> int:
        return offset + node_line(node, *path) + 1

    name = _text(
        data.get("name"), "'name'", at("name") if "name" in data else offset + 1, required=True
    )
    smiles = _text(
        data.get("smiles"),
        "'smiles'",
        at("smiles") if "smiles" in data else offset + 1,
        required=True,
    )
    default = f"compounds/{slug}.md"

    cas_entries: list[CasEntry] = []
    raw_cas = data.get("cas") or []
    if not isinstance(raw_cas, list):
        raise _Problem(at("cas"), "'cas' must be a list of {number, role, form, source}")
    for index, item in enumerate(raw_cas):
        line = at("cas", index)
        if isinstance(item, str | int):
            item = {"number": item}
        if not isinstance(item, dict):
            raise _Problem(line, "each 'cas' entry must be a mapping with number and role")
        unknown = set(item) - {"number", "role", "form", "source"}
        if unknown:
            raise _Problem(line, f"unknown key(s) in a 'cas' entry: {', '.join(sorted(unknown))}")
        raw_number = _text(item.get("number"), "CAS 'number'", line, required=True)
        try:
            number = cas_numbers.validate(raw_number)
        except ValidationError as error:
            raise _Problem(line, f"CAS number {raw_number!r}: {error}") from error
        role = _text(item.get("role"), "CAS 'role'", line) or "unknown"
        if role not in CAS_ROLES:
            raise _Problem(line, f"CAS role {role!r} is not one of {', '.join(CAS_ROLES)}")
        cas_entries.append(
            CasEntry(
                number,
                role,
                _text(item.get("form"), "CAS 'form'", line),
                _text(item.get("source"), "CAS 'source'", line) or default,
            )
        )

    others: list[Identifier] = []
    raw_ids = data.get("identifiers") or []
    if not isinstance(raw_ids, list):
        raise _Problem(at("identifiers"), "'identifiers' must be a list of {kind, value, source}")
    for index, item in enumerate(raw_ids):
        line = at("identifiers", index)
        if not isinstance(item, dict):
            raise _Problem(line, "each identifier must be a mapping with kind and value")
        kind = _text(item.get("kind"), "identifier 'kind'", line, required=True)
        if kind not in _OTHER_KINDS:
            raise _Problem(
                line, f"identifier kind {kind!r} is not one of {', '.join(_OTHER_KINDS)}"
            )
        others.append(
            Identifier(
                kind,
                _text(item.get("value"), "identifier 'value'", line, required=True),
                _text(item.get("source"), "identifier 'source'", line) or default,
            )
        )

    raw_synonyms = data.get("synonyms") or []
    if not isinstance(raw_synonyms, list):
        raise _Problem(at("synonyms"), "'synonyms' must be a list of names")
    synonym_sources: dict[str, str] = {}
    names: list[str] = []
    for i, item in enumerate(raw_synonyms):
        if isinstance(item, dict) and set(item) <= {"name", "source"}:
            source = _text(item.get("source"), "a synonym's source", at("synonyms", i))
            item = item.get("name")
            if source and source != default:
                synonym_sources[_text(item, "a synonym", at("synonyms", i))] = source
        names.append(_text(item, "a synonym", at("synonyms", i), required=True))
    synonyms = tuple(names)
    extra = {k: v for k, v in data.items() if k not in _KNOWN}
    try:
        json.dumps(extra)
    except (TypeError, ValueError) as error:
        raise _Problem(offset + 1, f"front matter value that cannot be stored: {error}") from error
    return Record(
        slug=slug,
        name=name,
        smiles=smiles,
        cas=tuple(cas_entries),
        identifiers=tuple(others),
        synonyms=synonyms,
        synonym_sources=synonym_sources,
        extra=extra,
        order=tuple(str(k) for k in data),
    )


def _notes(lines: Sequence[str], first_line: int, default: str) -> tuple[Note, ...]:
    """Notes from the Markdown after the front matter; ``first_line`` is its 1-based line."""
    found: list[Note] = []
    section: str | None = None
    source = default
    body: list[str] = []
    heading_line = 0
    seen_title = False
    fenced = False

    def close() -> None:
        if section is None:
            return
        try:
            text = check_note_body("\n".join(body))
        except ValidationError as error:
            raise _Problem(heading_line, f"section {section!r}: {error}") from error
        found.append(Note(section=section, body=text, source=source, citations=citations(text)))

    index = 0
    while index < len(lines):
        line = lines[index]
        number = first_line + index
        if FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else HEADING.match(line)
        if heading and len(heading.group(1)) == 1:
            if seen_title or section is not None:
                raise _Problem(number, "only one '# Title' line is allowed, before the sections")
            seen_title = True
        elif heading:
            close()
            section = heading.group(2)
            if not section:
                raise _Problem(number, "a '##' heading needs a section name")
            heading_line = number
            source = default
            body = []
            if index + 1 < len(lines):
                comment = _SOURCE_COMMENT.match(lines[index + 1])
                if comment:
                    source = comment.group(1) or default
                    index += 1
        elif section is None:
            if line.strip():
                raise _Problem(
                    number, "text before the first '## Section' heading; put it under a heading"
                )
        else:
            body.append(line)
        index += 1
    if fenced:
        raise _Problem(first_line + len(lines) - 1, "a ``` code block is not closed")
    close()
    # One section whatever its case; footnote definitions written once come back to each note.
    sections = canonical_sections([n.section for n in found])
    bodies = unfold_footnotes([n.body for n in found])
    return tuple(
        replace(n, section=s, body=b, citations=citations(b))
        for n, s, b in zip(found, sections, bodies, strict=True)
    )


def parse(text: str, *, slug: str, path: str = "") -> Record:
    """A record from the text of a record file.

    Raises:
        RecordFileError: the file is malformed; the message names ``path`` (or the slug) and
            the line.
    """
    where = path or f"{slug}.md"
    lines = text.replace("\r\n", "\n").split("\n")
    try:
        if not lines or lines[0].strip() != "---":
            raise _Problem(1, "a record file starts with '---' and YAML front matter")
        try:
            # At the start of a line: YAML indents a '---' inside a multi-line value.
            end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
        except StopIteration:
            raise _Problem(len(lines), "the front matter is not closed with '---'") from None
        front = "\n".join(lines[1:end])
        try:
            node = yaml.compose(front, Loader=FrontMatterLoader)
            data = yaml.load(front, Loader=FrontMatterLoader)
        except DuplicateKey as error:
            # front-matter line n (0-based) is file line n + 2
            line = error.problem_mark.line + 2 if error.problem_mark is not None else 2
            raise _Problem(
                line, f"YAML: {error.problem} (first on line {error.first.line + 2})"
            ) from error
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 2 if mark is not None else 2
            raise _Problem(line, f"YAML: {error.problem or error}") from error
        except yaml.YAMLError as error:
            raise _Problem(2, f"YAML: {error}") from error
        if not isinstance(data, dict):
            raise _Problem(2, "the front matter must be a mapping (key: value lines)")
        record = _front(data, node, slug, offset=1)
        notes = _notes(lines[end + 1 :], end + 2, record.default_source)
    except _Problem as problem:
        raise RecordFileError(f"{where}:{problem.line}: {problem.message}") from problem
    return replace(record, notes=notes)


# --- rendering ----------------------------------------------------------------------------------


def render(record: Record) -> str:
    """The record file text for ``record`` (canonical form)."""
    default = record.default_source
    known: dict[str, Any] = {"name": record.name, "smiles": record.smiles}
    if record.cas:
        entries = []
        for entry in record.cas:
            item: dict[str, Any] = {"number": entry.number, "role": entry.role}
            if entry.form:
                item["form"] = entry.form
            if entry.source and entry.source != default:
                item["source"] = entry.source
            entries.append(item)
        known["cas"] = entries
    if record.identifiers:
        known["identifiers"] = [
            {"kind": i.kind, "value": i.value}
            | ({"source": i.source} if i.source and i.source != default else {})
            for i in record.identifiers
        ]
    if record.synonyms:
        known["synonyms"] = [
            {"name": s, "source": record.synonym_sources[s]}
            if record.synonym_sources.get(s, default) != default
            else s
            for s in record.synonyms
        ]
    front: dict[str, Any] = {}
    for name in record.order:
        if name in known:
            front[name] = known.pop(name)
        elif name in record.extra:
            front[name] = record.extra[name]
    for name, value in record.extra.items():
        front.setdefault(name, value)
    front.update(known)
    parts = ["---\n", dump_front(front), "---\n", "\n", f"# {one_line(record.title)}\n"]
    bodies = fold_footnotes([note.body for note in record.notes])
    for note, body in zip(record.notes, bodies, strict=True):
        # A closing '##' keeps a section name's own trailing '#' ("C#") in the heading.
        closing = " ##" if note.section.endswith("#") else ""
        parts.append(f"\n## {note.section}{closing}\n")
        if note.source and note.source != default:
            parts.append(f"<!-- source: {note.source} -->\n")
        parts.append(f"\n{body}\n")
    return "".join(parts)
