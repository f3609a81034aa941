"""The root typer app: version flag, error handling and exit codes shared by every command."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from registry import __version__
from registry.errors import InputFileError, RegistryError

# The library's errors name Python parameters (``pick=N``, ``link=True``); a user of the command
# reads the flag that sets each. Parameter -> flag, for every parameter a library error names.
FLAGS: dict[str, str] = {
    "pick": "--pick",
    "cid": "--cid",
    "link": "--link",
    "as_salt_of": "--as-salt-of",
    "structure": "--smiles",
    "column": "--column",
    "min_similarity": "--min",
    "out": "--out",
}
_PARAMETER = re.compile(r"\b(" + "|".join(FLAGS) + r")=(True\b)?")


def in_flags(message: str) -> str:
    """A library message with each ``parameter=`` it names written as the command's flag.

    >>> in_flags("choose one with pick=N or cid=CID; or use link=True")
    'choose one with --pick N or --cid CID; or use --link'
    """
    return _PARAMETER.sub(
        lambda m: FLAGS[m.group(1)] + ("" if m.group(2) else " "),
        message,
    )


def exit_code(error: RegistryError) -> int:
    """2 for input the command cannot read at all (as for usage errors), else 1."""
    return 2 if isinstance(error, InputFileError) else 1


class _RegistryGroup(TyperGroup):
    """Turns any :class:`RegistryError` into one line on stderr and its exit code."""

    def invoke(self, ctx: Any) -> Any:  # click's Context; typer vendors click from 0.2x on
        try:
            return super().invoke(ctx)
        except RegistryError as error:
            typer.echo(f"error: {in_flags(str(error))}", err=True)
            raise typer.Exit(exit_code(error)) from None


app = typer.Typer(
    cls=_RegistryGroup,
    name="registry",
    help=(
        "A chemical compound registry with CAS Registry Number validation.\n\n"
        "Exit status: 0 when everything checked is valid, 1 when something is invalid or not "
        "found, 2 for usage errors and unreadable input."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"registry {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """A chemical compound registry with CAS Registry Number validation."""
