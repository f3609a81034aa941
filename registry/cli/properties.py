"""``registry properties``: PubChem's computed and measured properties and GHS hazards."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from registry.cli.base import app
from registry.cli.output import OutputFormat, render
from registry.cli.queries import ManyFile, Queries, read_queries
from registry.cli.registry_options import Author, Db, Fmt
from registry.config import Settings
from registry.errors import PubChemError, PubChemUnavailable
from registry.property_models import CompoundProperties, Property, PropertyResults

_COMPUTED_COLUMNS = ("property", "pubchem", "unit", "rdkit", "flag")
_MEASURED_COLUMNS = ("property", "value", "unit", "conditions", "reference", "text")
_HAZARD_COLUMNS = ("reference", "signal", "pictograms", "statements", "precautionary")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def computed_rows(result: CompoundProperties) -> list[dict[str, Any]]:
    """PubChem's computed values, with RDKit's beside those both compute."""
    beside = {d.pubchem_name: d for d in result.comparison}
    rows = []
    for p in result.computed:
        d = beside.get(p.name)
        flag = ""
        if d is not None and d.differs:
            flag = f"differs (> {d.tolerance:g})" + (f": {d.reason}" if d.reason else "")
        rows.append(
            {
                "property": p.name,
                "pubchem": _number(p.value) if p.value is not None else p.text,
                "unit": p.unit,
                "rdkit": _number(d.rdkit) if d is not None else "",
                "flag": flag,
            }
        )
    return rows


def measured_rows(result: CompoundProperties, named_only: bool) -> list[dict[str, Any]]:
    """The measured values (of the named properties only, for a table): the number and unit
    read from each text, the source (without the citation, for a table) and the text."""
    from registry.sources.pubchem.pug_view import NAMED

    return [
        {
            "property": p.name,
            "value": _number(p.value) + (f" to {p.upper:g}" if p.upper is not None else ""),
            "unit": p.unit,
            "conditions": p.conditions,
            "reference": p.reference.split(": ", 1)[0] if named_only else p.reference,
            "text": p.text,
        }
        for p in result.experimental
        if p.name in NAMED or not named_only
    ]


def hazard_rows(result: CompoundProperties) -> list[dict[str, Any]]:
    """One row per source's GHS classification."""
    return [
        {
            "reference": h.reference,
            "signal": h.signal,
            "pictograms": " ".join(code for code, _ in h.pictograms),
            "statements": " ".join(h.codes),
            "precautionary": " ".join(h.precautionary),
        }
        for h in result.hazards
    ]


def pubchem_lines(values: Sequence[Property]) -> list[str]:
    """``registry show``'s group of stored PubChem values, with their date, CID and reference."""
    stored = [p for p in values if p.source == "pubchem"]
    if not stored:
        return []
    rows = [
        {
            "property": p.name,
            "value": _number(p.value) + (f" to {p.upper:g}" if p.upper is not None else ""),
            "unit": p.unit,
            "text": p.text if p.kind == "experimental" else "",
            "reference": p.reference.split(": ", 1)[0],
        }
        for p in stored
    ]
    cids = ", ".join(dict.fromkeys(str(p.cid) for p in stored if p.cid is not None))
    dates = sorted({p.retrieved[:10] for p in stored if p.retrieved})
    when = dates[-1] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}" if dates else "-"
    columns = ["property", "value", "unit", "text", "reference"]
    return [
        f"PubChem (CID {cids}, retrieved {when}):",
        render(rows, OutputFormat.table, columns),
        "",
    ]


def _table(results: PropertyResults) -> str:
    blocks = []
    for r in results:
        head = f"{r.query}: " + (f"CID {r.cid} {r.name}" if r.cid else "(not found)")
        parts = [head, "-" * len(head)]
        if r.computed:
            parts.append(render(computed_rows(r), OutputFormat.table, _COMPUTED_COLUMNS))
        if r.experimental:
            shown = measured_rows(r, named_only=True)
            parts.append("")
            parts.append(render(shown, OutputFormat.table, _MEASURED_COLUMNS))
            if len(shown) < len(r.experimental):
                parts.append(
                    f"({len(r.experimental) - len(shown)} more values under other headings, "
                    "with full citations: --format json or csv)"
                )
        if r.hazards:
            parts.append("")
            parts.append(render(hazard_rows(r), OutputFormat.table, _HAZARD_COLUMNS))
        blocks.append("\n".join(parts))
    return "\n\n".join(blocks)


