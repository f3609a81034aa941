"""The root typer app: version flag, error handling and exit codes shared by every command."""

from __future__ import annotations

import errno
import os
import re
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from registry import __version__
from registry.cli.output import Tables
from registry.errors import InputFileError, RegistryError

# The library's errors name Python parameters (``pick=N``, ``link=True``); a user of the command
# reads the flag that sets each. Parameter -> flag, for every parameter a library error names.
FLAGS: dict[str, str] = {
    "pick": "--pick",
    "cid": "--cid",
    "link": "--link",
    "allow_tautomer": "--allow-tautomer",
    "allow_stereoisomer": "--allow-stereoisomer",
    "as_salt_of": "--as-salt-of",
    "structure": "--smiles",
    "column": "--column",
    "min_similarity": "--min",
    "out": "--out",
    "sheet": "--sheet",
    "encoding": "--encoding",
    "limit": "--limit",
    "metric": "--metric",
    "alpha": "--alpha",
    "beta": "--beta",
    "query_format": "--query",
    "add_cas": "--add-cas",
    "remove_cas": "--remove-cas",
    "set_role": "--set-role",
    "add_synonyms": "--add-synonym",
    "remove_synonyms": "--remove-synonym",
    "add_identifiers": "--add-id",
    "remove_identifiers": "--remove-id",
    "reason": "--reason",
    "since": "--since",
    "cas_columns": "--cas-column",
    "cas_role": "--cas-role",
    "properties": "--property",
    "keep_invalid_cas": "--keep-invalid-cas",
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


_LONGEST_SHOWN = 80  # characters of a file name or value an error line quotes


def _shown(value: object) -> str:
    """``value`` for an error line: undecodable bytes escaped, long text cut."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= _LONGEST_SHOWN else text[: _LONGEST_SHOWN - 1] + "…"


def os_error_message(error: OSError) -> str:
    """One line for an operating-system refusal: what failed, on which file.

    >>> os_error_message(FileNotFoundError(2, "No such file or directory", "in.csv"))
    "No such file or directory: 'in.csv'"
    >>> os_error_message(OSError("File too large (os error 27)"))
    'File too large (os error 27)'
    """
    # polars raises OSError("File too large (os error 27)") with no errno of its own
    reason = error.strerror or (os.strerror(error.errno) if error.errno else str(error))
    reason = reason or type(error).__name__
    if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT) and error.filename is None:
        return f"cannot write the output: {reason}"
    return reason if error.filename is None else f"{reason}: {_shown(repr(error.filename))}"


def unicode_error_message(error: UnicodeError) -> str:
    """One line for text that is not what it claims to be, naming the offending bytes.

    >>> unicode_error_message(UnicodeDecodeError("utf-8", b"a\\xff", 1, 2, "invalid start byte"))
    "input is not valid utf-8 text: byte b'\\\\xff' at position 1 (invalid start byte)"
    """
    if isinstance(error, UnicodeDecodeError):
        bad = error.object[error.start : error.end]
        where = f"byte {bad!r} at position {error.start}"
        return f"input is not valid {error.encoding} text: {where} ({error.reason})"
    if isinstance(error, UnicodeEncodeError) and "surrogate" in error.reason:
        # Bytes Python could not decode (an argument or stdin that is not UTF-8).
        bad = error.object[error.start : error.end].encode("utf-8", "surrogateescape")
        return f"input is not valid UTF-8 text: bytes {bad!r}"
    return f"input is not valid text: {_shown(error)}"


def debugging() -> bool:
    """True when tracebacks should be shown (``--debug`` or ``REGISTRY_DEBUG=1``)."""
    return os.environ.get("REGISTRY_DEBUG", "") not in ("", "0")


class _RegistryGroup(TyperGroup):
    """Turns every failure into one line on stderr and its exit code; never a traceback.

    A :class:`RegistryError` is the library's own message (exit 1, or 2 for unreadable
    input); an operating-system refusal (full disk, name too long, no permission) and text
    that is not valid Unicode are input/environment errors (exit 2). Anything else is a
    defect: one ``internal error`` line (exit 2), and the traceback with ``--debug``.
    """

    def invoke(self, ctx: Any) -> Any:  # click's Context; typer vendors click from 0.2x on
        try:
            return super().invoke(ctx)
        except RegistryError as error:
            typer.echo(f"error: {in_flags(str(error))}", err=True)
            raise typer.Exit(exit_code(error)) from None
        except BrokenPipeError:
            # The reader went away (``| head``): nothing more can be said to it.
            quiet_stdout()
            raise typer.Exit(1) from None
        except UnicodeError as error:
            if debugging():
                raise
            typer.echo(f"error: {unicode_error_message(error)}", err=True)
            raise typer.Exit(2) from None
        except OSError as error:
            if debugging():
                raise
            typer.echo(f"error: {os_error_message(error)}", err=True)
            # A full disk under stdout keeps its unwritten bytes buffered: flushed again at
            # exit, they would fail again and say the same line twice.
            try:
                sys.stdout.flush()
            except OSError:
                quiet_stdout()
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:  # the last resort: a defect, reported without a traceback
            if debugging() or _is_usage_error(error):
                raise
            report_internal_error(error)
            raise typer.Exit(2) from None


def report_internal_error(error: BaseException) -> None:
    """The one line a defect gets on stderr (the traceback only with ``--debug``)."""
    typer.echo(
        f"error: internal error: {type(error).__name__}: {_shown(error)}\n"
        "Please report it; run again with --debug to see the traceback.",
        err=True,
    )


def _is_usage_error(error: Exception) -> bool:
    """click's own exceptions (bad usage, --help's exit) carry their exit code already."""
    return type(error).__module__.split(".")[0] in ("click", "typer")


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


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


def _set_debug(value: bool) -> None:
    if value:
        os.environ["REGISTRY_DEBUG"] = "1"


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
    wide: Annotated[
        bool,
        typer.Option(
            "--wide", help="Show tables whole, however wide (else they fit the terminal)."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            callback=_set_debug,
            is_eager=True,
            help="Show the Python traceback of an unexpected failure (also REGISTRY_DEBUG=1).",
        ),
    ] = False,
) -> None:
    """A chemical compound registry with CAS Registry Number validation."""
    Tables.whole = wide
