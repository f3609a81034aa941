"""Record files on disk: reading them, listing a directory, safe names, the bundled records."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from registry.errors import InputFileError, RecordFileError, RegistryError, ValidationError
from registry.records.markdown import Record, parse

__all__ = ["bundled_records_dir", "iter_record_files", "problems", "read", "safe_path"]

# A record file's stem: it names the file and the file's default source, never a path.
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def bundled_records_dir() -> Path:
    """The record files that ship with the package (``compounds/`` in a checkout).

    A built package holds them in ``registry/_records/`` (``setup.py`` copies them there).
    """
    package = Path(__file__).resolve().parents[1]
    inside = package / "_records"
    if inside.is_dir():
        return inside
    return package.parent / "compounds"


def safe_path(directory: Path, slug: str) -> Path:
    """``directory/slug.md``, refusing any slug that would put the file elsewhere.

    >>> safe_path(Path("compounds"), "milnacipran").as_posix()
    'compounds/milnacipran.md'
    >>> safe_path(Path("compounds"), "../secret")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    registry.errors.ValidationError: unsafe record file name '../secret' ...
    """
    if not _SLUG.match(slug) or ".." in slug:
        raise ValidationError(
            f"unsafe record file name {slug!r} (use letters, digits, '-', '.', '_')"
        )
    path = directory / f"{slug}.md"
    if path.resolve().parent != directory.resolve():
        raise ValidationError(f"record file {path} would be outside {directory}")
    return path


def read(path: Path) -> tuple[Record, str]:
    """The record in a file and the file's exact text."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordFileError(f"{path}:1: not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise RecordFileError(f"{path}:1: cannot read ({error.strerror})") from error
    slug = path.name[: -len(".md")]
    if not _SLUG.match(slug):
        raise RecordFileError(
            f"{path}:1: record file names use lowercase letters, digits, '-', '.', '_'"
        )
    return parse(text, slug=slug, path=str(path)), text


def iter_record_files(directory: Path) -> Iterator[Path]:
    """The ``*.md`` files directly in ``directory``, sorted; none may lead outside it."""
    if not directory.exists():
        raise InputFileError(f"{directory}: no such file or directory")
    if not directory.is_dir():
        raise RecordFileError(f"{directory}:0: not a directory of record files")
    root = directory.resolve()
    for path in sorted(directory.glob("*.md")):
        if path.resolve().parent != root:
            raise RecordFileError(f"{path}:0: links outside {directory}; not imported")
        yield path


def problems(paths: Sequence[Path]) -> tuple[list[tuple[Path, Record, str]], list[str]]:
    """Read every file; returns the good records and one message per bad file.

    Two files may give the same name (the registry holds different compounds under one name,
    so an export of it must import back); two files holding the same compound are the
    importer's to settle, once structures are known.
    """
    good: list[tuple[Path, Record, str]] = []
    bad: list[str] = []
    for path in paths:
        try:
            record, text = read(path)
        except RegistryError as error:
            bad.append(str(error))
            continue
        good.append((path, record, text))
    return good, bad
