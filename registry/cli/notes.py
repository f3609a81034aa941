"""``registry note add|show``: pharmacology notes attached to compounds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from registry.cli.base import app
from registry.cli.output import OutputFormat, render
from registry.cli.registry_options import Author, Db, open_registry
from registry.errors import InputFileError

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
    with open_registry(db, author) as registry:
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
    with open_registry(db) as registry:
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
