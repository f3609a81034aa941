"""The ``registry`` command: a thin typer layer over the library.

Each feature's commands live in their own module here and register on the one ``app``.
"""

from registry.cli import cas as _cas  # noqa: F401  (registers its commands)
from registry.cli import chem as _chem  # noqa: F401  (registers descriptors, draw)
from registry.cli import db as _db  # noqa: F401  (registers db init|upgrade|info)
from registry.cli import lookup as _lookup  # noqa: F401  (registers its commands)
from registry.cli import registry_cmds as _registry_cmds  # noqa: F401
from registry.cli import validate as _validate  # noqa: F401
from registry.cli.app import app, main

__all__ = ["app", "main"]
