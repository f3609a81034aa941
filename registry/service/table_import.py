"""What each column of a structure file is, and what each row says besides its structure.

:func:`plan_columns` decides, once per file, what every column (or SD tag) becomes: CAS numbers
(found as ``registry validate`` finds its CAS column, :mod:`registry.bulk.sniff`, or named),
an identifier, synonyms, notes, provenance, the structure as submitted, a property (with the
file's name as its source, or the source a ``NAME [source: SOURCE]`` header names), or nothing
(the registry's own derived columns, computed descriptors, columns left out by ``properties=``).
:func:`read_row` then turns one row into an :class:`~registry.store.annotations.Annotation`,
checking every CAS number by its check digit first: a row with a failing number is refused
(or, with ``keep_invalid_cas``, kept without it), and both are reported with the row number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from registry import cas
from registry.bulk.sniff import find_cas_column
from registry.chem.structure_files import StructureInput, StructureTable
from registry.errors import InputFileError, ValidationError
from registry.identifiers import INCHIKEY
from registry.models import CAS_ROLES, CasEntry, Identifier, Note, Property
from registry.service import table_columns as flat
from registry.service.statuses import STATUS_KEY, read_status
from registry.store.annotations import Annotation

__all__ = ["ColumnUse", "RowRead", "plan_columns", "read_row"]

# Header names (lower case, letters and digits only) of identifier and other known columns.
_IDENTIFIER_HEADERS = {
    "pubchemcid": "pubchem_cid",
    "cid": "pubchem_cid",
    "pubchem": "pubchem_cid",
    "pubchemcompoundid": "pubchem_cid",
    "inchikey": "inchikey",
    "standardinchikey": "inchikey",
    "stdinchikey": "inchikey",
    "unii": "unii",
    "fdaunii": "unii",
    "chembl": "chembl",
    "chemblid": "chembl",
    "drugbank": "drugbank",
    "drugbankid": "drugbank",
}
_SYNONYM_HEADERS = ("synonyms", "synonym", "aliases", "alias", "othernames")
_SPLIT = re.compile(r"\s*;\s*")
_CAS_SPLIT = re.compile(r"\s*[;,|\n]\s*")
_CAS_ROLE = re.compile(r"^(?P<number>.*?)\s*\((?P<role>[^()]*)\)$")
_CID = re.compile(r"(?:(?:pubchem\s*)?cid\s*[:#]?\s*)?([1-9][0-9]{0,11})", re.IGNORECASE)
_SAMPLE = 200  # rows a CAS column is detected from (as registry validate samples)


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True, slots=True)
class ColumnUse:
    """What one column becomes: ``use`` is ``cas``, ``identifier``, ``synonyms``, ``notes``,
    ``provenance``, ``submitted``, ``smiles``, ``formula``, ``descriptor``, ``property`` or
    ``not kept``; ``detail`` is
    the CAS role, identifier kind or property name; ``source`` a property's source; ``why``
    says how it was decided (or why a column is not kept)."""

    column: str
    use: str
    detail: str = ""
    source: str = ""
    why: str = ""

    def describe(self) -> str:
        """One line for the report: ``CAS (role parent; header)``."""
        what = {
            "cas": f"CAS numbers, role {self.detail}",
            "identifier": f"identifier {self.detail}",
            "property": f"property {self.detail!r} (source {self.source})",
        }.get(self.use, self.use)
        return f"{self.column}: {what}" + (f" ({self.why})" if self.why else "")


def _cas_roles(cas_columns: Sequence[str] | Mapping[str, str] | None, role: str) -> dict[str, str]:
    if cas_columns is None:
        return {}
    if isinstance(cas_columns, str):
        raise TypeError("cas_columns must be a sequence of column names or a mapping, not str")
    pairs = (
        cas_columns.items()
        if isinstance(cas_columns, Mapping)
        else [(c, role) for c in cas_columns]
    )
    roles: dict[str, str] = {}
    for column, column_role in pairs:
        if column_role not in CAS_ROLES:
            raise ValidationError(f"cas_role={column_role!r} is not one of {', '.join(CAS_ROLES)}")
        roles[column] = column_role
    return roles


def _find_column(columns: Sequence[str], wanted: str, parameter: str) -> str:
    lowered = {c.casefold(): c for c in columns}
    if wanted in columns:
        return wanted
    if wanted.strip().casefold() in lowered:
        return lowered[wanted.strip().casefold()]
    raise InputFileError(
        f"{parameter}={wanted!r}: no such column; the columns are: {', '.join(columns) or '(none)'}"
    )


def _is_cas_header(column: str) -> bool:
    try:
        find_cas_column([column], [], True)
    except InputFileError:
        return False
    return True


def _cas_shaped(cells: Sequence[str]) -> bool:
    """Whether most non-empty cells look like CAS numbers, by ``registry validate``'s rule."""
    filled = [c.strip() for c in cells if c.strip()]
    shaped = 0
    for cell in filled:
        try:
            find_cas_column(["cell"], [[cell]], False)
        except InputFileError:
            continue
        shaped += 1
    return 2 * shaped >= len(filled)


