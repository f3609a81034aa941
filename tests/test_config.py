"""Settings come from the environment, overrides win, nothing is mutable."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from registry.config import PUBCHEM_URL, Settings


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.offline is False
    assert settings.pubchem_url == PUBCHEM_URL
    assert settings.db_url == f"sqlite:///{settings.data_dir / 'registry.sqlite'}"
    assert settings.pubchem_timeout == 30.0


def test_environment_is_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "REGISTRY_DATA_DIR": str(tmp_path / "data"),
            "REGISTRY_CACHE_DIR": str(tmp_path / "cache"),
            "REGISTRY_OFFLINE": "Yes",
            "REGISTRY_PUBCHEM_URL": "http://127.0.0.1:9/rest/pug/",
            "REGISTRY_PUBCHEM_TIMEOUT": "2.5",
            "REGISTRY_AUTHOR": "a.chemist",
            "REGISTRY_DB": "postgresql+psycopg://db.example/registry",
        }
    )
    assert settings.data_dir == tmp_path / "data"
    assert settings.cache_dir == tmp_path / "cache"
    assert settings.offline is True
    assert settings.pubchem_url == "http://127.0.0.1:9/rest/pug"
    assert settings.pubchem_timeout == 2.5
    assert settings.author == "a.chemist"
    assert settings.db_url == "postgresql+psycopg://db.example/registry"


def test_overrides_win_and_none_does_not(tmp_path: Path) -> None:
    settings = Settings.from_env({"REGISTRY_OFFLINE": "1"}, offline=False, db_url=None)
    assert settings.offline is False
    assert settings.db_url.startswith("sqlite:///")


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.offline = True  # type: ignore[misc]
    assert settings.replace(offline=True).offline is True


def test_overridden_data_dir_moves_the_default_database(tmp_path: Path) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path / "d")
    assert settings.data_dir == tmp_path / "d"
    assert settings.db_url == f"sqlite:///{tmp_path / 'd' / 'registry.sqlite'}"
    # the override also beats REGISTRY_DATA_DIR; an explicit database still wins over both
    env = {"REGISTRY_DATA_DIR": str(tmp_path / "env")}
    assert Settings.from_env(env, data_dir=tmp_path / "d").db_url.endswith("/d/registry.sqlite")
    explicit = {**env, "REGISTRY_DB": "sqlite:///elsewhere.sqlite"}
    assert (
        Settings.from_env(explicit, data_dir=tmp_path / "d").db_url == "sqlite:///elsewhere.sqlite"
    )
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert Settings.from_env({}, data_dir=tmp_path / "d", db_url=url).db_url == url
