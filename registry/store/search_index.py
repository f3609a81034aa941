"""The files of the structure search index that sits beside an SQLite registry.

For ``registry.sqlite`` the index is the directory ``registry.sqlite-search/``:

* ``manifest.json``: what each part of the index holds: its segment files, the compounds it
  covers (every compound up to ``covered_max_id``: how many, and the registration hashes of the
  first and of the last), and the ``engine`` that computed it (RDKit version, fingerprints).
* ``<part>-<random>.seg``: segments, each a header and arrays that are memory-mapped, never read
  whole. The ``similarity`` part holds compound ids, Morgan rows and their bit counts; the
  ``substructure`` part compound ids, pattern rows and the molecule pickles (offsets + bytes).
* ``offered-<random>.seg``: substructure entries a bulk registration computed, by stored SMILES
  (no compound ids), with the ``engine`` that computed them in the header. They are no part of
  the index: the next catch-up takes the entries of the SMILES it adds from them, then deletes
  them (:meth:`IndexFiles.offer`, :meth:`IndexFiles.offers`).

What the arrays mean is :mod:`registry.chem.screening`'s business; this module only stores them.
Every change writes new files under an exclusive lock (``lock``), each written to a temporary
name, flushed to disk and renamed; the manifest is replaced last. A crash at any point leaves the
previous manifest and the segments it names, or the new ones, never a mix. A manifest or segment
that cannot be read, or whose sizes disagree with the manifest, makes :meth:`IndexFiles.load`
return None: the caller rebuilds, the user never sees an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from sqlalchemy import Engine

__all__ = [
    "FORMAT",
    "MAX_SEGMENTS",
    "Coverage",
    "IndexFiles",
    "Part",
    "index_directory",
]

#: The layout version of the files; another version is rebuilt, never read.
FORMAT = 1
#: Segments a part may have before they are merged into one.
MAX_SEGMENTS = 8
_MAGIC = b"REGSRCH1"
_ALIGN = 64
_MANIFEST = "manifest.json"
_OFFERED = "offered"

Arrays = Mapping[str, "npt.NDArray[Any]"]


def index_directory(engine: Engine) -> Path | None:
    """Where the index of this database lives: beside an SQLite file, else nowhere (None)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).resolve().parent / f"{Path(database).name}-search"


@dataclass(frozen=True, slots=True)
class Coverage:
    """The compounds a part covers: all those with an id up to ``max_id``."""

    max_id: int = 0
    count: int = 0
    first_hash: str = ""
    last_hash: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "max_id": self.max_id,
            "count": self.count,
            "first_hash": self.first_hash,
            "last_hash": self.last_hash,
        }


