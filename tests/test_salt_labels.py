"""`registry show` says which structure each number describes: a salt's own formula and weight
beside its parent's, whose the descriptors are."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from store_support import cli_env, db_url, registry, registry_settings  # noqa: F401
from typer.testing import CliRunner

from registry.cli import app
from registry.service import Registry

SERTRALINE = "CN[C@H]1CC[C@@H](c2ccc(Cl)c(Cl)c2)c2ccccc21"
SERTRALINE_HCL = SERTRALINE + ".Cl"


def _stored_weight(registry: Registry, query: str) -> float:
    [weight] = [p.value for p in registry.get(query).properties if p.name == "molecular_weight"]
    assert weight is not None
    return weight


def test_a_salt_gives_its_own_numbers_and_its_parents(registry: Registry) -> None:
    registry.add(SERTRALINE_HCL, name="sertraline hydrochloride", cas=["79559-97-0"])
    forms = registry.forms("sertraline hydrochloride")
    assert forms.differs
    assert forms.descriptors_of == "parent"
    salt, parent = forms.as_registered, forms.parent
    assert (salt.formula, salt.registry_id) == ("C17H18Cl3N", "REG-000001")
    assert salt.molecular_weight == pytest.approx(342.69, abs=0.01)
    assert (parent.formula, parent.smiles, parent.registry_id) == ("C17H17Cl2N", SERTRALINE, "")
    assert parent.molecular_weight == pytest.approx(306.24, abs=0.01)
    # The stored descriptors are the parent's.
    assert _stored_weight(registry, "sertraline hydrochloride") == parent.molecular_weight
    # Once the parent is registered, the salt's parent form names it.
    registry.add(SERTRALINE, name="sertraline")
    assert registry.forms("REG-000001").parent.registry_id == "REG-000002"


def test_a_plain_compound_is_one_form_without_rdkit_work(registry: Registry) -> None:
    registry.add("CCO", name="ethanol")
    forms = registry.forms("ethanol")
    assert not forms.differs
    assert forms.parent is forms.as_registered
    assert forms.as_registered.formula == "C2H6O"
    assert forms.as_registered.molecular_weight == _stored_weight(registry, "ethanol")


def test_a_charged_structure_labels_its_neutral_parent(registry: Registry) -> None:
    registry.add("CC(=O)[O-]", name="acetate")
    forms = registry.forms("acetate")
    assert forms.differs
    assert (forms.as_registered.formula, forms.parent.formula) == ("C2H3O2-", "C2H4O2")


def test_plain_compounds_never_load_rdkit_for_forms() -> None:
    code = (
        "import sys, warnings\n"
        "from registry.models import Compound, Property\n"
        "from registry.service.salt_forms import forms_of\n"
        "c = Compound('REG-000001', 'ethanol', 'CCO', formula='C2H6O', properties=("
        "Property('molecular_weight', 46.069, 'g/mol', 'rdkit'),))\n"
        "f = forms_of(c)\n"
        "print(f.as_registered.molecular_weight, 'rdkit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["46.069", "False"]


def test_show_labels_the_salt_and_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in cli_env(tmp_path).items():
        if name.startswith("REGISTRY_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'salts.sqlite'}"
    added = runner.invoke(
        app, ["add", "sertraline hydrochloride", "--smiles", SERTRALINE_HCL, "--db", db]
    )
    assert added.exit_code == 0, added.output
    shown = runner.invoke(app, ["show", "sertraline hydrochloride", "--db", db])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert "  formula:    C17H18Cl3N, 342.70 g/mol (as registered)" in lines
    assert f"  parent:     C17H17Cl2N, 306.24 g/mol: {SERTRALINE}" in lines
    [caption] = [line for line in lines if line.startswith("Descriptors")]
    assert caption.startswith("Descriptors (of the parent, C17H17Cl2N; RDKit ")
    data = json.loads(runner.invoke(app, ["show", "REG-000002", "-f", "json", "--db", db]).stdout)
    [record] = data
    assert record["formula"] == "C17H18Cl3N"
    assert record["as_registered"]["formula"] == "C17H18Cl3N"
    assert record["as_registered"]["molecular_weight"] == pytest.approx(342.697, abs=0.001)
    assert record["parent"] == {
        "smiles": SERTRALINE,
        "formula": "C17H17Cl2N",
        "molecular_weight": pytest.approx(306.236, abs=0.001),
        "exact_mass": pytest.approx(305.0738, abs=0.0001),
        "registry_id": "",
    }
    assert (record["parent_differs"], record["descriptors_of"]) == (True, "parent")
    # A compound without counter-ions shows one formula, as before.
    plain = runner.invoke(app, ["show", "milnacipran", "--db", db]).stdout.splitlines()
    assert "  formula:    C15H22N2O" in plain
    assert not any(line.startswith("  parent:") for line in plain)
    assert "Descriptors (RDKit " in "\n".join(plain)
