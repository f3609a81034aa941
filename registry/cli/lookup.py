"""``registry lookup``, ``registry cache`` and ``registry reference``: finding compounds."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from registry.cli.base import app
from registry.cli.output import OutputFormat, render
from registry.cli.queries import ManyFile, Queries, read_queries
from registry.cli.registry_options import AllowStereoisomer, AllowTautomer
from registry.config import Settings
from registry.errors import PubChemUnavailable
from registry.models import LookupResult
from registry.property_models import PropertyResults
from registry.service.lookups import close_chain, default_chain, lookup_many
from registry.sources.chain import choose
from registry.sources.reference import ReferenceIndex, build_reference

_COLUMNS = ("query", "source", "name", "cas", "formula", "inchikey", "cid", "flags")
_PROPERTY_COLUMNS = ("property", "pubchem", "unit", "rdkit", "flag")
_BATCH = 50

cache_app = typer.Typer(help="The PubChem response cache.", no_args_is_help=True)
reference_app = typer.Typer(help="The offline reference index.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
app.add_typer(reference_app, name="reference")


def _settings(offline: bool) -> Settings:
    return Settings.from_env(offline=True if offline else None)


def _flags(result: LookupResult, index: int) -> list[str]:
    out = []
    if result.ambiguous:
        out.append("ambiguous")
    if result.conflict:
        out.append("conflict")
    for salt, parent in result.salt_parent:
        if index == salt:
            out.append(f"salt-of:{result.candidates[parent].cid}")
        if index == parent:
            out.append(f"parent-of:{result.candidates[salt].cid}")
    return out


def _rows(result: LookupResult) -> Iterator[dict[str, Any]]:
    if not result.candidates:
        yield {
            "query": result.query,
            "source": "",
            "name": "(invalid CAS checksum)"
            if result.suggestions
            else ("(source unavailable)" if result.warnings else "(not found)"),
            "cas": [],
            "flags": [f"did you mean {', '.join(result.suggestions[:3])}"]
            if result.suggestions
            else [],
            "suggestions": list(result.suggestions),
            "warnings": list(result.warnings),
        }
        return
    for i, c in enumerate(result.candidates):
        yield {
            "query": result.query,
            "kind": result.kind,
            "source": c.source,
            "retrieved": c.retrieved,
            "name": c.name,
            "cas": [f"{n.number} ({n.role}{'' if n.valid else ', bad checksum'})" for n in c.cas]
            if c.cas
            else [],
            "cas_numbers": [{"number": n.number, "role": n.role, "valid": n.valid} for n in c.cas],
            "formula": c.formula,
            "inchikey": c.inchikey,
            "cid": c.cid,
            "smiles": c.smiles,
            "iupac_name": c.iupac_name,
            "molecular_weight": c.molecular_weight,
            "origin": c.origin,
            "flags": _flags(result, i),
            "warnings": list(result.warnings),
        }


@app.command("lookup")
def lookup_command(
    queries: Queries = None,
    many: ManyFile = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never use the network (also REGISTRY_OFFLINE=1).")
    ] = False,
    every_source: Annotated[
        bool,
        typer.Option(
            "--all", help="Ask every source, not only until one answers (finds conflicts)."
        ),
    ] = False,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    add: Annotated[
        bool,
        typer.Option(
            "--add",
            help="Register the result in the registry, with its source, date, CID and CAS "
            "numbers. Refuses an ambiguous result unless --pick or --cid chooses.",
        ),
    ] = False,
    pick: Annotated[
        int | None,
        typer.Option("--pick", help="With --add: register candidate N (1 = first row).", min=1),
    ] = None,
    cid: Annotated[
        int | None, typer.Option("--cid", help="With --add: register the candidate with this CID.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="With --add: registry database URL (default: REGISTRY_DB)."),
    ] = None,
    allow_tautomer: AllowTautomer = False,
    allow_stereoisomer: AllowStereoisomer = False,
    with_properties: Annotated[
        bool,
        typer.Option(
            "--properties",
            help="Also PubChem's computed properties (XLogP3, TPSA, counts, masses), with "
            "RDKit's beside them; with --add they are stored with source, date and CID.",
        ),
    ] = False,
) -> None:
    """Look compounds up by name, CAS number, PubChem CID, InChIKey, InChI or SMILES.

    Sources are asked in order: your own registry (when its database exists), the offline
    reference index (PubChem data shipped with the 'chemicals' package, built into an index on
    first use), then PubChem unless offline.
    Every candidate shows its source, name, CAS numbers with their roles, formula, InChIKey
    and CID; flags mark ambiguous answers, conflicts between sources and salt/parent pairs.
    A CAS number failing its checksum gets the likely intended numbers.

    Examples:

        registry lookup caffeine 50-78-2

        registry lookup RYYVLZVUVIJVGH-UHFFFAOYSA-N --format json

        registry lookup --many names.txt --format csv > found.csv

        registry lookup 7732-18-5 --all     # compare the index with PubChem

        registry lookup caffeine --add      # register it, with its provenance

        registry lookup "some name" --add --pick 2

        registry lookup caffeine --properties   # with PubChem's computed properties

    Exit status: 0 when everything was found, 1 when something was not, 2 on usage errors.
    """
    texts = list(queries or [])
    if many is not None:
        texts.extend(read_queries(many))
    if not texts:
        raise typer.BadParameter("give at least one QUERY or --many FILE", param_hint="QUERY")
    if add and len(texts) != 1:
        raise typer.BadParameter("--add registers one QUERY at a time", param_hint="--add")
    with_add = (pick, cid, db) != (None, None, None) or allow_tautomer or allow_stereoisomer
    if with_add and not add:
        raise typer.BadParameter(
            "--pick, --cid, --db and --allow-... go with --add", param_hint="--add"
        )
    settings = _settings(offline)
    if db is not None:  # the registry asked first is the one --add writes to
        settings = settings.replace(db_url=db)
    sources = default_chain(settings)
    results: list[LookupResult] = []
    batches = [texts[i : i + _BATCH] for i in range(0, len(texts), _BATCH)]
    try:
        if len(batches) > 1 and sys.stderr.isatty():
            with typer.progressbar(length=len(texts), label="looking up", file=sys.stderr) as bar:
                for batch in batches:
                    results.extend(lookup_many(batch, settings, sources, exhaustive=every_source))
                    bar.update(len(batch))
        else:
            for batch in batches:
                results.extend(lookup_many(batch, settings, sources, exhaustive=every_source))
    finally:
        close_chain(sources)
    rows = [row for result in results for row in _rows(result)]
    columns: tuple[str, ...] = _COLUMNS
    found = None
    if with_properties:
        found = _properties(results, settings)
        columns = _with_properties(rows, found, fmt, columns)
    if add:  # number the candidates as --pick takes them
        rows = [{"#": i, **row} for i, row in enumerate(rows, 1)]
        columns = ("#", *_COLUMNS)
    # The flags (ambiguous, conflict) and the CID stay however narrow the terminal.
    typer.echo(render(rows, fmt, columns, keep={"cid", "flags"}))
    if found is not None and fmt is OutputFormat.table:
        typer.echo(_properties_table(found))
    unanswered = [r for r in results if not r.found and r.warnings]
    for result in results:
        if result.found:  # answered offline while a source could not answer
            for warning in result.warnings:
                typer.echo(f"warning: {result.query}: {warning}", err=True)
    if add and results[0].found:
        _register(results[0], settings, pick, cid, (allow_tautomer, allow_stereoisomer))
        return
    if unanswered:
        names = ", ".join(repr(r.query) for r in unanswered[:5])
        more = f" and {len(unanswered) - 5} more" if len(unanswered) > 5 else ""
        raise PubChemUnavailable(f"{unanswered[0].warnings[-1]} (unanswered: {names}{more})")
    if not all(r.found for r in results):
        raise typer.Exit(1)


def _properties(results: list[LookupResult], settings: Settings) -> PropertyResults:
    """PubChem's computed properties of each result's first candidate with a CID."""
    from registry.service.pubchem_properties import properties_many

    cids = [next((c.cid for c in r.candidates if c.cid is not None), None) for r in results]
    found = properties_many([c for c in dict.fromkeys(cids) if c is not None], settings)
    for r in found.failed:
        typer.echo(f"warning: properties of CID {r.query}: {r.error}", err=True)
    return found


def _with_properties(
    rows: list[dict[str, Any]], found: PropertyResults, fmt: OutputFormat, columns: tuple[str, ...]
) -> tuple[str, ...]:
    """Each row's computed properties: a list (JSON) or a column each (CSV)."""
    by_cid = {r.cid: r for r in found}
    names: dict[str, None] = {}
    for row in rows:
        result = by_cid.get(row.get("cid"))
        values = result.computed if result is not None else ()
        if fmt is OutputFormat.json:
            row["properties"] = [dataclasses.asdict(p) for p in values]
        else:
            row.update({p.name: p.value for p in values})
            names.update(dict.fromkeys(p.name for p in values))
    return (*columns, *names) if fmt is OutputFormat.csv else columns


