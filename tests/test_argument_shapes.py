"""Issue 19, items 7 and 8: a str where a sequence belongs, and in-memory databases.

A ``str`` (or bytes) handed where the library expects a sequence of values is refused with a
``TypeError`` naming the parameter, never iterated character by character; ``add_many`` takes
plain SMILES strings as items besides ``(structure, name)`` pairs. The command line refuses a
database that lives in memory (it is discarded when the command ends); the library may still
open one on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from store_support import cli_env, registry_settings  # noqa: F401  (fixture)
from typer.testing import CliRunner

from registry.bulk import validate_many
from registry.chem import descriptors
from registry.cli import app
from registry.config import Settings
from registry.errors import StoreError
from registry.models import Identifier, Note
from registry.service import Registry
from registry.store import open_store
from registry.store.engine import in_memory

MEMORY_URLS = [
    "sqlite://",
    "sqlite:///",
    "sqlite:///:memory:",
    "sqlite+pysqlite:///:memory:",
    "sqlite:///file::memory:?uri=true",
    "sqlite:///file:scratch?mode=memory&cache=shared&uri=true",
]


@pytest.fixture
def registry(tmp_path: Path, registry_settings: Settings) -> Iterator[Registry]:
    """An empty SQLite registry on disk (no bundled records)."""
    url = f"sqlite:///{tmp_path / 'db' / 'registry.sqlite'}"
    with Registry.open(url, settings=registry_settings, seed=False) as reg:
        yield reg


def _contents(registry: Registry) -> list[tuple[str, str, str]]:
    return [(c.registry_id, c.name, c.smiles) for c in registry.list_compounds()]


# --- item 7: add_many ------------------------------------------------------------------------


def test_add_many_takes_plain_smiles_as_items(registry: Registry) -> None:
    ids, skipped = registry.add_many(["CO", "CN", "CC"], workers=1)
    assert (ids, skipped) == (["REG-000001", "REG-000002", "REG-000003"], [])
    assert _contents(registry) == [
        ("REG-000001", "CO", "CO"),
        ("REG-000002", "CN", "CN"),
        ("REG-000003", "CC", "CC"),
    ]


def test_add_many_mixes_smiles_pairs_and_absent_names(registry: Registry) -> None:
    items: list[Any] = ["CO", ("CN", "methylamine"), ["CC", "ethane"], ("CCO", None), ("OC", "x")]
    ids, skipped = registry.add_many(items, workers=1)
    assert ids == ["REG-000001", "REG-000002", "REG-000003", "REG-000004"]
    assert skipped == [(4, "same structure as input 1")]
    assert _contents(registry) == [
        ("REG-000001", "CO", "CO"),
        ("REG-000002", "methylamine", "CN"),
        ("REG-000003", "ethane", "CC"),
        ("REG-000004", "CCO", "CCO"),
    ]


@pytest.mark.parametrize("structures", ["CCO", b"CCO", bytearray(b"CCO")])
def test_add_many_refuses_a_string_for_the_batch(registry: Registry, structures: Any) -> None:
    with pytest.raises(TypeError) as raised:
        registry.add_many(structures, workers=1)
    assert str(raised.value) == (
        f"structures must be a sequence of SMILES or (structure, name) pairs, "
        f"not {type(structures).__name__}"
    )
    assert _contents(registry) == []


@pytest.mark.parametrize(
    ("item", "shown"),
    [
        (b"CO", "bytes"),
        (("CO", "a", "b"), "a tuple of 3 items"),
        (("CO",), "a tuple of 1 item"),
        ((b"CO", "methanol"), "a structure of type bytes"),
        (("CO", b"methanol"), "a name of type bytes"),
        (42, "int"),
        (None, "NoneType"),
    ],
)
def test_add_many_refuses_a_malformed_item_before_registering_any(
    registry: Registry, item: Any, shown: str
) -> None:
    with pytest.raises(TypeError) as raised:
        registry.add_many(["CCO", item], workers=1)
    assert str(raised.value) == (
        f"structures[1] must be a SMILES or a (structure, name) pair, not {shown}"
    )
    assert _contents(registry) == []


# --- item 7: add ---------------------------------------------------------------------------


@pytest.mark.parametrize("parameter", ["cas", "synonyms", "identifiers", "notes"])
@pytest.mark.parametrize("value", ["50-78-2", b"abc"])
def test_add_refuses_a_string_for_a_sequence(
    registry: Registry, parameter: str, value: str | bytes
) -> None:
    with pytest.raises(TypeError) as raised:
        registry.add("CC(=O)Oc1ccccc1C(=O)O", name="aspirin", **{parameter: value})
    assert str(raised.value) == (
        f"{parameter} must be a sequence of values, not {type(value).__name__}: "
        f"wrap a single value as [value]"
    )
    assert _contents(registry) == []


def test_add_still_takes_every_documented_sequence(registry: Registry) -> None:
    compound = registry.add(
        "CC(=O)Oc1ccccc1C(=O)O",
        name="aspirin",
        cas=["50-78-2"],
        synonyms=("acetylsalicylic acid",),
        identifiers=[Identifier("pubchem_cid", "2244")],
        notes=[Note("use", "analgesic")],
    )
    assert [e.number for e in compound.cas] == ["50-78-2"]
    assert "acetylsalicylic acid" in compound.synonyms
    assert [(i.kind, i.value) for i in compound.identifiers if i.kind == "pubchem_cid"] == [
        ("pubchem_cid", "2244")
    ]
    assert [(n.section, n.body) for n in compound.notes] == [("use", "analgesic")]


# --- item 7: validate_many and descriptors.batch ----------------------------------------------


@pytest.mark.parametrize("values", ["50-78-2", b"50-78-2", bytearray(b"50-78-2")])
def test_validate_many_refuses_a_single_string(values: Any) -> None:
    with pytest.raises(TypeError) as raised:
        validate_many(values)
    assert str(raised.value) == (
        f"values must be a sequence of values, not {type(values).__name__}: "
        "check one value with registry.cas.check"
    )


def test_validate_many_still_takes_lists_and_series() -> None:
    import polars as pl

    assert [r.canonical for r in validate_many(["50-78-2"])] == ["50-78-2"]
    assert [r.canonical for r in validate_many(pl.Series(["50-78-2"]))] == ["50-78-2"]
    assert [r.canonical for r in validate_many(("50-78-2", 50782))] == ["50-78-2", "50-78-2"]


@pytest.mark.parametrize("values", ["CCO", b"CCO"])
def test_descriptor_batch_refuses_a_single_string(values: Any) -> None:
    with pytest.raises(TypeError) as raised:
        descriptors.batch(values, workers=1)
    assert str(raised.value) == (
        f"values must be a sequence of structures, not {type(values).__name__}: "
        "describe one structure with profile() or full()"
    )


def test_descriptor_batch_refuses_a_string_for_names() -> None:
    with pytest.raises(TypeError) as raised:
        descriptors.batch(["CCO", "CCN", "CCC"], names="abc", workers=1)
    assert str(raised.value) == "names must be a sequence of str, not str"
    rows = descriptors.batch(["CCO"], names=["ethanol"], workers=1)
    assert [(r.name, r.input, r.ok) for r in rows] == [("ethanol", "CCO", True)]


# --- item 8: in-memory databases ----------------------------------------------------------


@pytest.mark.parametrize("url", MEMORY_URLS)
def test_in_memory_urls_are_recognised(url: str) -> None:
    assert in_memory(url)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///registry.sqlite",
        "sqlite:////tmp/memory.sqlite",
        "sqlite:///file:registry.sqlite?uri=true",
        "postgresql+psycopg://reg@db/registry",
        "not a url",
    ],
)
def test_file_and_server_urls_are_not_in_memory(url: str) -> None:
    assert not in_memory(url)


def test_the_library_still_opens_an_in_memory_registry(registry_settings: Settings) -> None:
    with Registry.open("sqlite://", settings=registry_settings, seed=False) as reg:
        assert reg.add("CCO", name="ethanol").registry_id == "REG-000001"
        assert reg.count() == 1


@pytest.mark.parametrize("url", MEMORY_URLS)
def test_open_store_refuses_memory_when_asked_to_persist(url: str) -> None:
    with pytest.raises(StoreError) as raised:
        open_store(url, persistent=True)
    assert str(raised.value) == (
        f"cannot use database URL {url!r}: the database is in memory and is discarded when "
        "it is closed; give a file (sqlite:///path/registry.sqlite) or a server database"
    )


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name, value in cli_env(tmp_path).items():
        if name.startswith("REGISTRY_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("REGISTRY_DB", raising=False)
    return CliRunner()


def _refused(result: Any, url: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"error: cannot use database URL {url!r}: the database is in memory and is discarded "
        "when it is closed; give a file (sqlite:///path/registry.sqlite) or a server database\n"
    )
    assert "REG-" not in result.output  # no registry id reported for a record thrown away


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite://", "sqlite:///:memory:"])
def test_cli_add_refuses_an_in_memory_database(cli: CliRunner, url: str) -> None:
    _refused(cli.invoke(app, ["add", "CCO", "--db", url]), url)


def test_cli_add_refuses_an_in_memory_database_from_the_environment(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_DB", "sqlite://")
    _refused(cli.invoke(app, ["add", "CCO"]), "sqlite://")


@pytest.mark.parametrize(
    "args",
    [
        ["note", "add", "milnacipran", "--section", "use", "--file", "-"],
        ["import", str(Path(__file__).resolve().parent.parent / "compounds")],
        ["list"],
        ["show", "milnacipran"],
        ["search", "fibromyalgia"],
    ],
)
def test_cli_commands_that_open_the_registry_refuse_memory(cli: CliRunner, args: list[str]) -> None:
    _refused(cli.invoke(app, [*args, "--db", "sqlite://"], input="x\n"), "sqlite://")


def test_cli_add_on_a_file_database_still_registers(cli: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = cli.invoke(app, ["add", "CCO", "--name", "ethanol", "--db", url])
    assert result.exit_code == 0, result.output
    assert "ethanol" in result.output
    with Registry.open(url, seed=False) as reg:
        assert reg.get("ethanol").smiles == "CCO"


def test_cli_lookup_add_refuses_an_in_memory_database(cli: CliRunner) -> None:
    result = cli.invoke(app, ["lookup", "aspirin", "--offline", "--add", "--db", "sqlite://"])
    table, _, error = result.output.rpartition("error: ")
    assert "aspirin" in table  # what was found is shown; registering it is refused
    assert result.exit_code == 1
    assert error.startswith("cannot use database URL 'sqlite://': the database is in memory")
    assert "registered" not in result.output
    assert "REG-" not in result.output


def test_cli_db_init_refuses_an_in_memory_database(cli: CliRunner) -> None:
    _refused(cli.invoke(app, ["db", "init", "--db", "sqlite://"]), "sqlite://")


def test_lookups_take_their_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, reference_dir: Path, tmp_path: Path
) -> None:
    import registry

    monkeypatch.setenv("REGISTRY_DATA_DIR", str(reference_dir))
    monkeypatch.setenv("REGISTRY_DB", f"sqlite:///{tmp_path / 'registry.sqlite'}")
    monkeypatch.setenv("REGISTRY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REGISTRY_OFFLINE", "1")
    (one,) = registry.lookup_many(["50-78-2"])
    assert one.found
    assert one.candidates[0].name.lower() == "aspirin"
    assert registry.lookup("50-78-2").candidates == one.candidates
    with pytest.raises(TypeError, match=r"look one query up with registry\.lookup"):
        registry.lookup_many("aspirin")
