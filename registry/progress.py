"""Progress of long calls: ``progress=True`` (a bar), a callback, or nothing.

Long library calls (``descriptors.batch``, ``lookup_many``, ``validate_csv``,
``Registry.add_many`` and ``import_structures``, the helpers of :mod:`registry.pandas`) take
``progress``: ``True`` shows a ``tqdm.auto`` bar, which renders as a widget in a Jupyter
notebook and as text on stderr in a terminal; a callable is called as ``progress(done,
total)``; ``False`` or None shows nothing. The one-off build of the offline reference index
shows its bar unasked where someone is watching (:func:`watched`: stderr is a terminal, or a
notebook), since it pauses for seconds the first time.

Standard library only at import; tqdm is imported when a bar is shown.

>>> seen = []
>>> with reporting(lambda done, total: seen.append((done, total)), 2, "demo") as step:
...     step(1, 2)
...     step(2, 2)
>>> seen
[(1, 2), (2, 2)]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["Progress", "ProgressOption", "Stages", "Step", "reporting", "watched"]

_T = TypeVar("_T")

Progress = Callable[[int, int], None]
"""A progress callback: ``progress(done, total)``."""
ProgressOption = bool | Progress | None
"""What ``progress=`` takes: True (a bar), a callback, or False/None (nothing)."""


class Step:
    """A callback ``(done, total)`` that moves a tqdm bar, and can say what is being done."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def __call__(self, done: int, total: int) -> None:
        if total != self.bar.total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def describe(self, text: str) -> None:
        """Change the words in front of the bar (the stage of the work)."""
        self.bar.set_description_str(text)


class Stages:
    """Work in stages as one count of 100: each stage says what it does (in front of a bar
    that can say it) and moves the count to where it starts; :meth:`reading` and
    :meth:`counted` move it within a stage."""

    def __init__(self, step: Progress, prefix: str = "") -> None:
        self.step = step
        self.prefix = prefix
        self.done = 0

    def _move(self, done: int) -> None:
        if done > self.done:
            self.done = done
            self.step(done, 100)

    def stage(self, start: int, words: str) -> None:
        """A stage begins at ``start`` (of 100), doing ``words``."""
        describe = getattr(self.step, "describe", None)
        if describe is not None:
            describe(self.prefix + words)
        self._move(start)

    def reading(self, total: int, end: int) -> Callable[[int], None]:
        """A callback ``read(n)`` for ``n`` more of ``total`` bytes read, moving the count to
        ``end`` when all are (for a reader that reports as it goes)."""
        start, state = self.done, [0]

        def read(amount: int) -> None:
            state[0] += amount
            self._move(min(end, start + (end - start) * state[0] // max(1, total)))

        return read

    def counted(self, items: Sequence[_T], end: int) -> Iterator[_T]:
        """``items``, one at a time, moving the count to ``end`` as they are taken (counted
        only where someone hears: a Python step per item costs a C loop over them)."""
        if self.step is _silent:
            return iter(items)
        return self._counting(items, end)

    def _counting(self, items: Sequence[_T], end: int) -> Iterator[_T]:
        start = self.done
        every = max(1, len(items) // max(1, end - start))
        for number, item in enumerate(items, 1):
            if number % every == 0:
                self._move(min(end, start + number // every))
            yield item
        self._move(end)


def _silent(done: int, total: int) -> None:
    return None


@contextmanager
def reporting(
    progress: ProgressOption, total: int, description: str, *, unit: str = "it"
) -> Iterator[Progress]:
    """A callback for the work's progress, closed when the work ends.

    ``progress=True`` gives a :class:`Step` moving a ``tqdm.auto`` bar of ``total`` units on
    stderr (or a notebook widget), labelled ``description``; a callable is given back as it is;
    False or None gives a callback that does nothing.
    """
    if progress is True:
        from tqdm.auto import tqdm

        # A count of hundredths shows as a percentage alone, without a rate.
        shape = "{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}" if unit == "%" else None
        bar = tqdm(total=total, desc=description, unit=unit, file=sys.stderr, bar_format=shape)
        try:
            yield Step(bar)
        finally:
            bar.close()
    elif callable(progress):
        yield progress
    elif progress is None or progress is False:
        yield _silent
    else:
        raise TypeError(
            f"progress must be True, False, None or a callable, not {type(progress).__name__}"
        )


def watched() -> bool:
    """Whether someone sees a bar shown unasked: stderr is a terminal, or this is a notebook."""
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):  # a replaced or closed stderr
        pass
    return in_notebook()


def in_notebook() -> bool:
    """True inside a Jupyter kernel, where stderr is no terminal but a bar still renders."""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    return get is not None and type(get()).__name__ == "ZMQInteractiveShell"
