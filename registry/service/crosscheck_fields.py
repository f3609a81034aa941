"""What a row's formula, SMILES or InChIKey says against the compounds a source gives its CAS
number (the part of :class:`registry.service.crosscheck.IndexCrossCheck` for those columns).

A formula (or a SMILES, through the formula of its structure) is compared by
:func:`registry.service.formula_forms.relation`: the same formula confirms the number; a salt,
hydrate or ion form of the source's formula (lists give the salt, PubChem the parent) is said
in a note and confirms it too; any other formula contradicts the source. An InChIKey only
confirms (its first block): a salt's key differs from its parent's in that block as well, and
nothing in the key alone tells the two cases apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from registry.service.formula_forms import relation

__all__ = ["FieldVerdicts", "field_verdicts"]

_LABELS = {"formula": "formula", "smiles": "formula (of the SMILES)", "inchikey": "InChIKey"}


@dataclass
class FieldVerdicts:
    """Rows (of a chunk) by what their column says against the source."""

    agree: list[int] = field(default_factory=list)
    """The column matches a compound of the number."""
    forms: dict[int, str] = field(default_factory=dict)
    """A salt, hydrate or ion form of a compound of the number: the note to add."""
    different: dict[int, tuple[str, str, str, str]] = field(default_factory=dict)
    """No compound of the number has it: (what the row says, what the source says, the name
    the source gives the number, the source), for a reason."""


def field_verdicts(
    kind: str, given: pl.Series, known: pl.DataFrame, compounds: pl.DataFrame
) -> FieldVerdicts:
    """What column ``given`` (of kind ``formula``, ``smiles`` or ``inchikey``) says on the rows
    of ``known`` (``row``, ``cid``: the compounds the row's number belongs to), by
    ``compounds`` (``cid``, ``name``, ``formula``, ``inchikey``, ``source``)."""
    verdicts = FieldVerdicts()
    rows = known.get_column("row").unique(maintain_order=True)
    text = given.cast(pl.String).fill_null("").gather(rows).str.replace_all(r"\s", "")
    frame = pl.DataFrame([rows, text.alias("given")]).filter(pl.col("given") != "")
    if frame.is_empty():
        return verdicts
    if kind == "smiles":
        frame = frame.with_columns(given=_formulas(frame.get_column("given")))
        frame = frame.filter(pl.col("given") != "")
    theirs_column = "inchikey" if kind == "inchikey" else "formula"
    pairs = (
        frame.join(known.select("row", "cid"), on="row", maintain_order="left")
        .join(
            compounds.select("cid", "name", "source", theirs=pl.col(theirs_column).fill_null("")),
            on="cid",
            maintain_order="left",
        )
        .filter(pl.col("theirs") != "")
    )
    if kind == "inchikey":
        same = pl.col("given").str.to_uppercase().str.head(14) == pl.col("theirs").str.head(14)
        verdicts.agree = pairs.filter(same).get_column("row").unique(maintain_order=True).to_list()
        return verdicts
    agreeing = pairs.filter(pl.col("given") == pl.col("theirs")).get_column("row")
    verdicts.agree = agreeing.unique(maintain_order=True).to_list()
    label = _LABELS[kind]
    rest = pairs.filter(~pl.col("row").is_in(agreeing.implode()))
    outcomes: dict[int, list[tuple[str, str, str, str, str]]] = {}
    for row, mine, theirs, name, source in rest.select(
        "row", "given", "theirs", "name", "source"
    ).iter_rows():
        outcomes.setdefault(row, []).append(
            (relation(mine, theirs), mine, theirs, name or "", source)
        )
    for row, found in outcomes.items():
        kinds = [outcome for outcome, *_ in found]
        if "same" in kinds:
            verdicts.agree.append(row)
        elif "form" in kinds:
            _, mine, theirs, name, source = found[kinds.index("form")]
            verdicts.forms[row] = (
                f"{label} {mine} is a salt, hydrate or ion form of {theirs}, {name}'s in the "
                f"{source}"
            )
        else:
            _, mine, theirs, name, source = found[0]
            verdicts.different[row] = (mine, theirs, name, source)
    return verdicts


def _formulas(smiles: pl.Series) -> pl.Series:
    """The formula of each SMILES (RDKit, once per distinct text); empty where it does not
    parse."""
    from registry.chem.hashing import formula
    from registry.errors import RegistryError

    found: dict[str, str] = {}
    for text in smiles.unique().to_list():
        try:
            found[text] = formula(text)
        except (RegistryError, ValueError):
            found[text] = ""
    return smiles.replace_strict(found, return_dtype=pl.String)
