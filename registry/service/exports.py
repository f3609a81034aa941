"""Whole-registry exports as one file: JSON, CSV and SD files (record files: ``record_files``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from registry import chem
from registry.errors import ValidationError
from registry.models import Compound

__all__ = ["table_export"]


def table_export(compounds: Sequence[Compound], fmt: str) -> str:
    """The compounds as JSON (everything), CSV (one summary row each) or an SD file."""
    if fmt == "json":
        return json.dumps([c.to_dict() for c in compounds], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        columns = [
            "registry_id",
            "name",
            "smiles",
            "inchikey",
            "formula",
            "cas",
            "parent_id",
            "synonyms",
        ]
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for c in compounds:
            writer.writerow(
                {
                    "registry_id": c.registry_id,
                    "name": c.name,
                    "smiles": c.smiles,
                    "inchikey": c.inchikey,
                    "formula": c.formula,
                    "cas": "; ".join(f"{e.number} ({e.role})" for e in c.identity_cas),
                    "parent_id": c.parent_id,
                    "synonyms": "; ".join(c.synonyms),
                }
            )
        return buffer.getvalue()
    if fmt == "sdf":
        return _sdf(compounds)
    raise ValidationError(f"unknown export format {fmt!r} (md, json, csv, sdf)")


def _sdf(compounds: Sequence[Compound]) -> str:
    from rdkit import Chem  # RDKit only when writing SD files; parsing goes through chem

    buffer = io.StringIO()
    writer = Chem.SDWriter(buffer)
    for c in compounds:
        mol = chem.parse(c.smiles)
        mol.SetProp("_Name", c.name)
        mol.SetProp("registry_id", c.registry_id)
        mol.SetProp("name", c.name)
        mol.SetProp("inchikey", c.inchikey)
        mol.SetProp("cas", "; ".join(f"{e.number} ({e.role})" for e in c.identity_cas))
        mol.SetProp("parent_id", c.parent_id)
        writer.write(mol)
    writer.close()
    return buffer.getvalue()