def _detected_cas(table: StructureTable, free: Sequence[int]) -> list[int]:
    """CAS columns as ``registry validate`` finds one: by header, else by content."""
    sample = [item.fields for item in table.items[:_SAMPLE]]
    by_header = [i for i in free if _is_cas_header(table.columns[i])]
    if by_header:
        return [i for i in by_header if _cas_shaped([row[i] for row in sample])]
    if not free or not sample:
        return []
    try:
        found, _ = find_cas_column(
            [table.columns[i] for i in free], [[row[i] for i in free] for row in sample], False
        )
    except InputFileError:
        return []
    index = free[found]
    return [index] if _cas_shaped([row[index] for row in sample]) else []


def plan_columns(
    table: StructureTable,
    *,
    cas_columns: Sequence[str] | Mapping[str, str] | None = None,
    cas_role: str = "parent",
    properties: Sequence[str] | None = None,
) -> list[ColumnUse]:
    """What every column of ``table`` becomes, in column order (see the module's text).

    Raises:
        InputFileError: a column named in ``cas_columns`` or ``properties`` is not there.
        ValidationError: a CAS role is not one of :data:`~registry.models.CAS_ROLES`.
    """
    columns = table.columns
    if cas_role not in CAS_ROLES:
        raise ValidationError(f"cas_role={cas_role!r} is not one of {', '.join(CAS_ROLES)}")
    roles = {
        _find_column(columns, name, "cas_columns"): role
        for name, role in _cas_roles(cas_columns, cas_role).items()
    }
    kept = (
        None
        if properties is None
        else {_find_column(columns, name, "properties") for name in properties}
    )
    uses: dict[int, ColumnUse] = {}
    for index, column in enumerate(columns):
        if column in roles:
            uses[index] = ColumnUse(column, "cas", roles[column], why="named")
    if cas_columns is None:
        free = [i for i in range(len(columns)) if _known(columns[i]) is None]
        for index in _detected_cas(table, free):
            uses[index] = ColumnUse(columns[index], "cas", cas_role, why="detected")
    for index, column in enumerate(columns):
        if index not in uses:
            uses[index] = _known(column) or _property(column, table.source, kept)
            if cas_columns is None and uses[index].use == "property" and _is_cas_header(column):
                why = "its cells are not CAS numbers; cas_columns=[COLUMN] reads them as such"
                uses[index] = replace(uses[index], why=why)
    return [uses[i] for i in range(len(columns))]


