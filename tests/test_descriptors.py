"""registry.chem.descriptors: the default profile, the full set, rule checks and the batch."""

from __future__ import annotations

import json
import math

import pytest
from rdkit import Chem, rdBase
from rdkit.Chem import QED, Crippen, Descriptors

from registry.chem import descriptors
from registry.descriptor_models import Descriptors as DescriptorSet
from registry.errors import InvalidStructure

MILNACIPRAN = "CCN(CC)C(=O)C1(CC1CN)c1ccccc1"
MILNACIPRAN_HCL = MILNACIPRAN + ".Cl"
RITONAVIR = (
    "CC(C)C1=NC(=CS1)CN(C)C(=O)N[C@@H](C(C)C)C(=O)N[C@@H](CC2=CC=CC=C2)"
    "C[C@@H]([C@H](CC3=CC=CC=C3)NC(=O)OCC4=CN=CS4)O"
)


def test_milnacipran_profile_matches_drugbank() -> None:
    result = descriptors.profile(MILNACIPRAN)
    assert result["formula"] == "C15H22N2O"
    mw = result["molecular_weight"]
    exact = result["exact_mass"]
    assert isinstance(mw, float)
    assert isinstance(exact, float)
    assert round(mw, 2) == 246.35  # DrugBank average mass
    assert round(exact, 4) == 246.1732  # DrugBank monoisotopic mass
    assert result["heavy_atoms"] == 18
    assert result["formal_charge"] == 0
    assert result["rings"] == 2
    assert result["aromatic_rings"] == 1
    assert result.rdkit_version == rdBase.rdkitVersion
    assert result.on == "parent"
    assert result.smiles == "CCN(CC)C(=O)C1(c2ccccc2)CC1CN"


def test_profile_names_units_and_order() -> None:
    result = descriptors.profile(MILNACIPRAN)
    assert [d.name for d in result.values] == list(descriptors.DEFAULT_PROFILE)
    assert list(result.as_dict()) == [
        "molecular_weight",
        "exact_mass",
        "formula",
        "logp",
        "molar_refractivity",
        "tpsa",
        "hbd",
        "hba",
        "rotatable_bonds",
        "rings",
        "aromatic_rings",
        "heavy_atoms",
        "fraction_sp3",
        "formal_charge",
        "qed",
    ]
    units = result.units()
    assert units["molecular_weight"] == "g/mol"
    assert units["exact_mass"] == "Da"
    assert units["tpsa"] == "Å²"
    assert units["hbd"] is None
    assert "qed" in result
    assert "nonsense" not in result
    with pytest.raises(KeyError):
        result["nonsense"]


def test_profile_values_are_rdkits_own() -> None:
    mol = Chem.MolFromSmiles(RITONAVIR)
    result = descriptors.profile(mol, on="submitted")
    assert result["logp"] == pytest.approx(Crippen.MolLogP(mol))
    assert result["molar_refractivity"] == pytest.approx(Crippen.MolMR(mol))
    assert result["qed"] == pytest.approx(QED.qed(mol))
    assert result["molecular_weight"] == pytest.approx(Descriptors.MolWt(mol))
    assert result["fraction_sp3"] == pytest.approx(Descriptors.FractionCSP3(mol))
    assert result["tpsa"] == pytest.approx(Descriptors.TPSA(mol))


def test_profile_on_parent_or_submitted() -> None:
    parent = descriptors.profile(MILNACIPRAN_HCL)
    submitted = descriptors.profile(MILNACIPRAN_HCL, on="submitted")
    assert parent.as_dict() == descriptors.profile(MILNACIPRAN).as_dict()
    assert submitted["formula"] == "C15H23ClN2O"
    assert submitted.on == "submitted"
    mw = submitted["molecular_weight"]
    assert isinstance(mw, float)
    assert round(mw, 2) == 282.81
    with pytest.raises(ValueError, match="on must be"):
        descriptors.profile(MILNACIPRAN, on="salt")  # type: ignore[arg-type]


def test_charged_parent_keeps_its_charge() -> None:
    quat = descriptors.profile("C[N+](C)(C)CCO.[Cl-]")  # choline chloride
    assert quat["formal_charge"] == 1
    assert quat.smiles == "C[N+](C)(C)CCO"


def test_full_set() -> None:
    result = descriptors.full(MILNACIPRAN)
    assert len(result) == len(Descriptors._descList)
    assert len(result) == 217  # RDKit 2026.09
    assert result["MolWt"] == pytest.approx(246.354, abs=1e-3)
    assert result["NumHDonors"] == 1
    assert result.units()["TPSA"] == "Å²"
    assert result.rdkit_version == rdBase.rdkitVersion
    for descriptor in result.values:
        assert descriptor.value is None or not (
            isinstance(descriptor.value, float) and math.isnan(descriptor.value)
        )


def test_full_set_with_missing_values_is_json_safe() -> None:
    # Gasteiger charges are undefined for some atoms; RDKit gives NaN/missing, we give None
    result = descriptors.full("[Ru]", on="submitted")
    values = result.as_dict()
    assert any(v is None for v in values.values())
    json.dumps(values, allow_nan=False)


