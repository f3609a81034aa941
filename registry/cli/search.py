"""``registry search``: by text, similarity, substructure or exact structure."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from registry.cli.base import app
from registry.cli.output import OutputFormat, render
from registry.cli.registry_options import Db, Fmt, open_registry
from registry.models import SearchResults
from registry.progress import watched

if TYPE_CHECKING:
    from registry.service.registry import Registry


class SearchMetric(StrEnum):
    """How --similar scores."""

    tanimoto = "tanimoto"
    tversky = "tversky"


class QueryKind(StrEnum):
    """How --substructure is read."""

    smarts = "smarts"
    smiles = "smiles"


def _hits(hits: SearchResults, fmt: OutputFormat) -> None:
    rows = [
        {
            "registry_id": h.registry_id,
            "name": h.name,
            "score": h.score,
            "matched": h.matched,
            "smiles": h.smiles,
        }
        for h in hits
    ]
    columns = ["registry_id", "name", "score", "matched", "smiles"]
    if all(h.score is None for h in hits):
        columns.remove("score")
    typer.echo(render(rows, fmt, columns))
    if not rows:
        raise typer.Exit(1)


_SEARCH_EPILOG = (
    "Similarity and substructure search run on the RDKit cartridge on PostgreSQL, and on the "
    "search index beside an SQLite registry (registry db index), which every search brings up "
    "to date first (with a progress bar on a terminal when it adds 4,000 compounds or more)."
)


@app.command("search", epilog=_SEARCH_EPILOG)
def search_command(
    text: Annotated[
        str | None,
        typer.Argument(
            help="Text to find in names, synonyms, identifiers and notes.", metavar="TEXT"
        ),
    ] = None,
    similar: Annotated[
        str | None,
        typer.Option(
            "--similar",
            help="Structure (SMILES, or a registry id, name or CAS number): compounds "
            "similar to it.",
        ),
    ] = None,
    probes: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Similarity search for every structure of a .smi, .csv/.tsv or .sdf file.",
            show_default=False,
        ),
    ] = None,
    min_similarity: Annotated[
        float, typer.Option("--min", help="Lowest similarity for --similar/--file.")
    ] = 0.7,
    metric: Annotated[
        SearchMetric, typer.Option("--metric", help="Similarity measure.")
    ] = SearchMetric.tanimoto,
    alpha: Annotated[
        float, typer.Option("--alpha", help="Tversky weight of the probe's own bits.")
    ] = 0.5,
    beta: Annotated[
        float, typer.Option("--beta", help="Tversky weight of the compound's own bits.")
    ] = 0.5,
    substructure: Annotated[
        str | None,
        typer.Option(
            "--substructure",
            help="SMARTS (or SMILES, see --query; or a registry id, name or CAS number, whose "
            "structure is then the query): compounds containing it.",
        ),
    ] = None,
    query_format: Annotated[
        QueryKind, typer.Option("--query", help="How to read --substructure.")
    ] = QueryKind.smarts,
    count: Annotated[
        bool,
        typer.Option("--count", help="Count every substructure hit, also past --limit."),
    ] = False,
    same_parent: Annotated[
        str | None,
        typer.Option("--same-parent", help="Structure: its parent and all salt forms of it."),
    ] = None,
    tautomers: Annotated[
        str | None, typer.Option("--tautomers", help="Structure: its registered tautomers.")
    ] = None,
    stereoisomers: Annotated[
        str | None,
        typer.Option("--stereoisomers", help="Structure: its registered stereoisomers."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "--max", min=1, help="At most this many hits (per probe).")
    ] = 100,
    db: Db = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Search the registry by text, similarity, substructure or exact structure (one of them).

    Similarity hits come best first (ties in registry order), the others in registry order.

    Where a structure is expected, a registry id, name or CAS number may stand for it: a text
    RDKit reads as a SMILES (or for --substructure as a SMARTS) is that structure; any other is
    looked up offline, in the registry and then the offline index, and what it resolved to is
    printed on stderr ('ibuprofen -> REG-000004 CC(C)Cc1ccc...').

    Examples:

        registry search fibromyalgia

        registry search --similar "CCN(CC)C(=O)C1(CC1CN)c1ccccc1" --min 0.5 --max 10

        registry search --similar "c1ccccc1O" --metric tversky --alpha 0.9 --beta 0.1

        registry search --file probes.smi --min 0.6 -f csv

        registry search --substructure "C1CC1C(=O)N" --count

        registry search --substructure "c1ccccc1C(=O)N" --query smiles

        registry search --tautomers "Oc1ccccn1"

        registry search --similar ibuprofen --min 0.5

        registry search --same-parent "sertraline hydrochloride"

    Exit status 1 when nothing is found.
    """
    modes = (text, similar, probes, substructure, same_parent, tautomers, stereoisomers)
    if sum(v is not None for v in modes) != 1:
        raise typer.BadParameter(
            "give one of: TEXT, --similar SMILES, --file PROBES, --substructure QUERY, "
            "--same-parent, --tautomers, --stereoisomers"
        )
    with open_registry(db) as registry:
        if probes is not None:
            _search_file(registry, probes, min_similarity, limit, metric.value, alpha, beta, fmt)
            return
        similar, same_parent, tautomers, stereoisomers = (
            _structure(registry, value)
            for value in (similar, same_parent, tautomers, stereoisomers)
        )
        if substructure is not None:
            smarts = query_format is QueryKind.smarts
            found = registry.structure_of(substructure, smarts=smarts)
            if found.resolved:  # a compound's structure: searched as that SMILES
                typer.echo(found.describe(), err=True)
                substructure, query_format = found.structure, QueryKind.smiles
        hits = registry.search(
            text,
            similar=similar,
            min_similarity=min_similarity,
            substructure=substructure,
            limit=limit,
            metric=metric.value,
            alpha=alpha,
            beta=beta,
            query_format=query_format.value,
            count=count,
            same_parent=same_parent,
            tautomers=tautomers,
            stereoisomers=stereoisomers,
            progress=watched(),
        )
    _say_total(hits)
    _hits(hits, fmt)


def _structure(registry: Registry, value: str | None) -> str | None:
    """The structure a --similar/--same-parent/... value stands for, saying what it resolved to."""
    if value is None:
        return None
    found = registry.structure_of(value)
    if found.resolved:
        typer.echo(found.describe(), err=True)
    return found.structure


def _say_total(hits: SearchResults) -> None:
    total = getattr(hits, "total", None)
    if total is not None and total > len(hits):
        typer.echo(f"{len(hits)} of {total} hits shown (--limit)", err=True)
    elif total is None and hits and hits[0].matched == "substructure":
        typer.echo(f"the first {len(hits)} hits shown; more match (--count counts them)", err=True)


def _search_file(
    registry: Registry, path: Path, minimum: float, limit: int, metric: Any, alpha: float,
    beta: float, fmt: OutputFormat,
) -> None:  # fmt: skip
    from registry.chem.structure_files import read_structures

    items = read_structures(path)
    found = registry.search_many(
        [i.value for i in items],
        min_similarity=minimum,
        limit=limit,
        metric=metric,
        alpha=alpha,
        beta=beta,
        progress=watched(),
    )
    rows = [
        {
            "probe": item.name or f"{path.name}:{item.line}",
            "registry_id": h.registry_id,
            "name": h.name,
            "score": h.score,
            "smiles": h.smiles,
        }
        for item, hits in zip(items, found, strict=True)
        for h in hits
    ]
    typer.echo(render(rows, fmt, ["probe", "registry_id", "name", "score", "smiles"]))
    if not rows:
        raise typer.Exit(1)
