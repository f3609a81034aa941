"""Depiction: structures drawn to SVG or PNG with RDKit, one alone or several in a grid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rdkit import Chem
from rdkit.Chem.Draw import rdMolDraw2D

from registry.chem.structures import Structure, capture_rdkit_log, parse
from registry.errors import InvalidStructure

__all__ = ["draw"]


def draw(
    values: Sequence[Structure] | Structure,
    *,
    fmt: Literal["svg", "png"] = "svg",
    legends: Sequence[str] | None = None,
    size: tuple[int, int] = (300, 300),
    per_row: int = 4,
) -> bytes:
    """Draw one structure, or several as a grid with legends, to SVG or PNG bytes.

    Args:
        values: one structure or several (text or ``Mol``).
        fmt: ``"svg"`` or ``"png"``.
        legends: a caption per structure (default: none for one, the input text for several).
        size: width and height of each panel in pixels.
        per_row: panels per grid row.

    >>> draw("CCO").startswith(b"<?xml")
    True
    >>> draw(["CCO", "c1ccccc1O"], fmt="png", legends=["ethanol", "phenol"])[:4]
    b'\x89PNG'
    """
    items = [values] if isinstance(values, str | Chem.Mol) else list(values)
    if not items:
        raise InvalidStructure("nothing to draw")
    mols = [parse(item) for item in items]
    if legends is None:
        legends = [""] if len(items) == 1 else [_legend(item) for item in items]
    if len(legends) != len(mols):
        raise ValueError(f"{len(legends)} legends for {len(mols)} structures")
    columns = min(per_row, len(mols))
    rows = -(-len(mols) // columns)
    width, height = size
    canvas: rdMolDraw2D.MolDraw2D
    if fmt == "svg":
        canvas = rdMolDraw2D.MolDraw2DSVG(width * columns, height * rows, width, height)
    else:
        canvas = rdMolDraw2D.MolDraw2DCairo(width * columns, height * rows, width, height)
    with capture_rdkit_log():
        if len(mols) == 1:
            canvas.DrawMolecule(mols[0], legend=legends[0])
        else:
            canvas.DrawMolecules(mols, legends=list(legends))
        canvas.FinishDrawing()
    data = canvas.GetDrawingText()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _legend(item: Structure) -> str:
    if isinstance(item, Chem.Mol):
        return item.GetProp("_Name") if item.HasProp("_Name") else ""
    return item.strip().splitlines()[0][:40]