def test_rule_checks_pass_and_fail_with_values() -> None:
    lipinski, veber = descriptors.rule_checks(MILNACIPRAN)
    assert lipinski.passed
    assert veber.passed
    assert lipinski.failed == ()
    assert lipinski.summary() == "pass"
    # ritonavir: MW 720.96, Crippen logP 5.9, N + O = 11 -> three failures, fails Lipinski
    lipinski, veber = descriptors.rule_checks(RITONAVIR)
    assert not lipinski.passed
    failed = {c.name: c for c in lipinski.failed}
    assert set(failed) == {"molecular_weight", "logp", "n_o_count"}
    assert failed["n_o_count"].value == 11
    assert failed["logp"].value == pytest.approx(Crippen.MolLogP(Chem.MolFromSmiles(RITONAVIR)))
    assert failed["molecular_weight"].value == pytest.approx(720.962, abs=1e-3)
    assert failed["molecular_weight"].limit == 500
    assert lipinski.summary().startswith("fail: molecular_weight 720.962 > 500")
    # Veber: 17 rotatable bonds > 10, TPSA 145.78 > 140
    assert not veber.passed
    assert {c.name: round(c.value, 2) for c in veber.failed} == {
        "rotatable_bonds": 17,
        "tpsa": 145.78,
    }


def test_lipinski_tolerates_one_failure() -> None:
    # arachidic acid: the long alkyl chain fails only logP
    lipinski, _ = descriptors.rule_checks("CCCCCCCCCCCCCCCCCCCC(=O)O")
    assert [c.name for c in lipinski.failed] == ["logp"]
    assert lipinski.passed
    assert lipinski.allowed_failures == 1
    assert lipinski.summary().startswith("pass (logp")


def test_lipinski_counts_are_the_papers() -> None:
    # Lipinski counts donors as OH + NH and acceptors as N + O
    lipinski, _ = descriptors.rule_checks("OCC(O)C(O)C(O)C(O)CO")  # sorbitol: 6 OH, 6 O
    values = {c.name: c.value for c in lipinski.criteria}
    assert values["nh_oh_count"] == 6
    assert values["n_o_count"] == 6
    assert [c.name for c in lipinski.failed] == ["nh_oh_count"]


def test_profile_carries_rule_checks_and_can_skip_them() -> None:
    assert [r.name for r in descriptors.profile(MILNACIPRAN).rules] == ["lipinski", "veber"]
    assert descriptors.profile(MILNACIPRAN, rules=False).rules == ()


def test_profile_of_a_bad_structure_raises() -> None:
    with pytest.raises(InvalidStructure, match="unclosed ring"):
        descriptors.profile("C1CC")


# --- batch ------------------------------------------------------------------------------------

BATCH = [MILNACIPRAN, "C1CC", MILNACIPRAN_HCL, "c1ccccc1O", "", RITONAVIR, "CN(C)(C)(C)C"]


def test_batch_keeps_order_and_reports_bad_rows() -> None:
    rows = descriptors.batch(BATCH, names=[f"n{i}" for i in range(len(BATCH))])
    assert [r.index for r in rows] == list(range(len(BATCH)))
    assert [r.input for r in rows] == BATCH
    assert [r.name for r in rows] == [f"n{i}" for i in range(len(BATCH))]
    assert [r.ok for r in rows] == [True, False, True, True, False, True, False]
    assert rows[1].error is not None
    assert "unclosed ring" in rows[1].error
    assert rows[1].descriptors is None
    assert rows[0].descriptors is not None
    assert rows[2].descriptors is not None
    assert rows[0].descriptors.as_dict() == rows[2].descriptors.as_dict()  # parent of the salt


def test_batch_in_a_process_pool_equals_the_serial_batch() -> None:
    values = BATCH * 6
    progress: list[tuple[int, int]] = []
    parallel = descriptors.batch(
        values, workers=2, min_parallel=10, progress=lambda d, t: progress.append((d, t))
    )
    serial = descriptors.batch(values, workers=1)
    assert parallel == serial
    assert [r.index for r in parallel] == list(range(len(values)))
    assert progress[-1] == (len(values), len(values))
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)


def test_batch_full_set_and_submitted() -> None:
    rows = descriptors.batch([MILNACIPRAN_HCL], all_descriptors=True, on="submitted")
    result = rows[0].descriptors
    assert isinstance(result, DescriptorSet)
    assert len(result) == 217
    assert result.on == "submitted"


def test_batch_accepts_mols_and_checks_arguments() -> None:
    rows = descriptors.batch([Chem.MolFromSmiles(MILNACIPRAN)])
    assert rows[0].input == "CCN(CC)C(=O)C1(c2ccccc2)CC1CN"
    assert rows[0].ok
    with pytest.raises(ValueError, match="names"):
        descriptors.batch(["CCO"], names=["a", "b"])
    assert descriptors.batch([]) == []


def test_small_batches_run_without_a_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(workers: int) -> None:
        raise AssertionError("a pool was started for a small batch")

    monkeypatch.setattr(descriptors, "process_pool", no_pool)
    rows = descriptors.batch(BATCH, workers=4)
    assert len(rows) == len(BATCH)


def test_results_survive_pickling_unchanged() -> None:
    import pickle

    for result in (descriptors.profile(RITONAVIR), descriptors.full(MILNACIPRAN_HCL)):
        copy = pickle.loads(pickle.dumps(result))
        assert copy == result
        assert copy.values == result.values
        assert copy.rules == result.rules
        assert copy.rules[0].failed == result.rules[0].failed


def test_batch_in_a_threaded_program_gives_the_serial_answer() -> None:
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:  # the pool then starts its workers from a fork server (tests/test_workers.py)
        rows = descriptors.batch(BATCH * 2, workers=2, min_parallel=5)
    finally:
        stop.set()
        thread.join()
    assert rows == descriptors.batch(BATCH * 2, workers=1)