@dataclass(slots=True)
class Part:
    """One part of the index as loaded: its coverage and the arrays of each segment."""

    kind: str
    coverage: Coverage
    segments: list[dict[str, Any]] = field(default_factory=list)
    arrays: list[dict[str, npt.NDArray[Any]]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(int(s["rows"]) for s in self.segments)

    @property
    def bytes(self) -> int:
        return sum(int(s["bytes"]) for s in self.segments)


class IndexFiles:
    """The index directory of one database."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    # --- reading ------------------------------------------------------------------------------

    def manifest(self) -> dict[str, Any] | None:
        """The manifest, or None when it is missing, unreadable or of another format."""
        try:
            data = json.loads((self.directory / _MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        if not isinstance(data.get("parts"), dict) or not isinstance(data.get("engine"), dict):
            return None
        return data

    def load(self, kind: str, engine: Mapping[str, Any]) -> Part | None:
        """The part ``kind`` memory-mapped, or None (missing, damaged, other engine)."""
        manifest = self.manifest()
        if manifest is None or manifest["engine"] != dict(engine):
            return None
        entry = manifest["parts"].get(kind)
        try:
            coverage = Coverage(**entry["coverage"])
            part = Part(kind, coverage, list(entry["segments"]))
            for segment in part.segments:
                arrays = self._read_segment(segment)
                if arrays is None:
                    return None
                part.arrays.append(arrays)
        except (TypeError, KeyError, ValueError):
            return None
        return part

    def _read_segment(self, segment: Mapping[str, Any]) -> dict[str, npt.NDArray[Any]] | None:
        path = self.directory / str(segment["file"])
        read = self._read_file(path)
        if read is None:
            return None
        header, size, arrays = read
        if size != int(segment["bytes"]) or header.get("rows") != int(segment["rows"]):
            return None
        return arrays

    def _read_file(
        self, path: Path
    ) -> tuple[dict[str, Any], int, dict[str, npt.NDArray[Any]]] | None:
        """(header, size, arrays memory-mapped) of a segment file; None when damaged."""
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(16)
                if len(head) != 16 or head[:8] != _MAGIC:
                    return None
                header = json.loads(handle.read(int.from_bytes(head[8:], "little")))
            arrays = self._mapped(path, size, header)
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return (header, size, arrays) if arrays is not None else None

    def _mapped(
        self, path: Path, size: int, header: Mapping[str, Any]
    ) -> dict[str, npt.NDArray[Any]] | None:
        import numpy as np

        arrays: dict[str, npt.NDArray[Any]] = {}
        for spec in header["arrays"]:
            shape = tuple(int(n) for n in spec["shape"])
            dtype = np.dtype(spec["dtype"])
            end = int(spec["offset"]) + dtype.itemsize * int(np.prod(shape, dtype=np.int64))
            if end > size:
                return None
            if 0 in shape:
                arrays[spec["name"]] = np.zeros(shape, dtype=dtype)
                continue
            arrays[spec["name"]] = np.memmap(
                path, dtype=dtype, mode="r", offset=int(spec["offset"]), shape=shape
            )
        return arrays

    # --- writing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """An exclusive lock on the index (one writer at a time; readers never wait)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # no flock (Windows): writes still replace files atomically
            yield
            return
        with (self.directory / "lock").open("a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def store(
        self,
        kind: str,
        engine: Mapping[str, Any],
        coverage: Coverage,
        arrays: Arrays,
        *,
        after: Coverage | None,
        merged: Arrays | None = None,
    ) -> bool:
        """Record new arrays for ``kind`` covering up to ``coverage``; False when not written.

        ``after`` None replaces the part with one segment of ``arrays``. Otherwise ``arrays``
        are the rows after ``after`` and are appended as a segment, but only if the part on
        disk still covers exactly ``after`` (another process may have moved it on meanwhile);
        ``merged``, the whole part's arrays, replaces every segment when there would be more
        than :data:`MAX_SEGMENTS`. Raises OSError when the directory cannot be written.
        """
        with self.locked():
            manifest = self.manifest()
            if manifest is None or manifest["engine"] != dict(engine):
                manifest = {"format": FORMAT, "engine": dict(engine), "parts": {}}
                if after is not None:
                    return False
            entry = manifest["parts"].get(kind)
            old: list[dict[str, Any]] = list(entry["segments"]) if entry else []
            if after is not None:
                if entry is None or Coverage(**entry["coverage"]) != after:
                    return False
                if len(old) + 1 > MAX_SEGMENTS and merged is not None:
                    segments = [self._write_segment(kind, merged)]
                else:
                    segments = [*old, self._write_segment(kind, arrays)]
            else:
                segments = [self._write_segment(kind, arrays)]
            manifest["parts"][kind] = {"coverage": coverage.to_json(), "segments": segments}
            self._write_atomically(
                _MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode()
            )
            self._remove_unlisted(manifest)
        return True

    def offer(self, engine: Mapping[str, Any], arrays: Arrays) -> None:
        """Keep entries computed by ``engine`` for the next catch-up (see the module docstring).

        Raises OSError when the directory cannot be written.
        """
        with self.locked():
            self._write_segment(_OFFERED, arrays, {"engine": dict(engine)})
            _sync_directory(self.directory)

    def offers(self, engine: Mapping[str, Any]) -> list[tuple[Path, dict[str, npt.NDArray[Any]]]]:
        """Every offer of ``engine``, oldest first, with its file; the others are deleted (an
        offer is renamed into place whole, so one that cannot be read is damaged)."""
        found = []
        with contextlib.suppress(OSError):
            paths = sorted(self.directory.glob(f"{_OFFERED}-*.seg"), key=_modified)
            for path in paths:
                read = self._read_file(path)
                if read is not None and read[0].get("engine") == dict(engine):
                    found.append((path, read[2]))
                else:
                    path.unlink(missing_ok=True)
        return found

    def withdraw(self, paths: Iterable[Path]) -> None:
        """Delete offers (their entries are in the index now)."""
        for path in paths:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def remove(self) -> None:
        """Delete every file of the index (``registry db index --rebuild`` starts from none)."""
        if not self.directory.exists():
            return
        with self.locked():
            for path in self.directory.iterdir():
                if path.name != "lock":
                    path.unlink(missing_ok=True)

    def _write_segment(
        self, kind: str, arrays: Arrays, extra: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        rows = len(next(iter(arrays.values())))
        specs: list[dict[str, Any]] = []
        offset = 0
        for name, array in arrays.items():
            specs.append(
                {"name": name, "dtype": array.dtype.str, "shape": list(array.shape), "offset": 0}
            )
        # The header's length depends on the offsets it lists: lay out with room to spare.
        fields = {**(extra or {}), "rows": rows, "arrays": specs}
        header_room = len(json.dumps(fields)) + 64 * len(specs) + 64
        offset = _aligned(16 + header_room)
        for spec, array in zip(specs, arrays.values(), strict=True):
            spec["offset"] = offset
            offset = _aligned(offset + array.nbytes)
        header = json.dumps(fields).encode()
        header = header.ljust(header_room)
        name = f"{kind}-{secrets.token_hex(6)}.seg"
        temporary = self.directory / f".{name}.tmp"
        with temporary.open("wb") as handle:
            handle.write(_MAGIC + len(header).to_bytes(8, "little") + header)
            for spec, array in zip(specs, arrays.values(), strict=True):
                handle.seek(int(spec["offset"]))
                _write_array(handle, array)
            handle.truncate(offset)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.directory / name)
        return {"file": name, "rows": rows, "bytes": offset}

    def _write_atomically(self, name: str, data: bytes) -> None:
        temporary = self.directory / f".{name}.{secrets.token_hex(4)}.tmp"
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.directory / name)
        _sync_directory(self.directory)

    def _remove_unlisted(self, manifest: Mapping[str, Any]) -> None:
        # Under the lock: files of no manifest are left-overs of a replaced part or a crash
        # (offers are not the manifest's: the catch-up that uses them deletes them).
        listed = {s["file"] for p in manifest["parts"].values() for s in p["segments"]}
        for path in self.directory.iterdir():
            if path.name in (_MANIFEST, "lock") or path.name in listed:
                continue
            if path.name.startswith(f"{_OFFERED}-") and path.suffix == ".seg":
                continue
            path.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    return path.stat().st_mtime


def _aligned(offset: int) -> int:
    return (offset + _ALIGN - 1) // _ALIGN * _ALIGN


def _write_array(handle: Any, array: np.ndarray[Any, Any]) -> None:
    import numpy as np

    data = np.ascontiguousarray(array)
    step = max(1, (64 << 20) // max(1, data.itemsize * (data[0].size if data.ndim > 1 else 1)))
    for start in range(0, len(data), step):
        handle.write(data[start : start + step].tobytes())


def _sync_directory(directory: Path) -> None:
    # The rename itself reaches the disk only when the directory is synced (POSIX).
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
