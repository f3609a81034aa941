"""Public names that a package serves from its submodules on first use.

A package whose submodules import heavy packages (RDKit, polars, SQLAlchemy) lists where each of
its names lives; importing the package then costs nothing, and the first use of a name imports
its module. The package also imports the same names under ``TYPE_CHECKING``, so type checkers
and IDEs see them typed.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def served_from(package: str, homes: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package`` serving each name of ``homes`` from its module.

    A home named ``f"{package}.{name}"`` is the submodule itself. Each value is kept in the
    package once imported, so this runs once per name.
    """
    namespace = vars(sys.modules[package])

    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(home)
        value = module if home == f"{package}.{name}" else getattr(module, name)
        namespace[name] = value
        return value

    return __getattr__