def _known(column: str) -> ColumnUse | None:
    normal = _normal(column)
    if normal in _IDENTIFIER_HEADERS:
        return ColumnUse(column, "identifier", _IDENTIFIER_HEADERS[normal])
    if normal in _SYNONYM_HEADERS:
        return ColumnUse(column, "synonyms")
    if column.strip().lower() in ("notes", "provenance", "submitted", "formula"):
        return ColumnUse(column, column.strip().lower())
    if column.strip().lower() in flat.RELATED_COLUMNS:
        why = "the row registers beside its relatives, as it was exported"
        return ColumnUse(column, "related", flat.RELATED_COLUMNS[column.strip().lower()], why=why)
    if column.strip().lower() in flat.OWN_COLUMNS:
        return ColumnUse(column, "not kept", why="the registry's own column")
    if column.strip().lower() == "smiles":  # an SD file's structure is its Molfile
        return ColumnUse(column, "smiles", why="the structure again, compared with the Molfile")
    return None


def _property(column: str, source: str, kept: set[str] | None) -> ColumnUse:
    named = flat.parse_property_header(column)
    name, property_source = named if named else (column.strip(), source)
    property_source = property_source or source
    if property_source == "rdkit":
        why = "kept as given when the structure is the one exported, else computed anew"
        return ColumnUse(column, "descriptor", name, "rdkit", why=why)
    if kept is not None and column not in kept:
        return ColumnUse(column, "not kept", why="not in properties=COLUMNS")
    return ColumnUse(column, "property", name, property_source)


@dataclass(slots=True)
class RowRead:
    """One row read: its annotation, the file it comes from, the structure as submitted, the
    formula it states, the InChIKeys its provenance lists as recorded identifiers (kept even
    when they are the structure's own), the descriptor values an export gave (``descriptors``,
    computed by ``toolkit``, for the structure ``smiles``), the relations (``tautomer``,
    ``stereoisomer``) its compound was registered with in the registry it was exported from,
    the CAS numbers whose role is the column's (``untagged``: no ``(role)`` in the cell), and
    why it is refused (``refused``) or what of it is not stored as given (``warnings``)."""

    annotation: Annotation
    source: str = ""
    submitted: str = ""
    formula: str = ""
    recorded_inchikeys: tuple[str, ...] = ()
    smiles: str = ""
    descriptors: dict[str, float] = field(default_factory=dict)
    toolkit: str = ""
    related: tuple[str, ...] = ()
    status: dict[str, str] = field(default_factory=dict)
    untagged: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _cas_cell(
    text: str, role: str, sources: Mapping[str, Any], default: str, read: RowRead
) -> list[CasEntry]:
    entries: list[CasEntry] = []
    for piece in _CAS_SPLIT.split(text.strip()):
        if not piece:
            continue
        number, given_role = piece, role
        found = _CAS_ROLE.fullmatch(piece)
        if found and found.group("role").strip() in CAS_ROLES:
            number, given_role = found.group("number"), found.group("role").strip()
        check = cas.check(number)
        if check.canonical is None:
            likely = cas.suggest(number)[:3]
            hint = f" (did you mean {' or '.join(likely)}?)" if likely else ""
            read.refused.append(f"CAS {piece!r}: {check.reason}{hint}")
            continue
        if check.normalisations:
            read.warnings.append(f"CAS {number!r} read as {check.canonical} ({check.reason})")
        if found is None:
            read.untagged.add(check.canonical)
        detail = sources.get(check.canonical)
        detail = detail if isinstance(detail, Mapping) else {}
        entries.append(
            CasEntry(
                check.canonical,
                given_role,
                str(detail.get("form") or ""),
                str(detail.get("source") or default),
            )
        )
    return entries


def _identifier_values(kind: str, text: str, read: RowRead) -> list[str]:
    out: list[str] = []
    for value in _SPLIT.split(text.strip()):
        if not value:
            continue
        if kind == "pubchem_cid":
            found = _CID.fullmatch(value)
            if found is None:
                read.warnings.append(f"PubChem CID {value!r} is not a CID; not stored")
                continue
            value = found.group(1)
        elif kind == "inchikey":
            if INCHIKEY.fullmatch(value.upper()) is None:
                read.warnings.append(f"InChIKey {value!r} is not an InChIKey; not stored")
                continue
            value = value.upper()
        out.append(value)
    return out


