"""The query arguments shared by ``registry lookup`` and ``registry properties``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from registry.errors import InputFileError

__all__ = ["ManyFile", "Queries", "read_queries"]

Queries = Annotated[
    list[str] | None,
    typer.Argument(
        help="Names, CAS numbers, CIDs, InChIKeys, InChIs or SMILES.",
        show_default=False,
        metavar="QUERY...",
    ),
]
ManyFile = Annotated[
    Path | None,
    typer.Option("--many", help="A file with one query per line ('-' for stdin)."),
]


def read_queries(path: Path) -> list[str]:
    """One query per line of a file ('-' for stdin); blank lines and ``#`` comments skipped."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"cannot read {path}: {error}") from error
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