def _properties_table(found: PropertyResults) -> str:
    from registry.cli.properties import computed_rows

    blocks = []
    for r in found:
        if r.computed:
            head = f"CID {r.cid} {r.name}: PubChem's computed properties (retrieved {r.retrieved})"
            table = render(computed_rows(r), OutputFormat.table, _PROPERTY_COLUMNS)
            blocks.append(f"\n{head}\n{table}")
    return "\n".join(blocks)


def _register(
    result: LookupResult,
    settings: Settings,
    pick: int | None,
    cid: int | None,
    allowed: tuple[bool, bool],
) -> None:
    """Register the candidate chosen; ``allowed``: (tautomer, stereoisomer) of a record."""
    from registry.service.registry import Registry  # SQLAlchemy: only when registering

    candidate = choose(result, pick=pick, cid=cid)
    with Registry.open(settings=settings, persistent=True) as registry:
        compound = registry.add_from_lookup(
            candidate, query=result.query, allow_tautomer=allowed[0], allow_stereoisomer=allowed[1]
        )
    numbers = ", ".join(f"{e.number} ({e.role})" for e in compound.cas) or "no CAS number"
    typer.echo(
        f"registered {compound.registry_id} {compound.name} from {candidate.source} "
        f"(CID {candidate.cid or '-'}, retrieved {candidate.retrieved or '-'}): {numbers}",
        err=True,
    )


