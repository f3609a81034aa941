"""The ``registry`` command: a thin typer layer over the library.

Each feature's commands live in their own module here and register on the one ``app``. The
console script imports only the module of the command being run, so ``registry cas`` never pays
for the imports of ``registry lookup`` or ``registry descriptors``; ``--help`` and unknown
commands load them all. ``from registry.cli import app`` gives the fully loaded app.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

__all__ = ["COMMAND_MODULES", "app", "load_commands", "main"]

# Top-level command (or command group) -> the module under registry.cli that registers it.
COMMAND_MODULES: dict[str, str] = {
    "cas": "cas",
    "validate": "validate",
    "descriptors": "chem",
    "draw": "chem",
    "lookup": "lookup",
    "cache": "lookup",
    "reference": "lookup",
    "add": "compounds",
    "show": "compounds",
    "list": "compounds",
    "search": "search",
    "note": "notes",
    "import": "import_export",
    "export": "import_export",
    "db": "db",
    "properties": "properties",
    "enrich": "properties",
    "edit": "edits",
    "retire": "edits",
    "merge": "edits",
    "history": "edits",
}


def load_commands(modules: Iterable[str] | None = None) -> typer.Typer:
    """Import the given command modules (all when None) and return the root app."""
    from registry.cli.base import app

    wanted = dict.fromkeys(COMMAND_MODULES.values()) if modules is None else modules
    for module in wanted:
        importlib.import_module(f"registry.cli.{module}")
    return app


def main() -> None:
    """Entry point of the ``registry`` console script."""
    # Runs after every other exit handler: with all objects frozen, the interpreter's last
    # garbage collections skip them instead of walking everything a command loaded (polars,
    # RDKit) once more on the way out (docs/performance.md).
    atexit.register(gc.freeze)
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    module = COMMAND_MODULES.get(command or "")
    if "--debug" in sys.argv[1:]:  # seen before the app parses it: loading a command may fail
        os.environ["REGISTRY_DEBUG"] = "1"
    try:
        load_commands(None if module is None else [module])(prog_name="registry")
    except Exception as error:  # a defect outside any command (loading one): still one line
        from registry.cli.base import debugging, report_internal_error

        if debugging():
            raise
        report_internal_error(error)
        sys.exit(2)
    finally:
        _flush_output()


def _flush_output() -> None:
    """Flush stdout now, so that a full disk or a closed pipe is one error line, not a traceback
    printed by the interpreter's own last flush."""
    from registry.cli.base import os_error_message, quiet_stdout

    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
        sys.exit(1)
    except OSError as error:
        quiet_stdout()
        sys.stderr.write(f"error: {os_error_message(error)}\n")
        sys.exit(2)


def __getattr__(name: str) -> Any:
    if name == "app":
        app = load_commands()
        globals()["app"] = app
        return app
    raise AttributeError(f"module 'registry.cli' has no attribute {name!r}")
