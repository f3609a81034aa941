"""Cross-checks: is a valid CAS number in a file the substance its row names?

:class:`IndexCrossCheck` is the :class:`registry.bulk.context.CrossCheck` that
:func:`validate_file` hands to :func:`registry.bulk.validate_csv`: per chunk, a few polars joins
against the offline index's tables (:class:`registry.sources.names.NameIndex`) say which rows
a source confirms, which it contradicts (``mismatch``: ``caffeine, 50-78-2`` is aspirin's
number), and which no source knows (left ``valid``, counted as not cross-checked: the index
holds 75k compounds, far fewer than exist). For numbers failing their checksum, a candidate the
row's name confirms comes first (``Phenol;180-95-2`` -> ``108-95-2``); without one, candidates a
source knows come before the rest.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import polars as pl

from registry import cas
from registry.bulk.cells import CellStatus
from registry.bulk.fixes import CONFIRMED
from registry.bulk.scan import KeySet
from registry.config import Settings
from registry.service.crosscheck_fields import field_verdicts
from registry.service.near_numbers import close_mask

if TYPE_CHECKING:
    from registry.bulk.report import Report
    from registry.sources.names import NameIndex, NameTables

# The offline index and the registry's tables are imported where first used: a file without
# a column to cross-check (the plain path) never loads them.

__all__ = ["IndexCrossCheck", "validate_file"]

# Verdicts that are one valid number, which a source can confirm or contradict.
_ONE_NUMBER = [
    CellStatus.VALID.value,
    CellStatus.NORMALISED.value,
    CellStatus.NUMBER.value,
    CellStatus.EMBEDDED.value,
]
_FAILED = [CellStatus.INVALID_CHECKSUM.value, CellStatus.INVALID_LENGTH.value]
INDEX = "offline index"
_REGISTRY = "registry"  # crosscheck_registry.REGISTRY, without importing it here
_SETS_PREFIX = "crosscheck-sets-"


class IndexCrossCheck:
    """Cross-checks against the offline index (see the module's docstring)."""

    source: str = INDEX
    kinds: tuple[str, ...] = ("name", "formula", "smiles", "inchikey")

    def __init__(
        self,
        names: NameIndex | Settings,
        *,
        always: bool = False,
        settings: Settings | None = None,
    ) -> None:
        """``names``: the offline index's tables (or the settings to find them by, read only
        when a file is checked); ``settings``: also check against the registry they name,
        where its database exists (None: the offline index alone)."""
        self._names = names
        self._settings = settings
        self._combined: NameTables | None = None
        self._sets_key = ""
        self.always = always
        self._known: frozenset[str] | None = None
        self._hashed: pl.DataFrame | None = None
        self._sets: tuple[KeySet, KeySet, KeySet] | None = None
        self._lock = threading.RLock()

    @property
    def names(self) -> NameIndex:
        """The offline index's tables."""
        if isinstance(self._names, Settings):
            from registry.sources.names import NameIndex

            self._names = NameIndex(self._names)
        return self._names

    def _tables(self) -> NameTables:
        """The offline index's tables, and the registry's where one exists (see
        :mod:`registry.service.crosscheck_registry`); ``source`` then says which."""
        from registry.service.crosscheck_registry import combined, registry_tables, tables_key

        with self._lock:
            if self._combined is None:
                index = self.names.tables()
                registry: NameTables | None = None
                if self._settings is not None:
                    registry, note = registry_tables(self._settings)
                    self.source = (
                        f"{_REGISTRY} ({note}) and {INDEX}"
                        if registry is not None
                        else f"{INDEX} ({note})"
                    )
                self._combined = combined(index, INDEX, registry)
                self._sets_key = tables_key(self.names.version, registry)
            return self._combined

    def _numbers(self) -> pl.DataFrame:
        """``hash`` (of a CAS number) and ``cid``."""
        if self._hashed is None:
            numbers = self._tables().numbers
            self._hashed = numbers.select(pl.col("cas").hash(seed=0).alias("hash"), "cid")
        return self._hashed

    def _key_sets(self) -> tuple[KeySet, KeySet, KeySet]:
        """The hashes of the index's numbers, of its names, and its name-number pairs, each
        built into a set once (a join per chunk would hash the 800k names again each time)."""
        from registry.service.crosscheck_registry import read_key_sets, save_key_sets

        with self._lock:
            if self._sets is None:
                tables = self._tables()
                cache = self.names.settings.cache_dir / f"{_SETS_PREFIX}{self._sets_key}"
                self._sets = read_key_sets(cache) or (
                    KeySet(self._numbers().get_column("hash")),
                    KeySet(tables.names.get_column("hash")),
                    KeySet(tables.pairs.get_column("key")),
                )
                save_key_sets(cache, self._sets, _SETS_PREFIX)
            return self._sets

    def start(self) -> None:
        """Load the index and build its sets on a thread of their own while the pipeline
        reads the file's first chunk; the first check waits for them (see ``_key_sets``)."""
        if self._sets is None:
            threading.Thread(target=self._warm, name="cross-check index", daemon=True).start()

    def _warm(self) -> None:
        # A failure here is not reported from this thread (the library never prints): the
        # first check does the same work again and raises it where the caller sees it.
        with contextlib.suppress(Exception):
            self._key_sets()

    def known(self) -> frozenset[str]:
        if self._known is None:
            self._known = frozenset(self._tables().numbers.get_column("cas").to_list())
        return self._known

    def prepare(self, context: Mapping[str, pl.Series]) -> Mapping[str, pl.Series]:
        """The context with ``name hash``: each name folded and hashed (the costliest step,
        which needs no verdicts)."""
        if "name" not in context:
            return context
        names = context["name"].cast(pl.String).fill_null("")
        # Lists repeat names: where fewer than half are distinct, each distinct one is folded
        # once and found again by a hash of its text (cheaper than folding every row).
        raw = names.hash(seed=0).alias("raw")
        first = raw.is_first_distinct()
        if int(first.sum()) * 2 > names.len():
            hashes = _folded_hashes(names)
        else:
            keyed = pl.DataFrame(
                [raw.filter(first), _folded_hashes(names.filter(first)).alias("hash")]
            )
            hashes = (
                raw.to_frame()
                .join(keyed, on="raw", how="left", maintain_order="left")
                .get_column("hash")
            )
        return {**context, "name hash": hashes}

    def check(
        self, cells: pl.DataFrame, values: pl.Series, context: Mapping[str, pl.Series]
    ) -> tuple[pl.DataFrame, Counter[str]]:
        if "name" in context and "name hash" not in context:
            context = self.prepare(context)
        counts: Counter[str] = Counter()
        numbers, names, pairs = self._key_sets()
        single = cells.get_column("status").is_in(_ONE_NUMBER)
        # By 64-bit hashes looked up in sets built once, cheaper than joins by text.
        number_hash = cells.get_column("canonical").hash(seed=0)
        known_rows = single & numbers.members(number_hash)
        mismatch: dict[int, tuple[str, str | None]] = {}
        confirmed = pl.Series("row", [], dtype=pl.UInt32)
        if "name" in context:
            name_hash = context["name hash"]
            recognised = known_rows & names.members(name_hash)
            agree = recognised & pairs.members(name_hash ^ number_hash)
            confirmed = agree.arg_true().cast(pl.UInt32).alias("row")
            wrong = (recognised & ~agree).arg_true().cast(pl.UInt32).alias("row")
            if wrong.len():
                known = self._known_rows(wrong, number_hash)
                mismatch.update(self._name_mismatches(wrong, cells, context["name"], known))
        notes: dict[int, list[str]] = {}
        fields = [kind for kind in ("formula", "smiles", "inchikey") if kind in context]
        if fields:
            known = self._known_rows(known_rows.arg_true().cast(pl.UInt32), number_hash)
            by_name = set(confirmed.to_list())
            extra = self._field_checks(
                fields, context, known, cells, by_name, mismatch, notes, context.get("name")
            )
            confirmed = pl.concat([confirmed, extra]).unique()
            counts["salt or ion form"] = sum(
                "salt, hydrate or ion form" in note for row in notes.values() for note in row
            )
            counts["formula differs"] = sum(
                "differs" in note for row in notes.values() for note in row
            )
        confirmed = confirmed.filter(
            ~confirmed.is_in(pl.Series(list(mismatch), dtype=pl.UInt32).implode())
        )
        counts["confirmed"] = confirmed.len()
        counts["mismatch"] = len(mismatch)
        counts["not cross-checked"] = int(single.sum()) - confirmed.len() - len(mismatch)
        columns = {name: cells.get_column(name) for name in cells.columns}
        if mismatch:
            for name in ("status", "reason", "suggestion"):
                columns[name] = columns[name].clone()
            index = pl.Series(list(mismatch), dtype=pl.UInt32)
            columns["status"].scatter(index, CellStatus.MISMATCH.value)
            columns["reason"].scatter(index, [reason for reason, _ in mismatch.values()])
            columns["suggestion"].scatter(index, [s for _, s in mismatch.values()])
        if notes:
            reason = columns["reason"] = columns["reason"].clone()
            for row, said in notes.items():
                before = reason[row]
                reason[row] = "; ".join([before, *said] if before else said)
        self._better_suggestions(
            columns, values, context.get("name"), counts, context.get("name hash")
        )
        return pl.DataFrame(list(columns.values())), counts

    def _known_rows(self, rows: pl.Series, number_hash: pl.Series) -> pl.DataFrame:
        """``row``, ``hash`` and ``cid``: the compounds of the numbers of ``rows``."""
        return pl.DataFrame([rows.alias("row"), number_hash.gather(rows).alias("hash")]).join(
            self._numbers(), on="hash", how="inner", maintain_order="left"
        )

    def _name_mismatches(
        self, wrong: pl.Series, cells: pl.DataFrame, names: pl.Series, known: pl.DataFrame
    ) -> dict[int, tuple[str, str | None]]:
        """Reason and suggestion for rows whose name the index gives another substance."""
        tables = self._tables()
        rows = pl.DataFrame([wrong.alias("row")])
        called = (
            rows.join(known.select("row", "cid"), on="row", maintain_order="left")
            .join(tables.compounds.select("cid", "name", "source"), on="cid", maintain_order="left")
            .group_by("row", maintain_order=True)
            .agg(pl.col("name").first(), pl.col("source").first())
        )
        given = rows.with_columns(
            given=names.fill_null("").gather(wrong).str.strip_chars(),
            canonical=cells.get_column("canonical").gather(wrong),
        )
        theirs = (
            self._numbers_of_names(given.select("row", key=pl.col("given")))
            .group_by("row", maintain_order=True)
            .agg(pl.col("cas").first().alias("theirs"))
        )
        found: dict[int, tuple[str, str | None]] = {}
        joined = given.join(called, on="row", how="left").join(theirs, on="row", how="left")
        for row, text, number, name, source, other in joined.select(
            "row", "given", "canonical", "name", "source", "theirs"
        ).iter_rows():
            if name is not None and _related(name, text):
                continue  # "dihydroergotamine" for "dihydroergotamine mesylate": a salt
            reason = f"{number} is {name or 'another substance'} in the {source}, not {text}"
            if other is not None:
                reason += f" ({text} is {other})"
            found[row] = (reason, other)
        return found

    def _numbers_of_names(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``row``, ``cas`` and ``cid``: the numbers of the compounds each row's ``key`` (a
        name, not yet folded; or its ``hash``, :func:`~registry.sources.names.key_hash` of it
        folded) names, best first (a negative ``cid``: the registry's)."""
        from registry.sources.names import fold_expr, key_hash

        tables = self._tables()
        if "hash" in frame.columns:  # folded and hashed already (by prepare)
            hashed = frame.drop_nulls("hash")
        else:
            hashed = (
                frame.with_columns(fold_expr(pl.col("key")).alias("key"))
                .filter(pl.col("key") != "")
                .with_columns(hash=key_hash(pl.col("key")))
            )
        # The few names asked about pick their rows out of the 800k first: a join would hash
        # the whole table for them.
        names = tables.names.filter(pl.col("hash").is_in(hashed.get_column("hash").implode()))
        return (
            hashed.join(names, on="hash", maintain_order="left")
            .join(tables.numbers, on="cid", maintain_order="left")
            .select("row", "cas", "cid")
            .unique(["row", "cas"], maintain_order=True)
        )

    def _field_checks(
        self,
        kinds: list[str],
        context: Mapping[str, pl.Series],
        known: pl.DataFrame,
        cells: pl.DataFrame,
        by_name: set[int],
        mismatch: dict[int, tuple[str, str | None]],
        notes: dict[int, list[str]],
        names: pl.Series | None,
    ) -> pl.Series:
        """The rows the formula, SMILES or InChIKey columns confirm; rows they contradict go
        into ``mismatch`` (or, where the row's name confirms the number, a note into
        ``notes``: the formula column may be the wrong one), salt forms into ``notes``.
        A row whose name shares a word with the source's name for the number counts as
        confirmed by name here (``Ergotamine D-tartrate``, ``ergotamine tartrate``: the 2:1
        salt against the 1:1)."""
        compounds = self._tables().compounds
        agree: set[int] = set()
        for kind in kinds:
            verdicts = field_verdicts(kind, context[kind], known, compounds)
            agree.update(verdicts.agree)
            for row, note in verdicts.forms.items():
                if row not in agree:
                    notes.setdefault(row, []).append(note)
                    agree.add(row)
            for row, (mine, theirs, name, source) in verdicts.different.items():
                if row in agree or row in mismatch or row in notes:
                    continue
                what = "formula" if kind != "smiles" else "the SMILES's formula"
                if row in by_name or (names is not None and _same_stem(name, names[row])):
                    notes.setdefault(row, []).append(
                        f"{what} {mine} differs from {theirs}, {name}'s in the {source}"
                    )
                    continue
                number = cells.get_column("canonical")[row]
                mismatch[row] = (
                    f"{number} is {name} ({theirs}) in the {source}, not {what} {mine}",
                    None,
                )
        return pl.Series("row", sorted(agree - mismatch.keys()), dtype=pl.UInt32)

    def _better_suggestions(
        self,
        columns: dict[str, pl.Series],
        values: pl.Series,
        names: pl.Series | None,
        counts: Counter[str],
        hashes: pl.Series | None = None,
    ) -> None:
        """For numbers failing their checksum: the one candidate the row's name confirms
        (``hashes``: the names folded and hashed, if they are);
        without a name column and with ``always``, a candidate a source knows. (Changes are
        gathered and written with one scatter per column: a Series written a row at a time
        is copied each time.)"""
        failed = columns["status"].is_in(_FAILED).arg_true()
        if not failed.len():
            return
        if names is not None:
            key = (
                hashes.gather(failed).alias("hash")
                if hashes is not None
                else names.fill_null("").gather(failed).alias("key")
            )
            matches = self._numbers_of_names(pl.DataFrame([failed.alias("row"), key]))
            given = values.cast(pl.String).gather(matches.get_column("row"))
            confirmed: dict[int, list[tuple[str, str]]] = {}
            near = matches.filter(close_mask(given, matches.get_column("cas")))
            for row, number, cid in near.iter_rows():
                source = _REGISTRY if cid is not None and cid < 0 else INDEX
                confirmed.setdefault(row, []).append((number, source))
            rows = [row for row, numbers in confirmed.items() if len(numbers) == 1]
            if not rows:
                return
            index = pl.Series(rows, dtype=pl.UInt32)
            before = columns["reason"].gather(index).to_list()
            said = names.cast(pl.String).gather(index).to_list()
            picked = [confirmed[row][0] for row in rows]
            columns["suggestion"] = (
                columns["suggestion"].clone().scatter(index, [number for number, _ in picked])
            )
            columns["reason"] = (
                columns["reason"]
                .clone()
                .scatter(
                    index,
                    [
                        f"{reason}; {str(name).strip()} is {number} in the {source}"
                        for reason, name, (number, source) in zip(before, said, picked, strict=True)
                    ],
                )
            )
            counts["suggestion confirmed"] += len(rows)
            # The one candidate the row's name confirms: what a fix may take.
            marks = pl.repeat(False, values.len(), dtype=pl.Boolean, eager=True)
            columns[CONFIRMED] = marks.scatter(index, True).alias(CONFIRMED)
            return
        if not self.always:
            # Ranking by the index costs a search per failed number (cas.suggest): only for
            # a file with no name to confirm a candidate, and only when asked for.
            return
        known = self.known()
        ranked: dict[str, str | None] = {}
        better: dict[int, str] = {}
        current = columns["suggestion"].gather(failed).to_list()
        texts = values.cast(pl.String).gather(failed).to_list()
        for row, now, text in zip(failed.to_list(), current, texts, strict=True):
            if now is not None and now in known:
                continue
            value = str(text)
            if value not in ranked:
                candidates = cas.suggest(value, known=known.__contains__)
                ranked[value] = candidates[0] if candidates and candidates[0] in known else None
            if (number := ranked[value]) is not None:
                better[row] = number
        if better:
            index = pl.Series(list(better), dtype=pl.UInt32)
            columns["suggestion"] = (
                columns["suggestion"].clone().scatter(index, list(better.values()))
            )


def _folded_hashes(names: pl.Series) -> pl.Series:
    """:func:`~registry.sources.names.key_hash` of each name folded; null where it folds to
    nothing (empty, only spaces or punctuation: it names nothing)."""
    from registry.sources.names import fold_series, key_hash

    folded = fold_series(names)
    return pl.select(pl.when(pl.lit(folded) != "").then(key_hash(pl.lit(folded)))).to_series()


def _related(name: str, given: str) -> bool:
    """Whether one name holds the other (case and punctuation aside): a salt, hydrate or
    form of the same substance (``dihydroergotamine``, ``dihydroergotamine mesylate``)."""
    mine, theirs = _NOT_WORD.sub("", given.lower()), _NOT_WORD.sub("", name.lower())
    return bool(mine and theirs) and (mine in theirs or theirs in mine)


_NOT_WORD = re.compile(r"[\W_]+")


def _same_stem(name: str, given: object) -> bool:
    """Whether the source's ``name`` and the row's name share a word of five letters or
    more (``ergotamine tartrate``, ``Ergotamine D-tartrate``)."""
    words = {word for word in _NOT_WORD.split(name.lower()) if len(word) >= 5}
    return bool(words & set(_NOT_WORD.split(str(given or "").lower())))


def validate_file(
    path: str | os.PathLike[str],
    *,
    settings: Settings | None = None,
    cross_check: bool | None = None,
    registry: bool = True,
    output: str | os.PathLike[str] | IO[str] | None = None,
    **options: Any,
) -> Report:
    """:func:`registry.bulk.validate_csv` with cross-checks against the offline index and,
    where its database exists, the registry (``settings.db_url``).

    Args:
        cross_check: None (default): on when the file has a name, formula, SMILES, InChIKey
            column (an EC column is reported, not checked: no source holds EC numbers);
            True: also without one (suggestions a source knows); False: off.
        registry: also check against the registry (a database that does not exist is not
            created: the report's source then says so).
        options: the other arguments of :func:`registry.bulk.validate_csv`.
    """
    from registry.bulk.pipeline import validate_csv

    checker = None
    if cross_check is not False:
        settings = settings or Settings.from_env()
        checker = IndexCrossCheck(
            settings,
            always=cross_check is True,
            settings=settings if registry else None,
        )
    return validate_csv(Path(path), output=output, cross_check=checker, **options)
