"""Property rows with their provenance: reading them back, and replacing one source's values.

A source's values for a property replace its earlier ones as a whole (PubChem's five melting
points today replace its four of last year); other sources' rows (RDKit's) are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from registry.models import Property
from registry.store.schema import properties

__all__ = ["property_columns", "property_from_row", "replace_properties"]


def property_from_row(row: Any) -> Property:
    """A stored row as a :class:`Property` (columns added by revision 0003 may be empty)."""
    return Property(
        name=row.name,
        value=row.value,
        unit=row.unit,
        source=row.source,
        toolkit_version=row.toolkit_version,
        text=row.text or "",
        upper=row.upper,
        conditions=row.conditions or "",
        reference=row.reference or "",
        retrieved=row.retrieved or "",
        cid=row.cid,
        kind=row.kind or "",
    )


def replace_properties(
    connection: Connection, compound_id: int, source: str, values: Sequence[Property]
) -> tuple[tuple[Property, ...], tuple[Property, ...]]:
    """Replace ``source``'s values of each property named in ``values``; (old, new) rows.

    Properties of ``source`` not named in ``values`` stay as they are.
    """
    names = sorted({p.name for p in values})
    if not names:
        return (), ()
    where = (
        (properties.c.compound_id == compound_id)
        & (properties.c.source == source)
        & properties.c.name.in_(names)
    )
    old = tuple(
        property_from_row(r)
        for r in connection.execute(select(properties).where(where).order_by(properties.c.id))
    )
    connection.execute(delete(properties).where(where))
    connection.execute(
        insert(properties),
        [{**property_columns(p), "compound_id": compound_id, "source": source} for p in values],
    )
    return old, tuple(values)


def property_columns(p: Property) -> dict[str, Any]:
    """The columns of a property row (but its compound) holding ``p``."""
    return {
        "name": p.name,
        "value": p.value,
        "unit": p.unit,
        "source": p.source,
        "toolkit_version": p.toolkit_version,
        "text": p.text,
        "upper": p.upper,
        "conditions": p.conditions,
        "reference": p.reference,
        "retrieved": p.retrieved,
        "cid": p.cid,
        "kind": p.kind,
    }
