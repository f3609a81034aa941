"""``registry cas``: validate CAS Registry Numbers given on the command line or stdin."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from registry import cas
from registry.cli.base import app
from registry.cli.output import OutputFormat, render

_COLUMNS = ("input", "canonical", "status", "reason", "suggestion")
_SHOWN_SUGGESTIONS = 3


def _row(result: cas.CasCheck) -> dict[str, Any]:
    suggestions = (
        cas.suggest(result.input) if result.status is cas.CasStatus.INVALID_CHECKSUM else []
    )
    return {
        "input": result.input,
        "canonical": result.canonical,
        "valid": result.is_valid,
        "status": str(result.status),
        "reason": result.reason,
        "normalisations": list(result.normalisations),
        "expected_check_digit": result.expected_check_digit,
        "suggestions": suggestions,
        "suggestion": suggestions[:_SHOWN_SUGGESTIONS],
    }


@app.command("cas")
def cas_command(
    numbers: Annotated[
        list[str],
        typer.Argument(
            help="CAS numbers to check; '-' reads one per line from standard input.",
            show_default=False,
            metavar="NUMBER...",
        ),
    ],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Accept only the canonical form NNNNNNN-NN-N, unchanged."),
    ] = False,
) -> None:
    """Check CAS Registry Numbers by their check digit.

    Each value is normalised the way real files need (whitespace, Unicode dashes, 'CAS No.'
    prefixes, missing hyphens, leading zeros) and every change is reported. A number that fails
    its checksum gets the valid numbers one keystroke away as suggestions.

    Examples:

        registry cas 50-78-2 101312-07-6

        registry cas "CAS No. 7732 18 5" 50-78-3 --format json

        cut -d, -f2 list.csv | registry cas - --format csv

    Exit status: 0 when all are valid, 1 when any is invalid, 2 on usage errors.
    """
    values: list[str] = []
    for number in numbers:
        if number == "-":
            values.extend(line.rstrip("\r\n") for line in sys.stdin)
        else:
            values.append(number)
    if not values:
        raise typer.BadParameter(
            "no numbers given (standard input was empty)", param_hint="NUMBERS"
        )
    results = [cas.check(value, strict=strict) for value in values]
    typer.echo(render([_row(r) for r in results], fmt, _COLUMNS))
    if not all(r.is_valid for r in results):
        raise typer.Exit(1)
