"""Whole-registry exports as one file: JSON, CSV and SD files (record files: ``record_files``).

Each holds everything a compound has: every CAS number with its role, salt form and source,
every identifier and synonym with its source, the notes, and every property with its source;
importing the file into an empty registry (``registry import FILE``) gives the same compounds
with the same facts. The CSV columns and SD tags are :mod:`registry.service.table_columns`'s
(see ``docs/import_export.md``); the JSON is each :class:`~registry.models.Compound` as a dict,
plus ``synonym_sources``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence

from registry import chem
from registry.errors import ValidationError
from registry.models import Compound, joined_cas
from registry.service import table_columns as flat

__all__ = ["table_export"]

_IDENTITY = ("registry_id", "name", "smiles", "submitted", "inchikey", "formula", "parent_id")
_RELATED = tuple(flat.RELATED_COLUMNS)
_NAMED = ("cas", "synonyms", *flat.IDENTIFIER_COLUMNS, "notes")


def table_export(
    compounds: Sequence[Compound],
    fmt: str,
    synonym_sources: Mapping[str, Mapping[str, str]] | None = None,
    statuses: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """The compounds as JSON, CSV (one row each) or an SD file.

    ``synonym_sources`` maps a registry id to each synonym's source (what
    :class:`~registry.models.Compound` does not carry); without it every synonym's source is
    left out. ``statuses`` maps the registry id of a retired or merged compound to its state
    (:func:`registry.service.statuses.status_entry`), which an import restores.
    """
    sources = synonym_sources or {}
    states = statuses or {}
    if fmt == "json":
        rows = [
            c.to_dict()
            | {"synonym_sources": dict(sources.get(c.registry_id, {}))}
            | ({"status": dict(states[c.registry_id])} if c.registry_id in states else {})
            for c in compounds
        ]
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv(compounds, sources, states)
    if fmt == "sdf":
        return _sdf(compounds, sources, states)
    raise ValidationError(f"unknown export format {fmt!r} (md, json, csv, sdf)")


def _property_columns(compounds: Sequence[Compound]) -> list[tuple[str, str]]:
    """Every (property, source) some compound has: the descriptors (rdkit) first."""
    seen: dict[tuple[str, str], None] = {}
    for c in compounds:
        for p in c.properties:
            seen.setdefault((p.name, p.source), None)
    return sorted(seen, key=lambda group: group[1] != "rdkit")


def _cells(
    compound: Compound,
    sources: Mapping[str, Mapping[str, str]],
    states: Mapping[str, Mapping[str, str]],
) -> dict[str, str]:
    """A compound's cells by column (notes as Markdown; the SD writer replaces them)."""
    by_kind: dict[str, list[str]] = {}
    for identifier in compound.identifiers:
        by_kind.setdefault(identifier.kind, []).append(identifier.value)
    keys = dict.fromkeys([compound.inchikey, *by_kind.get("inchikey", [])])
    cells = {
        "registry_id": compound.registry_id,
        "name": compound.name,
        "smiles": compound.smiles,
        "submitted": compound.submitted,
        "inchikey": "; ".join(k for k in keys if k),
        "formula": compound.formula,
        "parent_id": compound.parent_id,
        "tautomers": "; ".join(compound.tautomers),
        "stereoisomers": "; ".join(compound.stereoisomers),
        "cas": joined_cas(compound.cas),
        "synonyms": "; ".join(compound.synonyms),
        "notes": flat.notes_cell(compound.notes),
        "provenance": flat.provenance(
            compound, sources.get(compound.registry_id, {}), states.get(compound.registry_id)
        ),
    }
    for kind in flat.IDENTIFIER_COLUMNS:
        cells[kind] = "; ".join(by_kind.get(kind, []))
    for (name, source), values in flat.property_groups(compound.properties).items():
        cells[flat.property_header(name, source)] = flat.property_cell(values)
    return cells


def _csv(
    compounds: Sequence[Compound],
    sources: Mapping[str, Mapping[str, str]],
    states: Mapping[str, Mapping[str, str]],
) -> str:
    buffer = io.StringIO()
    columns = [*_IDENTITY, *_RELATED, *_NAMED]
    columns += [flat.property_header(n, s) for n, s in _property_columns(compounds)]
    columns.append("provenance")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for compound in compounds:
        writer.writerow(_cells(compound, sources, states))
    return buffer.getvalue()


def _sd_value(text: str) -> str:
    """A tag value as an SD file can hold it: a blank line would end the value early."""
    return "\n".join(line for line in text.replace("\r\n", "\n").split("\n") if line.strip())


def _sdf(
    compounds: Sequence[Compound],
    sources: Mapping[str, Mapping[str, str]],
    states: Mapping[str, Mapping[str, str]],
) -> str:
    from rdkit import Chem  # RDKit only when writing SD files; parsing goes through chem

    parts: list[str] = []
    for compound in compounds:
        mol = chem.parse(compound.smiles)
        block = Chem.MolToMolBlock(mol)
        title = " ".join(compound.name.split())
        parts.append(title + block[block.index("\n") :])
        cells = _cells(compound, sources, states)
        cells["notes"] = flat.notes_json(compound.notes)
        if "\n" in compound.submitted:  # a Molfile: the record's own block stands for it
            cells["submitted"] = ""
        del cells["name"]  # the title line holds it
        for column, value in cells.items():
            if value:
                parts.append(f">  <{column}>\n{_sd_value(value)}\n\n")
        parts.append("$$$$\n")
    return "".join(parts)
