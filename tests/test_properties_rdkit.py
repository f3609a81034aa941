"""PubChem's computed properties beside RDKit's, on every recorded compound.

The comparison rules (registry/service/comparison.py) are data: a tolerance, and a reason where
the two toolkits differ by definition. On every compound the recordings give computed
properties for, a rule without a reason never fires (exact mass, heavy atoms, charge agree),
and the differences that do fire are exactly the known definitional ones.
"""

from __future__ import annotations

import pytest
from fake_pubchem import FakePubChem

from registry.property_models import Property
from registry.service.comparison import RULES, compare, rdkit_values
from registry.sources.pubchem.translation import COMPUTED, computed_properties

_SERVER = FakePubChem()  # not started: only its compound table, built from the recordings
RECORDED = {cid: c for cid, c in sorted(_SERVER.compounds.items()) if c.computed}
_SERVER.stop()


def _differences(cid: int) -> dict[str, tuple[float | None, float | None, str]]:
    compound = RECORDED[cid]
    values = computed_properties({"CID": cid, **compound.computed}, "recorded")
    theirs, _version = rdkit_values(compound.smiles or compound.inchi)
    assert theirs, f"RDKit cannot read CID {cid}"
    return {
        d.pubchem_name: (d.pubchem, d.rdkit, d.reason) for d in compare(values, theirs) if d.differs
    }


def test_the_rules_pair_known_names() -> None:
    assert {r.pubchem for r in RULES} <= set(COMPUTED)
    assert len({r.pubchem for r in RULES}) == len(RULES) == 8
    for rule in RULES:
        assert rule.tolerance >= 0


def test_every_recording_is_compared() -> None:
    assert sorted(RECORDED) == [176, 241, 947, 962, 5742, 7840, 8037, 21980959, 22247451]


@pytest.mark.parametrize("cid", sorted(RECORDED))
def test_rules_on_every_recording(cid: int) -> None:
    found = _differences(cid)
    exact = {r.pubchem for r in RULES if not r.reason}
    assert not exact & set(found), f"CID {cid}: {found}"  # mass, atoms, charge always agree
    for pubchem, rdkit, reason in found.values():
        assert pubchem is not None
        assert rdkit is not None
        assert reason


def test_the_known_definitional_differences() -> None:
    flagged = {
        (cid, name): (pubchem, rdkit)
        for cid in RECORDED
        for name, (pubchem, rdkit, _) in _differences(cid).items()
    }
    assert {k: (p, round(r or 0, 2)) for k, (p, r) in flagged.items()} == {
        (176, "HBondAcceptorCount"): (2.0, 1.0),  # acetic acid CC(=O)O: PubChem counts both O
        (962, "TPSA"): (1.0, 31.5),  # water O
        (962, "HBondDonorCount"): (1.0, 0.0),
        (962, "HBondAcceptorCount"): (1.0, 0.0),
        (5742, "HBondDonorCount"): (4.0, 3.0),  # guanidine HCl: the chloride's H
        (21980959, "HBondDonorCount"): (1.0, 0.0),  # [H+].CC(=O)[O-]
        (22247451, "TPSA"): (1.0, 30.0),  # [H+].[OH-]
        (22247451, "HBondDonorCount"): (2.0, 0.0),
    }


def test_within_tolerance_is_not_flagged() -> None:
    (tpsa,) = compare([Property("TPSA", 6.5)], {"tpsa": 6.48})
    assert (tpsa.differs, tpsa.reason, tpsa.tolerance) == (False, "", 0.5)
    (logp,) = compare([Property("XLogP", 0.3)], {"logp": 0.1096})
    assert not logp.differs
    (far,) = compare([Property("XLogP", 3.5)], {"logp": 1.0})
    assert far.differs
    assert "Crippen" in far.reason
    (missing,) = compare([Property("Charge", None)], {"formal_charge": 0})
    assert not missing.differs
    assert missing.rdkit == 0.0
