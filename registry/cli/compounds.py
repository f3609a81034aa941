"""``registry add|show|list|search``: registering compounds and finding them again."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from registry.cli.base import app
from registry.cli.output import OutputFormat, render
from registry.cli.properties import pubchem_lines
from registry.cli.registry_options import SUMMARY, Author, Db, Fmt, open_registry
from registry.config import Settings
from registry.models import CasEntry, Compound, SearchResults
from registry.service.lookups import LookupResolver

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


@app.command("add")
def add_command(
    query: Annotated[
        str,
        typer.Argument(
            help="A SMILES, or a name or CAS number (looked up offline, then in PubChem, "
            "unless --smiles gives the structure).",
            show_default=False,
            metavar="SMILES|NAME|CAS",
        ),
    ],
    smiles: Annotated[
        str | None, typer.Option("--smiles", help="The structure (SMILES, InChI or Molfile text).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Preferred name.")] = None,
    cas: Annotated[
        list[str] | None,
        typer.Option("--cas", help="CAS number of this structure (repeatable)."),
    ] = None,
    cas_role: Annotated[
        str,
        typer.Option(
            "--cas-role",
            help="Role of the --cas numbers: parent, salt, hydrate, stereoisomer, racemate, "
            "replaced, unknown.",
        ),
    ] = "parent",
    synonym: Annotated[
        list[str] | None, typer.Option("--synonym", help="Another name (repeatable).")
    ] = None,
    as_salt_of: Annotated[
        str | None,
        typer.Option("--as-salt-of", help="Register as a salt form of this parent (id/CAS/name)."),
    ] = None,
    link: Annotated[
        bool,
        typer.Option(
            "--link", help="If the structure is registered already, add the names/CAS to it."
        ),
    ] = False,
    source: Annotated[
        str, typer.Option("--source", help="Where the identifiers come from.")
    ] = "user",
    db: Db = None,
    author: Author = None,
    fmt: Fmt = OutputFormat.table,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Resolve names offline only (also REGISTRY_OFFLINE=1)."),
    ] = False,
) -> None:
    """Register a compound: standardise, hash, refuse duplicates, link salts to parents.

    A name or CAS number without --smiles is resolved through the lookup chain (the offline
    index, then PubChem unless offline) and registered with its provenance; an ambiguous name
    is refused (choose with 'registry lookup NAME --add --pick N').

    A duplicate structure is refused with the id of the record that holds it, unless --link
    (add the new names and CAS numbers to that record) or --as-salt-of says what it is. A salt
    (a structure with counter-ions) is linked to its parent when the parent is registered, now
    or later.

    Examples:

        registry add "CCN(CC)C(=O)C1(CC1CN)c1ccccc1" --name milnacipran --cas 92623-85-3

        registry add "milnacipran hydrochloride" --smiles "CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl"
        --cas 101152-94-7 --cas-role salt --as-salt-of milnacipran

        registry add 92623-85-3 --smiles "CCN(CC)C(=O)C1(CC1CN)c1ccccc1" --link

        registry add caffeine               # structure and CAS numbers from the lookup
    """
    from registry.service.registry import Registry  # SQLAlchemy: only when a command runs

    entries = [CasEntry(number, cas_role, "", source) for number in cas or []]
    settings = Settings.from_env(offline=True if offline else None)
    resolver = LookupResolver(settings)
    # persistent: an in-memory database would lose the record whose id is printed here.
    with Registry.open(
        db, settings=settings, author=author, resolver=resolver, persistent=True
    ) as registry:
        compound = registry.add(
            smiles,
            query=query,
            name=name,
            cas=entries,
            synonyms=synonym or [],
            source=source,
            as_salt_of=as_salt_of,
            link=link,
        )
    typer.echo(render([compound.summary()], fmt, SUMMARY))


def _show_text(compound: Compound, history: bool) -> str:
    lines = [
        f"{compound.registry_id}  {compound.name}",
        f"  SMILES:     {compound.smiles}",
        f"  submitted:  {compound.submitted}",
        f"  formula:    {compound.formula}",
        f"  InChIKey:   {compound.inchikey}",
        f"  InChI:      {compound.inchi}",
    ]
    if compound.parent_id:
        lines.append(f"  salt form of: {compound.parent_id}")
    if compound.salt_forms:
        lines.append(f"  salt forms: {', '.join(compound.salt_forms)}")
    lines.append("")
    if compound.cas:
        rows = [
            {
                "CAS": e.number,
                "role": e.role,
                "form": e.form,
                "source": e.source,
                "note": "" if e.identifies else "mentioned by source; not an identifier",
            }
            for e in compound.cas
        ]
        lines += [render(rows, OutputFormat.table, list(rows[0])), ""]
    if compound.identifiers:
        rows = [
            {"kind": i.kind, "value": i.value, "source": i.source} for i in compound.identifiers
        ]
        lines += [render(rows, OutputFormat.table, ["kind", "value", "source"]), ""]
    if compound.synonyms:
        lines += ["Synonyms: " + "; ".join(compound.synonyms), ""]
    computed = [p for p in compound.properties if p.source != "pubchem"]
    if computed:
        rows = [
            {
                "descriptor": p.name,
                "value": f"{p.value:g}" if p.value is not None else "",
                "unit": p.unit,
            }
            for p in computed
        ]
        version = computed[0].toolkit_version
        lines += [f"Descriptors ({version}):", render(rows, OutputFormat.table, list(rows[0])), ""]
    lines += pubchem_lines(compound.properties)
    for note in compound.notes:
        cited = f"; cites {', '.join(note.citations)}" if note.citations else ""
        lines += [f"## {note.section}  (source: {note.source}{cited})", "", note.body, ""]
    if history:
        lines.append("History:")
        lines += [f"  {a.at}  {a.author}  {a.action}  {a.detail}" for a in compound.history]
    return "\n".join(lines).rstrip()


@app.command("show")
def show_command(
    query: Annotated[
        str,
        typer.Argument(help="Registry id, CAS number, name, synonym or InChIKey.", metavar="QUERY"),
    ],
    history: Annotated[
        bool, typer.Option("--history", help="Also print the audit trail of the record.")
    ] = False,
    db: Db = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table (a report) or json.")
    ] = OutputFormat.table,
) -> None:
    """Show a compound: identity, every CAS number with its role, synonyms, descriptors, notes.

    A CAS number that a record only mentions (role unknown) does not find it; the error says
    which record mentions it.

    Examples:

        registry show milnacipran

        registry show 92623-85-3 --history

        registry show REG-000001 --format json
    """
    with open_registry(db) as registry:
        compound = registry.get(query, history=history)
    if fmt is OutputFormat.table:
        typer.echo(_show_text(compound, history))
    else:
        typer.echo(render([compound.to_dict()], fmt, list(compound.summary())))


@app.command("list")
def list_command(
    limit: Annotated[int | None, typer.Option("--limit", help="Show at most this many.")] = None,
    db: Db = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """List registered compounds in registry order.

    Examples:

        registry list

        registry list --format csv > registry.csv
    """
    with open_registry(db) as registry:
        compounds = registry.list_compounds(limit=limit)
    typer.echo(render([c.summary() for c in compounds], fmt, SUMMARY))


_SEARCH_EPILOG = (
    "Similarity and substructure search run on the RDKit cartridge on PostgreSQL, and on the "
    "search index beside an SQLite registry (registry db index), which every search brings up "
    "to date first."
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
        str | None, typer.Option("--similar", help="SMILES: compounds similar to it.")
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
            "--substructure", help="SMARTS (or SMILES, see --query): compounds containing it."
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

    Examples:

        registry search fibromyalgia

        registry search --similar "CCN(CC)C(=O)C1(CC1CN)c1ccccc1" --min 0.5 --max 10

        registry search --similar "c1ccccc1O" --metric tversky --alpha 0.9 --beta 0.1

        registry search --file probes.smi --min 0.6 -f csv

        registry search --substructure "C1CC1C(=O)N" --count

        registry search --substructure "c1ccccc1C(=O)N" --query smiles

        registry search --tautomers "Oc1ccccn1"

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
        )
    _say_total(hits)
    _hits(hits, fmt)


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
