"""Build hooks: the curated compound records and the compiled first pass of bulk validation.

``compounds/`` at the top of the repository is the source of truth; every build copies its
record files into ``registry/_records/`` in the wheel, so ``registry show milnacipran`` works
from an installed wheel.

``registry/bulk/_scan.c`` is compiled where a C compiler is found (Linux and macOS have one, or
can); it is optional: without it the package installs and gives the same answers, its bulk
validation only slower (see ``registry.bulk.scan``). Everything else about the build is in
``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py


class BuildWithRecords(build_py):
    """``build_py`` that also copies ``compounds/*.md`` to ``registry/_records/``."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "compounds"
        target = Path(self.build_lib) / "registry" / "_records"
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(source.glob("*.md")):
            shutil.copyfile(path, target / path.name)


setup(
    cmdclass={"build_py": BuildWithRecords},
    ext_modules=[
        Extension("registry.bulk._scan", ["registry/bulk/_scan.c"], optional=True),
    ],
)
