"""A JSON export (``registry export --format json``) read back as rows to import.

Each compound of the list becomes one row: its structure (``smiles``), name, and an annotation
with every CAS number (role, salt form, source), identifier, synonym (sources from
``synonym_sources``), note (with its author) and property other than the descriptors the
importing registry computes itself (source ``rdkit``: their values are kept when the structure
registers as the one exported, and computed anew otherwise). The registry's own fields (registry id,
parent, hashes, timestamps, the audit trail) are derived again on registration, not read.
Row numbers are the compounds' positions in the list, from 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from registry import cas, records
from registry.chem.structure_files import StructureInput
from registry.errors import InputFileError, ValidationError
from registry.models import CAS_ROLES, IDENTIFIER_KINDS, CasEntry, Identifier, Note, Property
from registry.service.statuses import STATUS_KEY, read_status
from registry.service.table_columns import property_from_dict
from registry.service.table_import import RowRead
from registry.store.annotations import Annotation

__all__ = ["read_json"]

_OTHER_KINDS = tuple(k for k in IDENTIFIER_KINDS if k not in ("cas", "synonym"))


def read_json(path: Path) -> list[tuple[StructureInput, RowRead]]:
    """Every compound of a JSON export as a structure and what to attach to it.

    Raises:
        InputFileError: the file cannot be read, is not JSON, or is not a list of objects.
    """
    try:
        data = json.loads(path.read_bytes())
    except OSError as error:
        raise InputFileError(f"cannot read {path}: {error.strerror or error}") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path.name}: not JSON ({error})") from error
    if not isinstance(data, list):
        raise InputFileError(
            f"{path.name}: a JSON export is a list of compounds, not {type(data).__name__}"
        )
    return [_row(number, item, path.name) for number, item in enumerate(data, start=1)]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _row(number: int, item: object, source: str) -> tuple[StructureInput, RowRead]:
    read = RowRead(Annotation(number), source)
    if not isinstance(item, dict):
        read.refused.append(f"a compound is a JSON object, not {type(item).__name__}")
        return StructureInput("", "", number), read
    structure = _text(item.get("smiles")) or _text(item.get("submitted"))
    read.submitted, read.smiles = _text(item.get("submitted")), structure.strip()
    # registered beside its tautomers (stereoisomers) where it was exported: so it is again
    read.related = tuple(r for r in ("tautomer", "stereoisomer") if item.get(f"{r}s"))
    try:
        read.status = read_status(item.get(STATUS_KEY), _text(item.get("registration_hash")))
    except ValidationError as error:
        read.refused.append(str(error))
    cas_entries = [
        e for e in (_cas(entry, source, read) for entry in _list(item, "cas", read)) if e
    ]
    others = [
        i for i in (_identifier(e, source, read) for e in _list(item, "identifiers", read)) if i
    ]
    synonym_sources = item.get("synonym_sources")
    sources = synonym_sources if isinstance(synonym_sources, dict) else {}
    for name in _list(item, "synonyms", read):
        if isinstance(name, str) and name.strip():
            others.append(Identifier("synonym", name, _text(sources.get(name)) or source))
        else:
            read.refused.append(f"a synonym is text, not {name!r:.40}")
    notes = [n for n in (_note(entry, source, read) for entry in _list(item, "notes", read)) if n]
    values: list[Property] = []
    for entry in _list(item, "properties", read):
        try:
            value = property_from_dict(entry)
        except ValidationError as error:
            read.refused.append(str(error))
            continue
        if value.source != "rdkit":
            values.append(value)
        elif value.value is not None:  # kept when the structure is the one exported
            read.descriptors[value.name] = value.value
            read.toolkit = value.toolkit_version
    read.annotation = Annotation(
        number, tuple(cas_entries), tuple(others), tuple(notes), tuple(values)
    )
    return StructureInput(structure, _text(item.get("name")), number), read


def _list(item: dict[str, Any], key: str, read: RowRead) -> list[Any]:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        read.refused.append(f"{key} is a list, not {type(value).__name__}")
        return []
    return value


def _cas(entry: object, source: str, read: RowRead) -> CasEntry | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("number"), str):
        read.refused.append(f"a CAS entry is an object with a number, not {entry!r:.60}")
        return None
    check = cas.check(entry["number"])
    role = _text(entry.get("role")) or "unknown"
    if check.canonical is None:
        read.refused.append(f"CAS {entry['number']!r}: {check.reason}")
        return None
    if role not in CAS_ROLES:
        read.refused.append(
            f"CAS {check.canonical}: role {role!r} is not one of {', '.join(CAS_ROLES)}"
        )
        return None
    return CasEntry(
        check.canonical, role, _text(entry.get("form")), _text(entry.get("source")) or source
    )


def _identifier(entry: object, source: str, read: RowRead) -> Identifier | None:
    if not isinstance(entry, dict) or entry.get("kind") not in _OTHER_KINDS:
        read.refused.append(
            f"an identifier is an object with a kind of {', '.join(_OTHER_KINDS)}, "
            f"not {entry!r:.60}"
        )
        return None
    value = _text(entry.get("value")).strip()
    if not value:
        read.refused.append(f"identifier {entry['kind']} has no value")
        return None
    return Identifier(entry["kind"], value, _text(entry.get("source")) or source)


def _note(entry: object, source: str, read: RowRead) -> Note | None:
    if not isinstance(entry, dict):
        read.refused.append(f"a note is an object, not {entry!r:.60}")
        return None
    try:
        body = records.check_note_body(_text(entry.get("body")))
        section = records.check_one_line(_text(entry.get("section")), "section")
        note_source = records.check_one_line(_text(entry.get("source")), "source") or source
    except ValidationError as error:
        read.refused.append(f"note: {error}")
        return None
    if not section:
        read.refused.append("a note has no section")
        return None
    author = _text(entry.get("author"))
    return Note(section, body, note_source, records.citations(body), author=author)
