"""The fast registration paths give exactly what the straightforward RDKit calls give.

``chem.cleanup`` skips steps that cannot change a structure, ``chem.hash_layers`` skips the
substance-group work for molecules without groups, ``descriptors.default_values`` computes the
Crippen contributions once and QED from the profile's own values, and
``registration.prepare`` shares one parsed and standardised molecule between its stages. Each
is compared here with the plain RDKit calls on real PubChem structures (the ``chemicals``
package's table): a spread of the whole table plus every salt, charged, metal, isotope and
stereo case within that spread's reach, where the shortcuts have conditions to get right.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import pytest
from rdkit import Chem, rdBase
from rdkit.Chem import QED, RegistrationHash
from rdkit.Chem.MolStandardize import rdMolStandardize

from registry import chem
from registry.chem import descriptors, registration
from registry.sources.chemicals_data import iter_pubchem_rows

# Substrings that select the structures where a shortcut has a condition to get right.
_SPECIAL = ("[Na", "[K", "[Ca", "[Mg", "[Li", "[Fe", "[Zn", "[Pt", "-]", "+]", ".", "[2H]", "@")


@cache
def _sample() -> tuple[str, ...]:
    """About 350 real SMILES: every 400th row of the table, and 40 of each special kind."""
    rows = [row.smiles for row in iter_pubchem_rows() if row.smiles]
    chosen = dict.fromkeys(rows[::400])
    for marker in _SPECIAL:
        chosen.update(dict.fromkeys([s for s in rows[7::53] if marker in s][:40]))
    return tuple(chosen)


def _full_cleanup(mol: Chem.Mol) -> Chem.Mol:
    """Every cleanup step, always (what ``chem.cleanup`` did before it skipped any).

    Not ``rdMolStandardize.Cleanup`` itself: that differs from these steps on some mesoionic
    rings (a sydnone comes back neutral from it and zwitterionic from these steps).
    """
    result = Chem.RemoveHs(mol)
    result = rdMolStandardize.MetalDisconnector().Disconnect(result)
    result = rdMolStandardize.Normalizer().normalize(result)
    result = rdMolStandardize.Reionizer().reionize(result)
    Chem.AssignStereochemistry(result, cleanIt=True, force=True)
    return result


def _plain_profile(mol: Chem.Mol) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, (_unit, function) in descriptors.DEFAULT_PROFILE.items():
        try:
            value = QED.qed(mol) if name == "qed" else function(mol)
        except Exception:  # as the profile does: one failing descriptor is None
            value = None
        found[name] = None if isinstance(value, float) and not math.isfinite(value) else value
    return found


def test_the_sample_covers_the_conditions() -> None:
    sample = _sample()
    assert len(sample) > 300
    for marker in ("[Na", "-]", "+]", ".", "@"):
        assert sum(marker in s for s in sample) >= 20, marker


def test_cleanup_equals_every_step_applied() -> None:
    with rdBase.BlockLogs():
        for smiles in _sample():
            mol = Chem.MolFromSmiles(smiles)
            try:
                expected = Chem.MolToSmiles(_full_cleanup(mol))
            except Exception as error:  # then ours must fail too
                with pytest.raises(type(error)):
                    chem.cleanup(mol)
                continue
            assert Chem.MolToSmiles(chem.cleanup(mol)) == expected, smiles
            before = Chem.MolToSmiles(mol)
            assert Chem.MolToSmiles(chem.cleanup(mol, fresh=True)) == expected, smiles
            assert Chem.MolToSmiles(mol) == before  # the input is never modified


def test_hash_layers_and_identifiers_equal_rdkit() -> None:
    checked = 0
    with rdBase.BlockLogs():
        for smiles in _sample():
            std = chem.standardise(smiles)
            for mol in (std.standardised, std.parent):
                layers = RegistrationHash.GetMolLayers(mol)
                assert chem.hash_layers(mol) == {k.name: v for k, v in layers.items()}, smiles
                assert chem.registration_hash(mol) == RegistrationHash.GetMolHash(layers)
            ids = chem.identifiers_of(std.standardised)
            mol = std.standardised
            layers = RegistrationHash.GetMolLayers(mol)
            scheme = RegistrationHash.HashScheme
            assert (ids.smiles, ids.inchi, ids.inchikey) == (
                Chem.MolToSmiles(mol),
                Chem.MolToInchi(mol),
                Chem.MolToInchiKey(mol),
            ), smiles
            assert (ids.registration_hash, ids.tautomer_hash, ids.no_stereo_hash) == (
                RegistrationHash.GetMolHash(layers, scheme.ALL_LAYERS),
                RegistrationHash.GetMolHash(layers, scheme.TAUTOMER_INSENSITIVE_LAYERS),
                RegistrationHash.GetMolHash(layers, scheme.STEREO_INSENSITIVE_LAYERS),
            ), smiles
            checked += 1
    assert checked > 300


def test_hash_layers_fall_back_for_atom_maps_and_substance_groups() -> None:
    mapped = Chem.MolFromSmiles("[CH3:1][CH2:2]O")
    layers = RegistrationHash.GetMolLayers(mapped)
    assert chem.hash_layers(mapped) == {k.name: v for k, v in layers.items()}
    polymer = Chem.MolFromMolBlock(
        "\n  RDKit          2D\n\n  0  0  0  0  0  0  0  0  0  0999 V3000\n"
        "M  V30 BEGIN CTAB\nM  V30 COUNTS 3 2 1 0 0\nM  V30 BEGIN ATOM\n"
        "M  V30 1 * 0 0 0 0\nM  V30 2 C 1 0 0 0\nM  V30 3 * 2 0 0 0\nM  V30 END ATOM\n"
        "M  V30 BEGIN BOND\nM  V30 1 1 1 2\nM  V30 2 1 2 3\nM  V30 END BOND\n"
        "M  V30 BEGIN SGROUP\nM  V30 1 SRU 0 ATOMS=(1 2) XBONDS=(2 1 2) CONNECT=HT LABEL=n\n"
        "M  V30 END SGROUP\nM  V30 END CTAB\nM  END\n"
    )
    assert len(Chem.GetMolSubstanceGroups(polymer)) == 1
    layers = RegistrationHash.GetMolLayers(polymer)
    assert layers[RegistrationHash.HashLayer.SGROUP_DATA] != "[]"
    assert chem.hash_layers(polymer) == {k.name: v for k, v in layers.items()}


def test_default_values_equal_the_plain_descriptor_calls() -> None:
    shared = 0
    with rdBase.BlockLogs():
        for smiles in _sample():
            std = chem.standardise(smiles)
            expected = _plain_profile(std.parent)
            got = descriptors.default_values(std.parent, settled=std.parent_settled)
            assert got == expected, smiles
            assert list(got) == list(descriptors.DEFAULT_PROFILE)
            shared += std.parent_settled
            # unsettled, the plain QED path: the same values again
            assert descriptors.default_values(std.parent) == expected, smiles
    assert shared > 150  # the fast QED path is the common one


def test_prepare_equals_the_straightforward_calls() -> None:
    with rdBase.BlockLogs():
        for smiles in _sample()[::3]:
            prepared = registration.prepare(smiles, name="x")
            row = prepared.row
            std = chem.standardise(smiles)
            ids = chem.identifiers(std.standardised)
            assert (row.smiles, row.inchi, row.inchikey, row.formula) == (
                ids.smiles,
                ids.inchi,
                ids.inchikey,
                ids.formula,
            )
            assert row.hash_layers == ids.hash_layers
            assert row.registration_hash == ids.registration_hash
            assert row.parent_hash == (
                chem.identifiers(std.parent).registration_hash if std.is_salt else None
            )
            assert row.fingerprint == chem.fingerprint(std.parent)
            profile = descriptors.profile(std.parent, on="submitted", rules=False)
            numeric = {
                d.name: float(d.value)
                for d in profile.values
                if isinstance(d.value, int | float) and not isinstance(d.value, bool)
            }
            assert {p.name: p.value for p in row.properties} == numeric, smiles
            assert numeric["qed"] == QED.qed(std.parent)