def wide_rows(results: PropertyResults) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per compound, one column per property (every column any compound has)."""
    rows = [r.row() for r in results]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(k for k in row if k != "error"))
    return rows, [*columns, "error"]


def print_results(results: PropertyResults, fmt: OutputFormat) -> None:
    """The results in the chosen format: blocks (table), nested JSON, or one CSV row each."""
    if fmt is OutputFormat.table:
        typer.echo(_table(results))
    elif fmt is OutputFormat.json:
        typer.echo(render([dataclasses.asdict(r) for r in results], fmt, ()))
    else:
        rows, columns = wide_rows(results)
        typer.echo(render(rows, fmt, columns))


def finish(results: PropertyResults) -> None:
    """Warnings for what is missing; exit 1 (or one error line) when anything is."""
    unavailable = [r for r in results if r.unavailable]
    for r in results.failed:
        if not r.unavailable or len(unavailable) > 1:
            typer.echo(f"warning: {r.query}: {r.error}", err=True)
    if unavailable:
        names = ", ".join(repr(r.query) for r in unavailable[:5])
        more = f" and {len(unavailable) - 5} more" if len(unavailable) > 5 else ""
        raise PubChemUnavailable(f"{unavailable[0].error} (unanswered: {names}{more})")
    if results.failed:
        raise typer.Exit(1)


def fetch(
    texts: Sequence[str | int],
    settings: Settings,
    *,
    experimental: bool,
    hazards: bool,
    rdkit: bool,
) -> PropertyResults:
    """Properties for the queries, with a progress bar on a terminal for many compounds."""
    from registry.service.pubchem_properties import properties_many

    if (experimental or hazards) and len(texts) > 1 and sys.stderr.isatty():
        with typer.progressbar(length=len(texts), label="PUG-View", file=sys.stderr) as bar:
            last = [0]

            def advance(done: int, total: int) -> None:
                bar.update(done - last[0])
                last[0] = done

            return properties_many(
                texts, settings, experimental=experimental, hazards=hazards, rdkit=rdkit,
                progress=advance,
            )  # fmt: skip
    return properties_many(texts, settings, experimental=experimental, hazards=hazards, rdkit=rdkit)


@app.command("properties")
def properties_command(
    queries: Queries = None,
    many: ManyFile = None,
    experimental: Annotated[
        bool,
        typer.Option(
            "--experimental",
            help="Also measured values (melting and boiling point, flash point, density, "
            "solubility, vapour pressure, LogP, pKa...): one PUG-View request per compound.",
        ),
    ] = False,
    hazards: Annotated[
        bool,
        typer.Option(
            "--hazards",
            help="Also the GHS classification (signal word, pictograms, H- and P-codes).",
        ),
    ] = False,
    rdkit: Annotated[
        bool,
        typer.Option(
            "--rdkit/--no-rdkit",
            help="Show RDKit's value beside PubChem's where both compute one.",
        ),
    ] = True,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Answer from the PubChem cache only (no network)."),
    ] = False,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
) -> None:
    """PubChem's properties of compounds, with their source and date.

    Computed properties (XLogP3, TPSA, complexity, H-bond donors and acceptors, rotatable
    bonds, exact and monoisotopic mass, charge, atom counts) come with the one batched request
    a lookup makes. --experimental adds every measured value PubChem lists, each with its
    original text, the number, unit and conditions read from it, and its reference;
    --hazards adds each source's GHS classification. Answers are cached and dated, so a
    repeat makes no request; --offline answers from the cache alone.

    --format csv gives one row per compound and one column per property (several values of
    one property joined by '; '): the enrichment of a supplier list.

    Examples:

        registry properties caffeine 50-78-2

        registry properties benzene --experimental --hazards

        registry properties --many suppliers.txt --experimental --format csv > enriched.csv

        registry properties 2244 --format json

    Exit status: 0 when everything asked for was answered, 1 otherwise, 2 on usage errors.
    """
    texts: list[str | int] = list(queries or [])
    if many is not None:
        texts.extend(read_queries(many))
    if not texts:
        raise typer.BadParameter("give at least one QUERY or --many FILE", param_hint="QUERY")
    settings = Settings.from_env(offline=True if offline else None)
    results = fetch(texts, settings, experimental=experimental, hazards=hazards, rdkit=rdkit)
    print_results(results, fmt)
    finish(results)


@app.command("enrich")
def enrich_command(
    queries: Annotated[
        list[str] | None,
        typer.Argument(
            help="Registry ids, CAS numbers, names or InChIKeys of registered compounds.",
            show_default=False,
            metavar="ID...",
        ),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every registered compound.")] = False,
    experimental: Annotated[
        bool,
        typer.Option(
            "--experimental",
            help="Also the measured values (one PUG-View request per compound, cached).",
        ),
    ] = False,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Answer from the PubChem cache only (no network)."),
    ] = False,
    db: Db = None,
    author: Author = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Store PubChem's properties with registered compounds, with their source and date.

    For each compound: its PubChem CID (the one it was registered with, else PubChem's CID for
    its InChIKey), then PubChem's computed properties and, with --experimental, every measured
    value with its original text and reference. They are stored with source 'pubchem', the
    retrieval date and the CID, apart from RDKit's descriptors ('registry show' lists both
    groups). Running it again refreshes them: each property's PubChem values are replaced and
    the audit trail keeps the old and the new ('registry show ID --history').

    Examples:

        registry enrich REG-000001

        registry enrich --all --experimental

    Exit status: 0 when every compound was enriched, 1 otherwise, 2 on usage errors.
    """
    if every == bool(queries):
        raise typer.BadParameter("give registry IDs or --all (not both)", param_hint="ID")
    from registry.service.registry import Registry  # SQLAlchemy: only when a command runs

    settings = Settings.from_env(offline=True if offline else None)
    with Registry.open(db, settings=settings, author=author, persistent=True) as registry:
        done = registry.enrich(None if every else queries, experimental=experimental)
    rows = [dataclasses.asdict(e) for e in done]
    typer.echo(render(rows, fmt, ("registry_id", "name", "cid", "stored", "replaced", "error")))
    failed = [e for e in done if e.error]
    if failed:
        names = ", ".join(e.registry_id for e in failed[:5])
        raise PubChemError(f"{failed[0].error} (not enriched: {names})")
