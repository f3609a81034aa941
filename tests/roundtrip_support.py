"""A registry's whole content as plain values, to compare two registries field by field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from registry.service import Registry
from registry.store.schema import compounds, identifiers, notes, properties


def snapshot(registry: Registry) -> dict[str, Any]:
    """Everything the registry holds about its compounds, keyed by registration hash."""
    with registry.store.read() as connection:
        rows = connection.execute(select(compounds).order_by(compounds.c.id)).all()
        by_id = {r.id: r.registration_hash for r in rows}
        found: dict[str, Any] = {
            r.registration_hash: {
                "name": r.name,
                "smiles": r.smiles,
                "submitted": r.submitted,
                "inchi": r.inchi,
                "inchikey": r.inchikey,
                "formula": r.formula,
                "hashes": (r.tautomer_hash, r.no_stereo_hash, r.hash_layers, r.parent_hash),
                "salt": (r.is_salt, r.counterions, by_id.get(r.parent_id)),
                "identifiers": {},
                "notes": [],
                "properties": [],
            }
            for r in rows
        }
        for i in connection.execute(
            select(identifiers).order_by(identifiers.c.position, identifiers.c.id)
        ):
            kinds = found[by_id[i.compound_id]]["identifiers"]
            kinds.setdefault(i.kind, []).append((i.value, i.role, i.form, i.source, i.exclusive))
        for n in connection.execute(select(notes).order_by(notes.c.position, notes.c.id)):
            found[by_id[n.compound_id]]["notes"].append(
                (n.section, n.body, n.source, n.citations, n.author)
            )
        for p in connection.execute(select(properties)):
            found[by_id[p.compound_id]]["properties"].append(
                (p.name, p.value, p.unit, p.source, p.toolkit_version, p.text or "", p.upper,
                 p.conditions or "", p.reference or "", p.retrieved or "", p.cid, p.kind or "")
            )  # fmt: skip
    for entry in found.values():
        entry["properties"].sort(key=repr)
    return found
