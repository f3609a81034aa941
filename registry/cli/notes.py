"""``registry note add|show|edit|remove``: pharmacology notes attached to compounds."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from registry.cli.base import app
from registry.cli.output import OutputFormat, render
from registry.cli.registry_options import Author, Db, open_registry
from registry.errors import InputFileError
from registry.models import SUGGESTED_SECTIONS
from registry.records.note_text import DuplicateNote, NoteWarning

if TYPE_CHECKING:
    from registry.models import Note
    from registry.service.notes import NoteChange

note_app = typer.Typer(
    help="Pharmacology notes attached to compounds (add, show, edit, remove).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(note_app, name="note")

_QUERY_HELP = "Registry id, CAS number, name or InChIKey."
_SECTION_HELP = (
    f"Section: {', '.join(SUGGESTED_SECTIONS)}, or any other name (case does not count: "
    "'mechanism' is the section 'Mechanism')."
)
Query = Annotated[str, typer.Argument(help=_QUERY_HELP, metavar="QUERY")]
Number = Annotated[
    int,
    typer.Argument(help="The note's number, as 'registry note show' lists them.", metavar="N"),
]
TextOption = Annotated[
    str | None, typer.Option("--text", help="The note's Markdown text.", show_default=False)
]
FileOption = Annotated[
    str | None,
    typer.Option(
        "--file", help="Markdown file with the note ('-' reads stdin).", show_default=False
    ),
]


def _body(text: str | None, file: str | None, *, required: bool) -> str | None:
    """The note text from --text or --file (one of them; both or, when required, neither is an
    error)."""
    if text is not None and file is not None:
        raise typer.BadParameter(
            "give the note with --text or --file, not both", param_hint="--text"
        )
    if text is not None:
        return text
    if file is None:
        if required:
            raise typer.BadParameter(
                "give the note with --text TEXT or --file FILE", param_hint="--text"
            )
        return None
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_bytes().decode("utf-8")
    except OSError as error:
        raise InputFileError(f"cannot read {file}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise InputFileError(f"{file} is not UTF-8 text") from error


@contextmanager
def _told(duplicates: list[str]) -> Iterator[None]:
    """Each note warning as one ``warning:`` line on stderr; duplicates collected instead."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NoteWarning)
        yield
    for warning in caught:
        if isinstance(warning.message, DuplicateNote):
            duplicates.append(str(warning.message))
        elif isinstance(warning.message, NoteWarning):
            typer.echo(f"warning: {warning.message}", err=True)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )


@note_app.command("add")
def note_add_command(
    query: Query,
    section: Annotated[str, typer.Option("--section", help=_SECTION_HELP)],
    text: TextOption = None,
    file: FileOption = None,
    source: Annotated[
        str, typer.Option("--source", help="Where the note comes from (a citation, a URL).")
    ] = "user",
    db: Db = None,
    author: Author = None,
) -> None:
    """Attach a Markdown note to a compound under a section.

    Give the text with --text, or with --file (a file, or '-' for standard input). Citation
    markers in Markdown footnote form ([^4]) are kept as the note's citations, and a line
    '[^4]: Smith 2020.' defines one; a marker that no note of the compound defines is a
    warning. Inside a note use '###' or deeper headings ('#' and '##' delimit notes in record
    files). A note the compound has already (same section and text) is not added twice.

    Examples:

        registry note add milnacipran --section mechanism --text "Inhibits SERT[^1]." --source PMID

        registry note add milnacipran --section mechanism --file notes.md --source "PMID 123"

        echo "Taken twice daily." | registry note add REG-000001 --section usage --file -
    """
    body = _body(text, file, required=True)
    assert body is not None
    duplicates: list[str] = []
    with open_registry(db, author) as registry, _told(duplicates):
        note = registry.add_note(query, section, body, source=source)
        compound = registry.get(query)
    if duplicates:
        typer.echo(duplicates[0])
        return
    typer.echo(f"note '{note.section}' added to {compound.registry_id} ({compound.name})")


