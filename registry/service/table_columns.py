"""The flat table format (CSV export, SD tags): column names, cell texts and their reading back.

One home for the format, so that :mod:`registry.service.exports` writes exactly what
:mod:`registry.service.table_import` reads:

- ``cas``: :func:`registry.models.joined_cas` (``92623-85-3 (parent); 101152-94-7 (salt)``);
  ``synonyms`` and each identifier column: values joined with ``"; "``.
- ``notes``: the notes as a record file's sections (``## Section``, ``<!-- source: S -->``,
  body); in an SD file, where a value cannot hold a blank line, a JSON list instead.
- ``NAME [source: SOURCE]``: one column per property and source; the cell is the value as text
  (the source's own text when it has one, else the number), several values joined with ``"; "``.
- ``provenance``: a JSON object with what the readable cells cannot hold: the source (and salt
  form) of each CAS number, the source of each identifier and synonym, the complete records of
  properties that carry more than a value (unit, conditions, reference, several values), and
  the RDKit version that computed the descriptor columns (``NAME [source: rdkit]``).

>>> property_header("IC50", "team.csv"), parse_property_header("IC50 [source: team.csv]")
('IC50 [source: team.csv]', ('IC50', 'team.csv'))
>>> p = simple_property("logD", "2.50", "team.csv"); (p.value, p.text, p.source)
(2.5, '2.50', 'team.csv')
>>> property_cell([simple_property("batch", "007", "x"), simple_property("pH", "7", "x")])
'007; 7'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields
from typing import Any

from registry import records
from registry.errors import RecordFileError, ValidationError
from registry.models import Compound, Note, Property

__all__ = [
    "IDENTIFIER_COLUMNS",
    "NOTE_SECTION",
    "OWN_COLUMNS",
    "PROPERTIES_KEY",
    "RELATED_COLUMNS",
    "detailed_properties",
    "notes_cell",
    "notes_json",
    "number_text",
    "parse_notes",
    "parse_number",
    "parse_property_header",
    "properties_from_record",
    "property_cell",
    "property_from_dict",
    "property_groups",
    "property_header",
    "provenance",
    "record_properties",
    "simple_property",
]

#: Identifier columns of the export, by kind (a table's own headers are matched more loosely).
IDENTIFIER_COLUMNS = ("pubchem_cid", "unii", "chembl", "drugbank")
#: The export's columns of related records (registry ids), by the relation each names: a row
#: with one registers beside its tautomer (stereoisomer), as the record did where it came from.
RELATED_COLUMNS = {"tautomers": "tautomer", "stereoisomers": "stereoisomer"}
#: Columns the export writes that the registry derives itself: read back, never stored.
OWN_COLUMNS = ("registry_id", "parent_id", "is_salt")
#: The record-file key of the properties of every source but PubChem's and the descriptors.
PROPERTIES_KEY = "properties"
#: Sources whose values a record file does not list under :data:`PROPERTIES_KEY`: the
#: descriptors registration computes, and PubChem's (``pubchem_properties``).
_RECORD_ELSEWHERE = ("rdkit", "pubchem")
#: The section of a note given as plain text (a notes cell without ``## Section`` headings).
NOTE_SECTION = "notes"

_HEADER = re.compile(r"^(?P<name>.*?\S)\s*\[source:\s*(?P<source>[^\]]*?)\s*\]$")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CELL_SLUG = "table-cell"  # the record a notes cell is parsed as; its default source is unused
_PROPERTY_FIELDS = tuple(f.name for f in fields(Property))


def property_header(name: str, source: str) -> str:
    """The column of one property from one source."""
    return f"{name} [source: {source}]"


def parse_property_header(header: str) -> tuple[str, str] | None:
    """``(name, source)`` of a ``NAME [source: SOURCE]`` column, else None."""
    found = _HEADER.fullmatch(header.strip())
    return (found.group("name"), found.group("source")) if found else None


def number_text(value: float) -> str:
    """A float as the shortest text that reads back as the same float (``3`` for 3.0).

    >>> number_text(3.0), number_text(0.1), number_text(1e-07), number_text(2.0**60)
    ('3', '0.1', '1e-07', '1.152921504606847e+18')
    """
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def parse_number(text: str) -> float | None:
    """The number a cell holds (a plain decimal, no unit), else None.

    >>> parse_number(" 12.5 "), parse_number("1e3"), parse_number("NaN"), parse_number("1_000")
    (12.5, 1000.0, None, None)
    """
    stripped = text.strip()
    if not _NUMBER.fullmatch(stripped):
        return None
    value = float(stripped)
    return value if math.isfinite(value) else None


def simple_property(name: str, text: str, source: str) -> Property:
    """A cell as a property: a number in ``value`` (with the text kept only when it is not the
    number's own spelling, ``"007"``), anything else in ``text``."""
    value = parse_number(text)
    if value is None:
        return Property(name, None, source=source, text=text)
    return Property(name, value, source=source, text="" if number_text(value) == text else text)


def _shown(value: Property) -> str:
    if value.text:
        return value.text
    return number_text(value.value) if value.value is not None else ""


def property_cell(values: Sequence[Property]) -> str:
    """The cell of one property's values (text as the source wrote it, else the number)."""
    return "; ".join(_shown(p) for p in values)


def property_groups(values: Sequence[Property]) -> dict[tuple[str, str], list[Property]]:
    """Properties grouped by ``(name, source)``, in order of first appearance."""
    groups: dict[tuple[str, str], list[Property]] = {}
    for p in values:
        groups.setdefault((p.name, p.source), []).append(p)
    return groups


def detailed_properties(values: Sequence[Property]) -> bool:
    """Whether a property's values need their full records (the cell cannot restore them)."""
    if len(values) != 1 or any("\n" in p.text for p in values):
        return True  # an SD file cannot hold every line break of a text
    only = values[0]
    return only != simple_property(only.name, property_cell(values), only.source)


def property_from_dict(data: Mapping[str, Any]) -> Property:
    """A property from its JSON form (every field of :class:`Property` by name).

    Raises:
        ValidationError: not a mapping with a name, or a field of the wrong type.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
        raise ValidationError(f"a property must be an object with a name, not {data!r:.80}")
    unknown = set(data) - set(_PROPERTY_FIELDS)
    if unknown:
        raise ValidationError(f"unknown property field(s): {', '.join(sorted(unknown))}")
    try:
        return Property(
            name=data["name"],
            value=None if data.get("value") is None else float(data["value"]),
            unit=str(data.get("unit") or ""),
            source=str(data.get("source") or ""),
            toolkit_version=str(data.get("toolkit_version") or ""),
            text=str(data.get("text") or ""),
            upper=None if data.get("upper") is None else float(data["upper"]),
            conditions=str(data.get("conditions") or ""),
            reference=str(data.get("reference") or ""),
            retrieved=str(data.get("retrieved") or ""),
            cid=None if data.get("cid") is None else int(data["cid"]),
            kind=str(data.get("kind") or ""),
        )
    except (TypeError, ValueError) as error:
        raise ValidationError(f"property {data['name']!r}: {error}") from error


def provenance(
    compound: Compound,
    synonym_sources: Mapping[str, str],
    status: Mapping[str, str] | None = None,
) -> str:
    """The ``provenance`` cell of a compound: sources, salt forms, detailed properties, and
    its ``status`` when it is retired or merged (see :mod:`registry.service.statuses`)."""
    data: dict[str, Any] = {"status": dict(status)} if status else {}
    cas = {
        e.number: {"source": e.source} | ({"form": e.form} if e.form else {}) for e in compound.cas
    }
    if cas:
        data["cas"] = cas
    kinds: dict[str, dict[str, str]] = {}
    for identifier in compound.identifiers:
        kinds.setdefault(identifier.kind, {})[identifier.value] = identifier.source
    if kinds:
        data["identifiers"] = kinds
    if synonym_sources:
        data["synonyms"] = dict(synonym_sources)
    detailed = [
        asdict(p)
        for (_, source), values in property_groups(compound.properties).items()
        if source != "rdkit" and detailed_properties(values)
        for p in values
    ]
    if detailed:
        data["properties"] = detailed
    versions = {p.toolkit_version for p in compound.properties if p.source == "rdkit"}
    if len(versions) == 1:  # the toolkit that computed the descriptor columns
        data["rdkit"] = versions.pop()
    return json.dumps(data, ensure_ascii=False, sort_keys=True) if data else ""


def notes_cell(notes: Sequence[Note]) -> str:
    """Notes as a record file's sections (the ``notes`` cell of a CSV export)."""
    if not notes:
        return ""
    text = records.render(
        records.Record(slug=_CELL_SLUG, name="notes", smiles="C", notes=tuple(notes))
    )
    # Everything after the title line: the sections, each with its source.
    return text.split("\n# notes\n", 1)[1].strip("\n") + "\n"


def notes_json(notes: Sequence[Note]) -> str:
    """Notes as one line of JSON (an SD tag cannot hold the blank lines of Markdown)."""
    if not notes:
        return ""
    rows = [{"section": n.section, "body": n.body, "source": n.source} for n in notes]
    return json.dumps(rows, ensure_ascii=False)


def parse_notes(text: str, source: str) -> tuple[Note, ...]:
    """The notes of a ``notes`` cell: record-file sections, a JSON list, or plain text (one
    note in section ``notes``). A note without its own source gets ``source``.

    Raises:
        ValidationError: sections that a record file would refuse (the reason says why).
    """
    stripped = text.strip()
    if not stripped:
        return ()
    if stripped.startswith("["):
        try:
            rows = json.loads(stripped)
        except ValueError:
            rows = None
        if isinstance(rows, list):
            return tuple(_json_note(row, source) for row in rows)
    if not any(line.startswith("## ") for line in stripped.splitlines()):
        body = records.check_note_body(stripped)
        return (Note(NOTE_SECTION, body, source, records.citations(body)),)
    document = f"---\nname: notes\nsmiles: C\n---\n\n{stripped}\n"
    try:
        parsed = records.parse(document, slug=_CELL_SLUG)
    except RecordFileError as error:  # its message names the cell's line in a record file
        raise ValidationError(f"notes: {str(error).split(': ', 1)[-1]}") from error
    default = parsed.default_source
    return tuple(
        Note(n.section, n.body, source if n.source == default else n.source, n.citations)
        for n in parsed.notes
    )


def _json_note(row: object, source: str) -> Note:
    if not isinstance(row, dict) or not isinstance(row.get("section"), str):
        raise ValidationError(f"notes: each note is an object with a section, not {row!r:.80}")
    body = records.check_note_body(str(row.get("body") or ""))
    section = records.check_one_line(row["section"], "section")
    note_source = records.check_one_line(str(row.get("source") or source), "source")
    return Note(section, body, note_source, records.citations(body))


def record_properties(values: Sequence[Property]) -> list[dict[str, Any]]:
    """A record file's ``properties`` list: every value of another source than RDKit or PubChem,
    with the fields it has (``name``, ``source``, and ``value``, ``text``, ``unit``... when set).
    """
    return [
        {k: v for k, v in asdict(p).items() if k in ("name", "source") or v not in ("", None)}
        for p in values
        if p.source not in _RECORD_ELSEWHERE
    ]


def properties_from_record(slug: str, extra: Mapping[str, Any]) -> dict[str, list[Property]]:
    """A record file's ``properties`` by source (none when it has none).

    Raises:
        RecordFileError: an entry is not a property with a name and a source.
    """
    entries = extra.get(PROPERTIES_KEY) or []
    found: dict[str, list[Property]] = {}
    for number, entry in enumerate(entries if isinstance(entries, list) else [entries], 1):
        try:
            value = property_from_dict(entry)
        except ValidationError as error:
            raise RecordFileError(f"{slug}.md: {PROPERTIES_KEY} entry {number}: {error}") from error
        if not value.source or value.source in _RECORD_ELSEWHERE:
            raise RecordFileError(
                f"{slug}.md: {PROPERTIES_KEY} entry {number} ({value.name}): give a source "
                f"other than {' or '.join(_RECORD_ELSEWHERE)}"
            )
        found.setdefault(value.source, []).append(value)
    return found
