"""The root typer app: version flag, error handling and exit codes shared by every command."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from registry import __version__
from registry.errors import RegistryError


class _RegistryGroup(TyperGroup):
    """Turns any :class:`RegistryError` into one line on stderr and its exit code."""

    def invoke(self, ctx: Any) -> Any:  # click's Context; typer vendors click from 0.2x on
        try:
            return super().invoke(ctx)
        except RegistryError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None


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
