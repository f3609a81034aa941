"""``progress=`` on the long library calls that read files or register many structures: True
draws a ``tqdm`` bar on stderr, a callable hears the count as it goes, to the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import registry
from registry.service import Registry

SMILES = ["CCO", "CC(=O)O", "c1ccccc1", "CCN", "CCCl", "OCCO", "CC(C)O", "CCOC(C)=O"]


@pytest.fixture
def empty_registry(tmp_path: Path) -> Iterator[Registry]:
    with Registry.open(f"sqlite:///{tmp_path / 'r.sqlite'}", seed=False) as reg:
        yield reg


def test_validate_csv_progress_bar_and_callback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.csv"
    path.write_text("cas\n" + "50-78-2\n64-17-5\n" * 500, encoding="utf-8")
    heard: list[tuple[int, int]] = []
    report = registry.validate_csv(path, progress=lambda d, t: heard.append((d, t)))
    assert report.rows == 1000
    assert heard[-1] == (1000, 1000)
    registry.validate_csv(path, progress=True)
    drawn = capsys.readouterr().err
    assert "validating list.csv" in drawn
    assert "1000/1000" in drawn


def test_import_structures_progress_counts_committed_batches(
    empty_registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "set.smi"
    path.write_text("\n".join(f"{s} m{i}" for i, s in enumerate(SMILES)) + "\n", encoding="utf-8")
    heard: list[tuple[int, int]] = []
    report = empty_registry.import_structures(
        path, batch_size=3, with_descriptors=False, progress=lambda d, t: heard.append((d, t))
    )
    assert report.added == len(SMILES)
    assert heard == [(0, 8), (3, 8), (6, 8), (8, 8)]
    empty_registry.import_structures(path, restart=True, with_descriptors=False, progress=True)
    drawn = capsys.readouterr().err
    assert "importing set.smi" in drawn
    assert "8/8" in drawn


def test_add_many_progress_hears_every_structure(
    empty_registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    heard: list[tuple[int, int]] = []
    added, refused = empty_registry.add_many(
        SMILES[:5], with_descriptors=False, progress=lambda d, t: heard.append((d, t))
    )
    assert (len(added), refused) == (5, [])
    assert heard[-1] == (5, 5)
    assert [total for _, total in heard] == [5] * len(heard)
    added, refused = empty_registry.add_many(SMILES[5:], with_descriptors=False, progress=True)
    assert len(added) == 3
    drawn = capsys.readouterr().err
    assert "registering" in drawn
    assert "3/3" in drawn
