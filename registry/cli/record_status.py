"""How ``show`` and ``list`` say that a record is retired, merged, or reached through a merge."""

from __future__ import annotations

from registry.models import Compound

__all__ = ["label", "lines"]


def lines(compound: Compound) -> list[str]:
    """The lines ``registry show`` prints under the record's name (none for a plain record)."""
    found: list[str] = []
    if compound.redirected_from:
        found.append(
            f"  ({compound.redirected_from} was merged into this record; its queries lead here)"
        )
    if compound.merged_into:
        found.append(
            f"  MERGED into {compound.merged_into} on {compound.retired_at[:10]}: "
            f"{compound.retired_reason}"
        )
    elif compound.retired_at:
        found.append(f"  RETIRED on {compound.retired_at[:10]}: {compound.retired_reason}")
    if compound.merged_from:
        found.append(f"  merged from: {', '.join(compound.merged_from)}")
    return found


def label(compound: Compound) -> str:
    """``active``, ``retired: REASON`` or ``merged into REG-...`` (``list --all``'s column)."""
    if compound.merged_into:
        return f"merged into {compound.merged_into}"
    if compound.retired_at:
        return f"retired: {compound.retired_reason}"
    return "active"
