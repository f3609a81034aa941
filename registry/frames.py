"""DataFrames of results, in the frame library the caller works in.

Every result that is a table offers ``to_frame()``, ``to_polars()`` and ``to_pandas()`` with
the same column names in either library (:class:`Tabular`). ``to_frame()`` follows the input:

- a batch call (``validate_many``, ``descriptors.batch``, ``lookup_many``) given a pandas
  Series answers in pandas, given a polars Series in polars, and given a list in polars unless
  it was called with ``frame="pandas"``;
- the registry's own results (``Registry.search``, ``Registry.list_compounds``,
  ``Registry.get``), which take no column, answer in pandas from ``to_frame()`` as they always
  have; ``to_polars()`` is there for polars users.

polars is a base dependency; pandas is optional (``pip install 'registry[pandas]'``). Cells are
flat: a compound's CAS numbers are one text (:func:`registry.models.joined_cas`) with a list
column beside it, and nothing is a nested object.

Standard library only at import: polars and pandas are imported when a frame is built. This
module also says what a missing value is (:func:`is_missing`), the one rule every batch call
uses to give a missing value the status ``empty``.

>>> rows = {"query": ["caffeine", "aspirin"], "cid": [2519, 2244]}
>>> build(rows, "polars").columns
['query', 'cid']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "FRAME_LIBRARIES",
    "FrameLibrary",
    "Tabular",
    "as_pandas",
    "build",
    "chosen",
    "is_missing",
    "library_of",
    "pandas_module",
]

FrameLibrary = Literal["polars", "pandas"]
FRAME_LIBRARIES: tuple[FrameLibrary, ...] = ("polars", "pandas")


def library_of(values: object) -> FrameLibrary | None:
    """``"pandas"`` or ``"polars"`` for a Series, DataFrame or Index of that library, else None.

    Known by the type's module, so neither library is imported to ask.

    >>> library_of(["a"]) is None
    True
    """
    top = type(values).__module__.split(".", 1)[0]
    return "pandas" if top == "pandas" else "polars" if top == "polars" else None


def chosen(frame: str | None, values: object = None) -> FrameLibrary:
    """The library a batch call answers in: ``frame`` when given, else the input's, else polars.

    Raises:
        ValueError: ``frame`` is neither ``"polars"`` nor ``"pandas"``.

    >>> chosen(None, ["a"]), chosen("pandas", ["a"])
    ('polars', 'pandas')
    """
    if frame is None:
        return library_of(values) or "polars"
    if frame == "polars":
        return "polars"
    if frame == "pandas":
        return "pandas"
    raise ValueError(f"frame must be 'polars' or 'pandas', not {frame!r}")


def is_missing(value: object) -> bool:
    """True for a missing value: None, a float NaN (numpy's too), pandas' ``NA`` and ``NaT``.

    A polars null arrives as None. Text is never missing here, not even ``""``: each batch call
    says what it makes of blank text.

    >>> [is_missing(v) for v in (None, float("nan"), 0.0, "", "nan")]
    [True, True, False, False, False]
    """
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    kind = type(value)
    return kind.__name__ in ("NAType", "NaTType") and kind.__module__.startswith("pandas")


def pandas_module() -> Any:
    """pandas, or an ImportError that says how to install it (it is an optional extra)."""
    try:
        import pandas  # type: ignore[import-untyped,unused-ignore]
    except ImportError as error:
        raise ImportError(
            "pandas is not installed: pip install 'registry[pandas]', or use to_polars()"
        ) from error
    return pandas


Columns = Mapping[str, Sequence[Any]]


def build(
    columns: Columns,
    library: FrameLibrary,
    *,
    lists: Sequence[str] = (),
    types: Mapping[str, str] | None = None,
) -> Any:
    """A DataFrame of ``columns`` (name -> values, all of one length) in ``library``.

    ``lists`` names the columns whose cells are lists (of text); ``types`` gives a column's
    type by name (``str``, ``int``, ``float``, ``bool``), so that a column that is all missing,
    or a table with no rows, has the same type as a full one. Any other column with nothing in
    it is text.
    """
    frame = _polars_frame(columns, lists, types or {})
    if library == "pandas":
        return as_pandas(frame)
    return frame


def _polars_frame(columns: Columns, lists: Sequence[str], types: Mapping[str, str]) -> pl.DataFrame:
    import polars as pl

    kinds: dict[str, Any] = {
        "str": pl.String,
        "int": pl.Int64,
        "float": pl.Float64,
        "bool": pl.Boolean,
    }
    data = {name: list(values) for name, values in columns.items()}
    fixed: dict[str, Any] = {}
    for name, values in data.items():
        if name in lists:
            fixed[name] = pl.List(pl.String)
        elif name in types:
            fixed[name] = kinds[types[name]]
        elif all(value is None for value in values):
            fixed[name] = pl.String  # text, as such a column is when anything is in it
    return pl.DataFrame(data, schema_overrides=fixed, strict=False)


def as_pandas(frame: pl.DataFrame) -> Any:
    """A polars frame as a pandas one, without pyarrow: list cells become Python lists,
    missing numbers NaN (or pandas' NA in an integer column), missing text None."""
    import polars as pl

    pd = pandas_module()
    data: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        series = frame.get_column(name)
        if dtype.is_integer() and series.null_count():
            data[name] = pd.array(series.to_list(), dtype="Int64")
        elif dtype == pl.Boolean and series.null_count():
            data[name] = pd.array(series.to_list(), dtype="boolean")
        elif dtype.is_numeric() or dtype == pl.Boolean:
            data[name] = series.to_numpy()
        else:
            data[name] = pd.Series(series.to_list(), dtype=object)
    return pd.DataFrame(data, columns=list(frame.columns))


class Tabular:
    """``to_frame()``, ``to_polars()`` and ``to_pandas()`` for a result that is a table.

    A subclass gives its columns (:meth:`frame_columns`), which columns hold lists
    (``FRAME_LISTS``) and the types of columns that may be all missing (``FRAME_TYPES``);
    ``frame_library`` is what ``to_frame()`` gives (see the module's rule): ``FRAME_DEFAULT``
    unless the result remembers its input's library.
    """

    __slots__ = ()

    FRAME_LISTS: ClassVar[tuple[str, ...]] = ()
    FRAME_TYPES: ClassVar[Mapping[str, str]] = {}
    FRAME_DEFAULT: ClassVar[FrameLibrary] = "polars"

    @property
    def frame_library(self) -> FrameLibrary:
        """What ``to_frame()`` gives: the input's library (or polars, or pandas for the
        registry's own results)."""
        return self.FRAME_DEFAULT

    def frame_columns(self) -> dict[str, list[Any]]:
        raise NotImplementedError

    def to_polars(self) -> pl.DataFrame:
        """The table as a polars DataFrame."""
        return cast("pl.DataFrame", self._frame("polars"))

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame (pandas must be installed)."""
        return self._frame("pandas")

    def to_frame(self, frame: FrameLibrary | None = None) -> Any:
        """The table in the library of the input (see :mod:`registry.frames`), or ``frame``."""
        return self._frame(chosen(frame or self.frame_library))

    def _frame(self, library: FrameLibrary) -> Any:
        return build(
            self.frame_columns(),
            library,
            lists=self.FRAME_LISTS,
            types=self.FRAME_TYPES,
        )
