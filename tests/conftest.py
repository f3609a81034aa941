"""Shared fixtures: a fake PubChem server and settings pointing at it with tiny timings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_pubchem import FakePubChem

from registry.config import Settings


@pytest.fixture(scope="session")
def fake_pubchem() -> Iterator[FakePubChem]:
    with FakePubChem(stall_seconds=1.0) as server:
        yield server


@pytest.fixture
def pubchem(fake_pubchem: FakePubChem) -> FakePubChem:
    fake_pubchem.reset()
    return fake_pubchem


@pytest.fixture(scope="session")
def reference_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir per session, so the offline index is built once."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def settings(pubchem: FakePubChem, reference_dir: Path, tmp_path: Path) -> Settings:
    """Fresh cache, shared index, fake PubChem, timeouts and backoff small enough for tests."""
    return Settings.from_env(
        {},
        data_dir=reference_dir,
        cache_dir=tmp_path / "cache",
        db_url=f"sqlite:///{tmp_path / 'registry.sqlite'}",
        pubchem_url=pubchem.url,
        pubchem_timeout=0.3,
        pubchem_retries=3,
        pubchem_backoff=0.02,
        pubchem_max_wait=3.0,
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("REGISTRY_ONLINE_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="talks to the real PubChem; set REGISTRY_ONLINE_TESTS=1")
    for item in items:
        if "online" in item.keywords:
            item.add_marker(skip)