def _note_row(number: int, note: Note) -> dict[str, object]:
    return {
        "number": number,
        "section": note.section,
        "source": note.source,
        "citations": list(note.citations),
        "author": note.author,
        "created_at": note.created_at,
        "updated_at": note.updated_at,
        "body": note.body,
    }


@note_app.command("show")
def note_show_command(
    query: Query,
    section: Annotated[
        str | None, typer.Option("--section", help="Only this section (any case).")
    ] = None,
    db: Db = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table (Markdown) or json/csv.")
    ] = OutputFormat.table,
) -> None:
    """Print a compound's notes (Markdown), numbered, with their sources and citations.

    The numbers are what 'registry note edit' and 'registry note remove' take.

    Examples:

        registry note show milnacipran

        registry note show milnacipran --section mechanism -f json
    """
    with open_registry(db) as registry:
        numbered = registry.numbered_notes(query, section)
    if not numbered:
        typer.echo("no notes", err=True)
        raise typer.Exit(1)
    if fmt is OutputFormat.table:
        for number, note in numbered:
            cited = f"; cites {', '.join(note.citations)}" if note.citations else ""
            typer.echo(
                f"## {note.section}  (note {number}; source: {note.source}{cited})\n\n{note.body}\n"
            )
        return
    rows = [_note_row(number, note) for number, note in numbered]
    typer.echo(render(rows, fmt, list(rows[0])))


def _said(change: NoteChange, verb: str) -> str:
    if not change.changed:
        return f"nothing changed: note {change.number} of {change.registry_id} is as given"
    fields = ", ".join(change.changed)
    return f"note {change.number} of {change.registry_id} {verb}" + (
        f" ({fields})" if verb == "edited" else ""
    )


@note_app.command("edit")
def note_edit_command(
    query: Query,
    number: Number,
    section: Annotated[
        str | None, typer.Option("--section", help="New section.", show_default=False)
    ] = None,
    text: TextOption = None,
    file: FileOption = None,
    source: Annotated[
        str | None, typer.Option("--source", help="New source.", show_default=False)
    ] = None,
    db: Db = None,
    author: Author = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="table, json or csv.")] = (
        OutputFormat.table
    ),
) -> None:
    """Change a note: its section, its text (--text or --file) or its source.

    What is not given stays. The change is recorded in the audit trail with each field before
    and after ('registry show QUERY --history'); an edit that changes nothing records nothing.

    Examples:

        registry note edit milnacipran 2 --section "Pain models"

        registry note edit REG-000001 3 --text "Corrected text[^1]." --source "PMID 123"
    """
    body = _body(text, file, required=False)
    if section is None and body is None and source is None:
        raise typer.BadParameter(
            "nothing to change: give --section, --text (or --file) or --source", param_hint="N"
        )
    with open_registry(db, author) as registry, _told([]):
        change = registry.edit_note(query, number, section=section, body=body, source=source)
    _report(change, "edited", fmt)


@note_app.command("remove")
def note_remove_command(
    query: Query,
    number: Number,
    db: Db = None,
    author: Author = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="table, json or csv.")] = (
        OutputFormat.table
    ),
) -> None:
    """Remove a note (the audit trail keeps its text). Later notes move up one number.

    Examples:

        registry note show milnacipran --section faqs

        registry note remove milnacipran 4
    """
    with open_registry(db, author) as registry, _told([]):
        change = registry.remove_note(query, number)
    _report(change, "removed", fmt)


def _report(change: NoteChange, verb: str, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.table:
        typer.echo(_said(change, verb))
        return
    before = _note_row(change.number, change.before)
    after = _note_row(change.number, change.after) if change.after else None
    row: dict[str, object] = {
        "registry_id": change.registry_id,
        "number": change.number,
        "changed": list(change.changed),
    }
    if fmt is OutputFormat.json:
        row |= {"before": before, "after": after}
    else:  # CSV cells hold flat text
        row["changed"] = "; ".join(change.changed)
        for name in ("section", "source", "body"):
            row[f"before_{name}"] = before[name]
            row[f"after_{name}"] = after[name] if after else ""
    typer.echo(render([row], fmt, list(row)))
