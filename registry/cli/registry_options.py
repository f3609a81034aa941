"""Options and helpers shared by the commands that open the registry database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from registry.cli.output import OutputFormat
from registry.config import Settings

if TYPE_CHECKING:
    from registry.service.registry import Registry

__all__ = ["SUMMARY", "AllowStereoisomer", "AllowTautomer", "Author", "Db", "Fmt", "open_registry"]

_DB_HELP = "Registry database URL (default: REGISTRY_DB, else SQLite in the user data dir)."
_AUTHOR_HELP = "Who the audit trail records for this change (default: REGISTRY_AUTHOR or OS user)."

Db = Annotated[str | None, typer.Option("--db", help=_DB_HELP, show_default=False)]
Author = Annotated[str | None, typer.Option("--author", help=_AUTHOR_HELP, show_default=False)]
Fmt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
AllowTautomer = Annotated[
    bool,
    typer.Option(
        "--allow-tautomer",
        help="Register a tautomer of a registered compound (or of an earlier input); refused "
        "by default.",
    ),
]
AllowStereoisomer = Annotated[
    bool,
    typer.Option(
        "--allow-stereoisomer",
        help="Register a stereoisomer of one (an enantiomer pair); refused by default.",
    ),
]

#: The columns of a compound's one-row summary (add, list).
SUMMARY = ("registry_id", "name", "formula", "cas", "parent_id", "inchikey")


def open_registry(db: str | None, author: str | None = None) -> Registry:
    """The registry at ``db`` (default: the settings' database), changes audited as ``author``.

    Never an in-memory database (StoreError): each command runs in a process of its own, so
    one would be discarded when the command ends, a registration with it, after its registry
    id was printed, and a read would show the bundled records as if they were the registry.
    """
    from registry.service.registry import Registry  # SQLAlchemy: only when a command runs

    return Registry.open(db, settings=Settings.from_env(), author=author, persistent=True)
