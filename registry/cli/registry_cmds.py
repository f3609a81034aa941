"""``registry add|show|list|search|note|import|export``: the compound registry from the shell."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from registry.cli.base import app
from registry.cli.output import OutputFormat, render
from registry.errors import InputFileError, ValidationError

if TYPE_CHECKING:
    from registry.models import Compound
    from registry.service import Registry

_DB_HELP = "Registry database URL (default: REGISTRY_DB, else SQLite in the user data dir)."
_AUTHOR_HELP = "Who the audit trail records for this change (default: REGISTRY_AUTHOR or OS user)."

Db = Annotated[str | None, typer.Option("--db", help=_DB_HELP, show_default=False)]
Author = Annotated[str | None, typer.Option("--author", help=_AUTHOR_HELP, show_default=False)]
Fmt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def _open(db: str | None, author: str | None = None) -> Registry:
    from registry.config import Settings
    from registry.service import Registry

    return Registry.open(db, settings=Settings.from_env(), author=author)


def _hits(hits: Any, fmt: OutputFormat) -> None:
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
    from registry.config import Settings
    from registry.models import CasEntry
    from registry.service import LookupResolver, Registry

    entries = [CasEntry(number, cas_role, "", source) for number in cas or []]
    settings = Settings.from_env(offline=True if offline else None)
    resolver = LookupResolver(settings)
    with Registry.open(db, settings=settings, author=author, resolver=resolver) as registry:
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
    typer.echo(render([compound.summary()], fmt, _SUMMARY))


_SUMMARY = ("registry_id", "name", "formula", "cas", "parent_id", "inchikey")


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
    if compound.properties:
        rows = [
            {
                "descriptor": p.name,
                "value": f"{p.value:g}" if p.value is not None else "",
                "unit": p.unit,
            }
            for p in compound.properties
        ]
        version = compound.properties[0].toolkit_version
        lines += [f"Descriptors ({version}):", render(rows, OutputFormat.table, list(rows[0])), ""]
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
    with _open(db) as registry:
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
    with _open(db) as registry:
        compounds = registry.list_compounds(limit=limit)
    typer.echo(render([c.summary() for c in compounds], fmt, _SUMMARY))


@app.command("search")
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
    min_similarity: Annotated[
        float, typer.Option("--min", help="Lowest Tanimoto similarity for --similar.")
    ] = 0.7,
    substructure: Annotated[
        str | None, typer.Option("--substructure", help="SMARTS: compounds containing it.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many hits.")] = 100,
    db: Db = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Search the registry by text, by similarity or by substructure (one of them).

    Examples:

        registry search fibromyalgia

        registry search --similar "CCN(CC)C(=O)C1(CC1CN)c1ccccc1" --min 0.5

        registry search --substructure "C1CC1C(=O)N"

    Exit status 1 when nothing is found.
    """
    if sum(v is not None for v in (text, similar, substructure)) != 1:
        raise typer.BadParameter("give TEXT, --similar SMILES or --substructure SMARTS (one)")
    with _open(db) as registry:
        hits = registry.search(
            text,
            similar=similar,
            min_similarity=min_similarity,
            substructure=substructure,
            limit=limit,
        )
    _hits(hits, fmt)