@cache_app.command("info")
def cache_info_command() -> None:
    """Where the PubChem response cache is, its size and the dates of its answers."""
    from registry.sources.pubchem import cache_info

    info = cache_info(Settings.from_env())
    typer.echo(f"path:    {info.path}")
    typer.echo(f"entries: {info.entries}")
    typer.echo(f"size:    {info.size_bytes / 1024:.1f} KiB")
    typer.echo(f"oldest:  {info.oldest or '-'}")
    typer.echo(f"newest:  {info.newest or '-'}")


@cache_app.command("clear")
def cache_clear_command() -> None:
    """Delete every cached PubChem answer (the next lookups ask PubChem again)."""
    from registry.sources.pubchem import cache_clear

    typer.echo(f"removed {cache_clear(Settings.from_env())} cached answers")


@reference_app.command("build")
def reference_build_command(
    progress: Annotated[
        bool,
        typer.Option(
            "--progress",
            help="Show the progress bar on stderr even when it is not a terminal (it shows "
            "on a terminal anyway).",
        ),
    ] = False,
) -> None:
    """(Re)build the offline reference index from the 'chemicals' package's PubChem tables.

    The first lookup builds it when it is missing (seconds, once per installed 'chemicals');
    both show a progress bar naming each stage on a terminal's stderr.
    """
    from registry.progress import watched

    settings = Settings.from_env()
    path = build_reference(settings, progress=progress or watched())
    info = ReferenceIndex(settings, path=path).info()
    typer.echo(f"built {path}: {info.compounds} compounds, {info.names} names")


@reference_app.command("info")
def reference_info_command() -> None:
    """Where the offline reference index is, what it holds and when it was built."""
    info = ReferenceIndex(Settings.from_env()).info()
    typer.echo(f"path:      {info.path}")
    typer.echo(f"compounds: {info.compounds}")
    typer.echo(f"names:     {info.names}")
    typer.echo(f"size:      {info.size_bytes / 2**20:.1f} MiB")
    typer.echo(f"built:     {info.built}")
    typer.echo(f"sources:   {info.sources}")
