"""docs/notebooks.md runs as written: every ``python`` block in order, in one namespace, and
what each prints equals the ``text`` block under it (the page's pandas and polars halves).

The lookups find everything in the offline index (the session's, built once) and none may
reach PubChem, which is the local fake server in case one did.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from fake_pubchem import FakePubChem

PAGE = Path(__file__).resolve().parent.parent / "docs" / "notebooks.md"
_BLOCK = re.compile(r"^```(python|text)\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def blocks() -> list[tuple[str, str | None]]:
    """The page's code blocks, each with the output block that follows it (None: none)."""
    found = _BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    pairs: list[tuple[str, str | None]] = []
    for kind, body in found:
        if kind == "python":
            pairs.append((body, None))
        else:
            assert pairs, "an output block before any code block"
            assert pairs[-1][1] is None, "two output blocks under one code block"
            pairs[-1] = (pairs[-1][0], body)
    return pairs


def test_the_page_has_pandas_and_polars_examples_with_outputs() -> None:
    pairs = blocks()
    code = "\n".join(body for body, _ in pairs)
    assert "import pandas as pd" in code
    assert "import polars as pl" in code
    assert sum(output is not None for _, output in pairs) >= 8


def test_every_block_runs_and_prints_what_the_page_shows(
    reference_dir: Path,
    tmp_path: Path,
    pubchem: FakePubChem,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # the page's registry file is made here
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(reference_dir))
    monkeypatch.setenv("REGISTRY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REGISTRY_PUBCHEM_URL", pubchem.url)
    monkeypatch.setenv("REGISTRY_DB", f"sqlite:///{tmp_path / 'default.sqlite'}")
    namespace: dict[str, object] = {"__name__": "notebook"}
    for number, (code, expected) in enumerate(blocks(), 1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"{PAGE.name}, block {number}", "exec"), namespace)
        if expected is not None:
            assert printed.getvalue() == expected, f"block {number}:\n{code}"
    assert (tmp_path / "notebook.sqlite").is_file()
    assert pubchem.requests == []
