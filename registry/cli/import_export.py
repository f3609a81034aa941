"""``registry import|export``: record files and structure files in, record files and tables out."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from registry.cli.base import app, in_flags
from registry.cli.registry_options import (
    AllowStereoisomer,
    AllowTautomer,
    Author,
    Db,
    open_registry,
)
from registry.errors import ValidationError

if TYPE_CHECKING:
    from registry.service.record_files import ExportFormat
    from registry.service.structure_import import StructureImportReport


_SHOWN_DETAILS = 50  # refused rows, conflicts and warnings printed before "... N more"


def _cas_columns(given: list[str] | None, role: str) -> dict[str, str] | None:
    """``--cas-column COL`` or ``COL:ROLE`` options as column -> role."""
    from registry.models import CAS_ROLES

    if not given:
        return None
    roles: dict[str, str] = {}
    for text in given:
        column, _, suffix = text.rpartition(":")
        if column and suffix.strip() in CAS_ROLES:
            roles[column] = suffix.strip()
        else:
            roles[text] = role
    return roles


@app.command("import")
def import_command(
    source: Annotated[
        str | None,
        typer.Argument(
            help="A directory of *.md record files (default: the bundled records), or a "
            "structure file to bulk-register: .sdf, .csv/.tsv, .smi, .xlsx, or a .json export.",
            metavar="DIR|FILE",
        ),
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress", help="Report progress on stderr as it goes in.")
    ] = False,
    column: Annotated[
        str | None, typer.Option("--column", help="Table: the structure column (default: found).")
    ] = None,
    name_column: Annotated[
        str | None,
        typer.Option("--name-column", help="Table: the name column; SDF: a tag (default: found)."),
    ] = None,
    cas_column: Annotated[
        list[str] | None,
        typer.Option(
            "--cas-column",
            help="A column of CAS numbers, COL or COL:ROLE; repeatable (default: found as "
            "'registry validate' finds it, by header, else by content).",
        ),
    ] = None,
    cas_role: Annotated[
        str, typer.Option("--cas-role", help="The role of those numbers: parent, salt, hydrate...")
    ] = "parent",
    keep_property: Annotated[
        list[str] | None,
        typer.Option(
            "--property",
            help="Keep only this column as a property; repeatable (default: every other column).",
        ),
    ] = None,
    keep_invalid_cas: Annotated[
        bool,
        typer.Option(
            "--keep-invalid-cas",
            help="Import a row whose CAS number fails its check, without that number "
            "(default: the row is not imported).",
        ),
    ] = False,
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="Workbook: the sheet (default: the first with structures)."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Structure files: rows per transaction.")
    ] = 5000,
    restart: Annotated[
        bool,
        typer.Option("--restart", help="Structure files: ignore the checkpoint of an earlier run."),
    ] = False,
    allow_tautomer: AllowTautomer = False,
    allow_stereoisomer: AllowStereoisomer = False,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Structure files: the report as text or json.")
    ] = "text",
    db: Db = None,
    author: Author = None,
) -> None:
    """Import compound record files, or bulk-register a structure file with all its columns.

    Record files (YAML front matter + Markdown notes) go in all or nothing: every file is
    checked first; a malformed one is reported with its path and line and nothing is imported.
    Importing the same files again changes nothing and says so. A file holding a compound
    another file holds is refused (the file whose import made it keeps it, else the first):
    the rest is imported, each refusal is named on stderr, and the exit status is 1.

    A structure file (.sdf, .csv/.tsv, .smi, .xlsx, or a registry's .json export) keeps every
    column: CAS numbers (each checked by its check digit; a cell may hold several, as
    "50-78-2 (parent); 69-46-5 (salt)"), identifiers (PubChem CID, InChIKey, UNII, ChEMBL,
    DrugBank), synonyms, notes, and every other column or SD tag as a property whose source is
    the file. A row with a CAS number that fails its check is not imported (--keep-invalid-cas:
    imported without it); a number another compound holds is not attached; both are named with
    their line on stderr, and the exit status is 1. Rows go in batches of --batch-size, each
    committed with a checkpoint: after an interruption, the same command continues after the
    last committed batch. Structures already registered get the row's new numbers and values;
    importing an unchanged file again changes nothing.

    Examples:

        registry import compounds/

        registry import team.csv --cas-column "CAS No." --cas-role parent

        registry import salts.xlsx --cas-column "Salt CAS:salt" --property project

        registry import library.sdf --progress --db postgresql+psycopg://chemist@dbhost/registry

        registry import export.json --db sqlite:///copy.sqlite
    """
    if source is not None and not source.strip():
        raise typer.BadParameter("an empty path names nothing", param_hint="DIR|FILE")
    if fmt not in ("text", "json"):
        raise typer.BadParameter(f"{fmt!r}: choose text or json", param_hint="--format")
    path = None if source is None else Path(source)
    if path is not None and path.is_file():

        def step(done: int, total: int) -> None:
            typer.echo(f"imported {done}/{total} rows", err=True)
            sys.stderr.flush()

        with open_registry(db, author) as registry:
            outcome = registry.import_structures(
                path,
                column=column,
                name_column=name_column,
                cas_columns=_cas_columns(cas_column, cas_role),
                cas_role=cas_role,
                properties=keep_property,
                keep_invalid_cas=keep_invalid_cas,
                sheet=sheet,
                batch_size=batch_size,
                restart=restart,
                progress=step if progress else None,
                allow_tautomer=allow_tautomer,
                allow_stereoisomer=allow_stereoisomer,
            )
        _print_structure_report(outcome, fmt)
        if not outcome.complete:
            raise typer.Exit(1)  # what was imported stays; what was not is named above
        return

    def report(done: int, total: int, slug: str) -> None:
        typer.echo(f"importing {done}/{total} {slug}", err=True)
        sys.stderr.flush()

    with open_registry(db, author) as registry:
        result = registry.import_records(path, progress=report if progress else None)
    typer.echo(result.summary())
    for reason in result.refused.values():
        typer.echo(f"refused: {reason}", err=True)
    if result.refused:
        raise typer.Exit(1)  # what was imported stays; what was not is not silent


def _print_structure_report(outcome: StructureImportReport, fmt: str) -> None:
    if fmt == "json":
        data = asdict(outcome) | {"complete": outcome.complete}
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(outcome.summary())
    if outcome.columns:
        uses = "; ".join(use.describe() for use in outcome.columns)
        typer.echo(f"columns: {in_flags(uses)}", err=True)
    details = outcome.details()
    for line in details[:_SHOWN_DETAILS]:
        typer.echo(line, err=True)
    if len(details) > _SHOWN_DETAILS:
        typer.echo(
            f"... and {len(details) - _SHOWN_DETAILS} more (--format json lists all)", err=True
        )


@app.command("export")
def export_command(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="md (record files), json, csv or sdf.")
    ] = "md",
    out: Annotated[
        str | None,
        typer.Option("--out", help="Directory to write into (md needs one; others: stdout)."),
    ] = None,
    query: Annotated[
        list[str] | None,
        typer.Argument(help="Only these compounds (default: all).", metavar="QUERY"),
    ] = None,
    db: Db = None,
) -> None:
    """Write the registry out as record files (md) or as one json/csv/sdf file.

    Every format holds every CAS number with its role, identifier, synonym, note and property
    with its source; 'registry import' of the export into an empty registry gives the same
    registry back. CSV is flat text: CAS numbers as "92623-85-3 (parent); 101152-94-7 (salt)",
    one column per property ("molecular_weight [source: rdkit]"), notes as Markdown sections,
    sources in a JSON 'provenance' column (docs/import_export.md). An unchanged imported record
    is written back byte for byte.

    Examples:

        registry export --format md --out compounds/

        registry export --format sdf > registry.sdf

        registry export milnacipran --format json

        registry export --format csv > team.csv; registry import team.csv --db sqlite:///copy.db
    """
    if out is not None and not out.strip():
        raise typer.BadParameter("an empty path names nothing", param_hint="--out")
    if out is not None and Path(out).is_file():
        raise typer.BadParameter(
            f"{out!r} is a file: give the directory to write into", param_hint="--out"
        )
    if fmt not in ("md", "json", "csv", "sdf"):
        raise ValidationError(f"unknown export format {fmt!r} (md, json, csv, sdf)")
    with open_registry(db) as registry:
        result = registry.export(cast("ExportFormat", fmt), out, queries=query)
    if isinstance(result, str):
        sys.stdout.write(result)
    else:
        typer.echo(f"wrote {len(result)} file(s) to {out}")
