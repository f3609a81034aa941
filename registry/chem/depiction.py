"""Depiction: structures drawn to SVG or PNG with RDKit, one alone or several in a grid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rdkit import Chem
from rdkit.Chem.Draw import rdMolDraw2D

from registry.chem.structures import Structure, capture_rdkit_log, parse
from registry.errors import InvalidStructure, ValidationError

__all__ = ["MAX_PANEL", "MAX_PIXELS", "MIN_PANEL", "draw"]


# Bounds on an image: a 30,000-pixel panel alone takes gigabytes to render.
MIN_PANEL, MAX_PANEL = 50, 4000
MAX_PIXELS = 64 * 10**6


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
    if per_row < 1:
        raise ValidationError(f"per_row={per_row}: give at least 1")
    columns = min(per_row, len(mols))
    rows = -(-len(mols) // columns)
    width, height = size
    if not (MIN_PANEL <= width <= MAX_PANEL and MIN_PANEL <= height <= MAX_PANEL):
        raise ValidationError(
            f"size={size}: a panel is {MIN_PANEL} to {MAX_PANEL} pixels wide and high"
        )
    if width * columns * height * rows > MAX_PIXELS:
        raise ValidationError(
            f"{len(mols)} panels of {width}x{height} make an image of "
            f"{width * columns}x{height * rows} pixels, more than {MAX_PIXELS // 10**6} million: "
            "draw fewer structures or smaller panels"
        )
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