note_app = typer.Typer(
    help="Pharmacology notes attached to compounds (add, show).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(note_app, name="note")


@note_app.command("add")
def note_add_command(
    query: Annotated[
        str, typer.Argument(help="Registry id, CAS number, name or InChIKey.", metavar="QUERY")
    ],
    section: Annotated[
        str,
        typer.Option(
            "--section",
            help="Section: usage, mechanism, side effects, pharmacokinetics, research, FAQs, "
            "or any other name.",
        ),
    ],
    file: Annotated[
        str, typer.Option("--file", help="Markdown file with the note ('-' reads stdin).")
    ],
    source: Annotated[
        str, typer.Option("--source", help="Where the note comes from (a citation, a URL).")
    ] = "user",
    db: Db = None,
    author: Author = None,
) -> None:
    """Attach a Markdown note to a compound under a section.

    Citation markers in Markdown footnote form ([^4]) are kept as the note's citations.
    Inside a note use '###' or deeper headings ('#' and '##' delimit notes in record files).

    Examples:

        registry note add milnacipran --section mechanism --file notes.md --source "PMID 123"

        echo "Taken twice daily." | registry note add REG-000001 --section usage --file -
    """
    if file == "-":
        body = sys.stdin.read()
    else:
        try:
            body = Path(file).read_bytes().decode("utf-8")
        except OSError as error:
            raise InputFileError(f"cannot read {file}: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise InputFileError(f"{file} is not UTF-8 text") from error
    with _open(db, author) as registry:
        note = registry.add_note(query, section, body, source=source)
        compound = registry.get(query)
    typer.echo(f"note '{note.section}' added to {compound.registry_id} ({compound.name})")


@note_app.command("show")
def note_show_command(
    query: Annotated[
        str, typer.Argument(help="Registry id, CAS number, name or InChIKey.", metavar="QUERY")
    ],
    section: Annotated[str | None, typer.Option("--section", help="Only this section.")] = None,
    db: Db = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table (Markdown) or json/csv.")
    ] = OutputFormat.table,
) -> None:
    """Print a compound's notes (Markdown), with their sources and citations.

    Examples:

        registry note show milnacipran

        registry note show milnacipran --section mechanism
    """
    with _open(db) as registry:
        notes = registry.notes(query, section)
    if not notes:
        typer.echo("no notes", err=True)
        raise typer.Exit(1)
    if fmt is OutputFormat.table:
        for note in notes:
            cited = f"; cites {', '.join(note.citations)}" if note.citations else ""
            typer.echo(f"## {note.section}  (source: {note.source}{cited})\n\n{note.body}\n")
        return
    rows = [
        {
            "section": n.section,
            "source": n.source,
            "citations": list(n.citations),
            "author": n.author,
            "created_at": n.created_at,
            "body": n.body,
        }
        for n in notes
    ]
    typer.echo(render(rows, fmt, list(rows[0])))


@app.command("import")
def import_command(
    source: Annotated[
        Path | None,
        typer.Argument(
            help="A directory of *.md record files (default: the bundled records), or a "
            "structure file to bulk-register: .sdf, .csv/.tsv or .smi.",
            metavar="DIR|FILE",
        ),
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress", help="Report progress on stderr as it goes in.")
    ] = False,
    column: Annotated[
        str | None, typer.Option("--column", help="CSV: the structure column (default: found).")
    ] = None,
    name_column: Annotated[
        str | None, typer.Option("--name-column", help="CSV: the name column (default: found).")
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Structure files: rows per transaction.")
    ] = 5000,
    restart: Annotated[
        bool,
        typer.Option("--restart", help="Structure files: ignore the checkpoint of an earlier run."),
    ] = False,
    db: Db = None,
    author: Author = None,
) -> None:
    """Import compound record files, or bulk-register a large structure file.

    Record files (YAML front matter + Markdown notes) go in all or nothing: every file is
    checked first; a malformed one is reported with its path and line and nothing is imported.
    Importing the same files again changes nothing and says so.

    A structure file (.sdf, .csv/.tsv, .smi) is registered in batches of --batch-size rows, each
    committed with a checkpoint: after an interruption, the same command continues after the
    last committed batch, and structures already registered are skipped, never doubled.

    Examples:

        registry import compounds/

        registry import

        registry import library.sdf --progress --db postgresql+psycopg://chemist@dbhost/registry

        registry import vendors.csv --column SMILES --name-column "Catalog ID"
    """
    if source is not None and source.is_file():
        from registry.service.structure_import import import_structures

        def step(done: int, total: int) -> None:
            typer.echo(f"imported {done}/{total} rows", err=True)
            sys.stderr.flush()

        with _open(db, author) as registry:
            outcome = import_structures(
                registry,
                source,
                column=column,
                name_column=name_column,
                batch_size=batch_size,
                restart=restart,
                progress=step if progress else None,
            )
        typer.echo(outcome.summary())
        return

    def report(done: int, total: int, slug: str) -> None:
        typer.echo(f"importing {done}/{total} {slug}", err=True)
        sys.stderr.flush()

    with _open(db, author) as registry:
        result = registry.import_records(source, progress=report if progress else None)
    typer.echo(result.summary())


@app.command("export")
def export_command(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="md (record files), json, csv or sdf.")
    ] = "md",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory to write into (md needs one; others: stdout)."),
    ] = None,
    query: Annotated[
        list[str] | None,
        typer.Argument(help="Only these compounds (default: all).", metavar="QUERY"),
    ] = None,
    db: Db = None,
) -> None:
    """Write the registry out as record files (md) or as one json/csv/sdf file.

    An unchanged imported record is written back byte for byte.

    Examples:

        registry export --format md --out compounds/

        registry export --format sdf > registry.sdf

        registry export milnacipran --format json
    """
    if fmt not in ("md", "json", "csv", "sdf"):
        raise ValidationError(f"unknown export format {fmt!r} (md, json, csv, sdf)")
    with _open(db) as registry:
        result = registry.export(fmt, out, queries=query)  # type: ignore[arg-type]
    if isinstance(result, str):
        sys.stdout.write(result)
    else:
        typer.echo(f"wrote {len(result)} file(s) to {out}")
