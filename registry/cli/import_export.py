"""``registry import|export``: record files and structure files in, record files and tables out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from registry.cli.base import app
from registry.cli.registry_options import Author, Db, open_registry
from registry.errors import ValidationError

if TYPE_CHECKING:
    from registry.service.record_files import ExportFormat


@app.command("import")
def import_command(
    source: Annotated[
        str | None,
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
    Importing the same files again changes nothing and says so. A file holding a compound
    another file holds is refused (the file whose import made it keeps it, else the first):
    the rest is imported, each refusal is named on stderr, and the exit status is 1.

    A structure file (.sdf, .csv/.tsv, .smi) is registered in batches of --batch-size rows, each
    committed with a checkpoint: after an interruption, the same command continues after the
    last committed batch, and structures already registered are skipped, never doubled.

    Examples:

        registry import compounds/

        registry import

        registry import library.sdf --progress --db postgresql+psycopg://chemist@dbhost/registry

        registry import vendors.csv --column SMILES --name-column "Catalog ID"
    """
    if source is not None and not source.strip():
        raise typer.BadParameter("an empty path names nothing", param_hint="DIR|FILE")
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
                batch_size=batch_size,
                restart=restart,
                progress=step if progress else None,
            )
        typer.echo(outcome.summary())
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

    An unchanged imported record is written back byte for byte.

    Examples:

        registry export --format md --out compounds/

        registry export --format sdf > registry.sdf

        registry export milnacipran --format json
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