def _provenance(text: str, read: RowRead) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as error:
        read.refused.append(f"provenance is not JSON ({error})")
        return {}
    if not isinstance(data, dict):
        read.refused.append("provenance is not a JSON object")
        return {}
    return data


def _property_values(use: ColumnUse, text: str, detailed: Sequence[Property]) -> list[Property]:
    mine = [p for p in detailed if (p.name, p.source) == (use.detail, use.source)]
    if mine and " ".join(flat.property_cell(mine).split()) == " ".join(text.split()):
        return mine  # the cell is what the export wrote: its full records restore it
    return [flat.simple_property(use.detail, text, use.source)]


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _status(value: object, read: RowRead) -> dict[str, str]:
    try:
        return read_status(value)
    except ValidationError as error:
        read.refused.append(str(error))
        return {}


def read_row(
    item: StructureInput,
    plan: Sequence[ColumnUse],
    *,
    source: str,
    keep_invalid_cas: bool = False,
) -> RowRead:
    """What one row says besides its structure, checked (see :class:`RowRead`)."""
    read = RowRead(Annotation(item.line), source)
    cells = dict(zip((u.column for u in plan), item.fields, strict=False))
    given = next((u for u in plan if u.use == "provenance"), None)
    extra = _provenance(cells.get(given.column, ""), read) if given else {}
    detailed: list[Property] = []
    for data in extra.get("properties") or []:
        try:
            detailed.append(flat.property_from_dict(data))
        except ValidationError as error:
            read.refused.append(f"provenance: {error}")
    kinds = _mapping(extra.get("identifiers"))
    read.recorded_inchikeys = tuple(_mapping(kinds.get("inchikey")))
    names = _mapping(extra.get("synonyms"))
    read.smiles, read.toolkit = item.value.strip(), str(extra.get("rdkit") or "")
    read.status = _status(extra.get(STATUS_KEY), read)
    entries: list[CasEntry] = []
    others: list[Identifier] = []
    notes: tuple[Note, ...] = ()
    values: list[Property] = []
    for use, text in zip(plan, item.fields, strict=False):
        if not text.strip():
            continue
        if use.use == "cas":
            refused = len(read.refused)
            entries += _cas_cell(text, use.detail, _mapping(extra.get("cas")), source, read)
            if len(read.refused) > refused and keep_invalid_cas:
                read.warnings += [f"{r}; imported without it" for r in read.refused[refused:]]
                del read.refused[refused:]
        elif use.use == "identifier":
            sources = _mapping(kinds.get(use.detail))
            for value in _identifier_values(use.detail, text, read):
                others.append(Identifier(use.detail, value, str(sources.get(value) or source)))
        elif use.use == "synonyms":
            # The names the export listed, when the cell is theirs (a name may hold a "; ").
            listed = "; ".join(names) == text.strip()
            for value in list(names) if listed else filter(None, _SPLIT.split(text.strip())):
                others.append(Identifier("synonym", value, str(names.get(value) or source)))
        elif use.use == "notes":
            try:
                notes = flat.parse_notes(text, source)
            except ValidationError as error:
                read.refused.append(str(error))
        elif use.use == "submitted":
            read.submitted = text
        elif use.use == "formula":
            read.formula = text.strip()
        elif use.use == "related":
            read.related += (use.detail,)
        elif use.use == "smiles":
            read.smiles = text.strip()
        elif use.use == "descriptor" and (number := flat.parse_number(text)) is not None:
            read.descriptors[use.detail] = number
        elif use.use == "property":
            values += _property_values(use, text, detailed)
    if item.name:  # a synonym unless it is the compound's name (the store decides)
        others.append(Identifier("synonym", item.name, str(names.get(item.name) or source)))
    read.annotation = Annotation(item.line, tuple(entries), tuple(others), notes, tuple(values))
    return read
