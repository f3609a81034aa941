"""``registry db init|upgrade|info|index``: set up and inspect the registry database."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from registry.cli.base import app
from registry.cli.output import OutputFormat, render

db_app = typer.Typer(
    help="Set up, upgrade and inspect the registry database (SQLite or PostgreSQL).",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")

_DB_HELP = (
    "Database URL, e.g. postgresql+psycopg://user@host/registry or "
    "postgresql+psycopg:///?service=registry (default: REGISTRY_DB, else SQLite in the user "
    "data dir). Passwords are never printed."
)
Db = Annotated[str | None, typer.Option("--db", help=_DB_HELP, show_default=False)]
Fmt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]

_ORDER = (
    "created",
    "backend",
    "server_version",
    "url",
    "previous_revision",
    "schema_revision",
    "search",
    "cartridge_available",
    "compounds",
    "identifiers",
    "notes",
    "properties",
    "audit",
    "search_index",
)


def _show(info: dict[str, Any], fmt: OutputFormat) -> None:
    keys = [k for k in _ORDER if k in info] + [k for k in info if k not in _ORDER]
    if fmt is OutputFormat.table:
        rows = [{"setting": k, "value": info[k]} for k in keys]
        typer.echo(render(rows, fmt, ["setting", "value"]))
    else:
        typer.echo(render([{k: info[k] for k in keys}], fmt, keys))


@db_app.command("init")
def init_command(
    db: Db = None,
    seed: Annotated[
        bool, typer.Option("--seed/--no-seed", help="Import the bundled compound records.")
    ] = True,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Create the registry in an empty database (harmless on an existing one).

    On PostgreSQL with the RDKit cartridge installed (Debian: postgresql-15-rdkit) the
    'rdkit' extension is created and structure search runs in the database.

    Examples:

        registry db init --db postgresql+psycopg://chemist@dbhost/registry

        PGSERVICE=registry registry db init --db 'postgresql+psycopg:///?service=registry'
    """
    from registry.service.admin import init_database

    _show(init_database(db, seed=seed), fmt)


@db_app.command("upgrade")
def upgrade_command(db: Db = None, fmt: Fmt = OutputFormat.table) -> None:
    """Bring the schema to this version and add cartridge columns if the extension appeared.

    Examples:

        registry db upgrade --db postgresql+psycopg://admin@dbhost/registry
    """
    from registry.service.admin import upgrade_database

    _show(upgrade_database(db), fmt)


@db_app.command("info")
def info_command(db: Db = None, fmt: Fmt = OutputFormat.table) -> None:
    """Show the backend, schema version, counts and whether the RDKit cartridge searches.

    Examples:

        registry db info

        REGISTRY_DB=postgresql+psycopg://chemist@dbhost/registry registry db info -f json
    """
    from registry.service.admin import database_info
    from registry.service.search_admin import index_info

    _show({**database_info(db), **index_info(db)}, fmt)


@db_app.command("index")
def index_command(
    db: Db = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Delete the index and build it from the database.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="RDKit processes (default: one per CPU).", show_default=False
        ),
    ] = None,
    progress: Annotated[
        bool,
        typer.Option(
            "--progress",
            help="Show each part's progress bar on stderr even when it is not a terminal (it "
            "shows on a terminal anyway, from 4,000 compounds to add).",
        ),
    ] = False,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Build or update the structure search index of an SQLite registry now.

    Similarity and substructure search use an index kept beside the database file
    (registry.sqlite-search/). Searches update it themselves, adding new compounds and
    rebuilding it when it no longer matches the database; this command does that ahead of
    time (after a large import, say) and reports its rows and size. PostgreSQL registries
    search with the RDKit cartridge instead and have no index.

    Examples:

        registry db index

        registry db index --rebuild --workers 2 -f json
    """
    from registry.progress import watched
    from registry.service.search_admin import index_database

    shown = progress or watched()
    _show(index_database(db, rebuild=rebuild, workers=workers, progress=shown), fmt)
