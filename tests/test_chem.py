"""registry.chem: parsing, standardisation, parent/salt split, identifiers, fingerprints."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdkit import Chem

from registry import chem
from registry.errors import InvalidStructure, ValidationError
from registry.identifiers import INCHIKEY
from registry.sources.chemicals_data import PubChemRow, iter_pubchem_rows

MILNACIPRAN = "CCN(CC)C(=O)C1(CC1CN)c1ccccc1"
MILNACIPRAN_HCL = MILNACIPRAN + ".Cl"
# Levomilnacipran, (1S,2R): the single enantiomer, to check that stereo survives.
LEVOMILNACIPRAN = "CCN(CC)C(=O)[C@]1(C[C@H]1CN)c1ccccc1"

# Milnacipran as a V2000 Molfile, written by RDKit from the SMILES above (with a name line).
MILNACIPRAN_MOLBLOCK = Chem.MolToMolBlock(Chem.MolFromSmiles(MILNACIPRAN))


# --- parse ------------------------------------------------------------------------------------


def test_parse_reads_smiles_inchi_and_molfile_to_the_same_structure() -> None:
    inchi = Chem.MolToInchi(Chem.MolFromSmiles(MILNACIPRAN))
    assert inchi.startswith("InChI=1S/C15H22N2O/")
    smiles = {
        Chem.MolToSmiles(chem.parse(value))
        for value in (MILNACIPRAN, inchi, MILNACIPRAN_MOLBLOCK, f"  {MILNACIPRAN}\n")
    }
    assert smiles == {"CCN(CC)C(=O)C1(c2ccccc2)CC1CN"}


def test_parse_detects_formats() -> None:
    assert chem.detect_format(MILNACIPRAN) == "smiles"
    assert chem.detect_format("InChI=1S/CH4/h1H4") == "inchi"
    assert chem.detect_format(MILNACIPRAN_MOLBLOCK) == "molblock"


def test_parse_reads_an_sdf_record_with_data_fields() -> None:
    record = MILNACIPRAN_MOLBLOCK + ">  <CAS>\n92623-85-3\n\n$$$$\n"
    assert Chem.MolToSmiles(chem.parse(record)) == "CCN(CC)C(=O)C1(c2ccccc2)CC1CN"


def test_parse_reads_v3000_molfiles_with_wedged_stereo() -> None:
    mol = Chem.MolFromSmiles(LEVOMILNACIPRAN)
    block = Chem.MolToV3KMolBlock(mol)
    assert "V3000" in block
    assert chem.identifiers(block).inchikey == "GJJFMKBJSRMPLA-DZGCQCFKSA-N"


def test_parse_removes_explicit_hydrogens_from_a_molfile() -> None:
    block = Chem.MolToMolBlock(Chem.AddHs(Chem.MolFromSmiles("CCO")))
    assert chem.parse(block).GetNumAtoms() == 3


def test_parse_copies_a_mol_and_never_changes_it() -> None:
    mol = Chem.MolFromSmiles(MILNACIPRAN_HCL)
    before = Chem.MolToSmiles(mol)
    parsed = chem.parse(mol)
    assert parsed is not mol
    chem.standardise(mol)
    chem.identifiers(mol)
    assert Chem.MolToSmiles(mol) == before
    assert mol.GetNumAtoms() == 19


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("C1CC", "unclosed ring"),
        ("CC)C", "extra close parentheses"),
        ("C[Xx]", "syntax error while parsing: C[Xx]; check for mistakes around position 3"),
        ("c1cccc1", "Can't kekulize mol"),
        ("CN(C)(C)(C)C", "Explicit valence for atom # 1 N, 5, is greater than permitted"),
        ("InChI=1S/garbage", "Syntax error"),
        ("", "empty structure"),
        ("   ", "empty structure"),
        ("\n\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n", "no atoms"),
    ],
)
def test_unreadable_structures_raise_with_rdkits_message(
    value: str, message: str, capfd: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InvalidStructure) as raised:
        chem.parse(value)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)  # one line for the CLI
    assert isinstance(raised.value, ValidationError)
    assert isinstance(raised.value, ValueError)
    # RDKit's log is captured, not sprayed on the terminal
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


def test_a_broken_molfile_is_reported() -> None:
    block = MILNACIPRAN_MOLBLOCK.replace("V2000", "V2000").splitlines()
    block[3] = block[3][:3] + "99" + block[3][5:]  # claims 99 bonds
    with pytest.raises(InvalidStructure, match="cannot read Molfile"):
        chem.parse("\n".join(block))


def test_parse_rejects_non_structures() -> None:
    with pytest.raises(InvalidStructure, match="no atoms"):
        chem.parse(Chem.Mol())
    with pytest.raises(InvalidStructure, match="expected a SMILES"):
        chem.parse(42)  # type: ignore[arg-type]


# --- standardise ------------------------------------------------------------------------------


def test_milnacipran_hydrochloride_splits_into_the_free_base_and_hcl() -> None:
    salt = chem.standardise(MILNACIPRAN_HCL)
    free_base = chem.standardise(MILNACIPRAN)
    assert salt.parent_smiles == free_base.parent_smiles == chem.canonical_smiles(MILNACIPRAN)
    assert salt.counterions == (("Cl", 1),)
    assert salt.is_salt
    assert not free_base.is_salt
    assert free_base.counterions == ()
    assert Chem.MolToSmiles(salt.submitted) == Chem.MolToSmiles(Chem.MolFromSmiles(MILNACIPRAN_HCL))
    # the standardised structure keeps the counter-ion
    assert salt.standardised_smiles == "CCN(CC)C(=O)C1(c2ccccc2)CC1CN.Cl"


def test_the_ionic_spelling_of_a_hydrochloride_gives_the_same_parent_and_counterion() -> None:
    ionic = chem.standardise("CCN(CC)C(=O)C1(CC1C[NH3+])c1ccccc1.[Cl-]")
    assert ionic.parent_smiles == chem.canonical_smiles(MILNACIPRAN)
    assert ionic.counterions == (("Cl", 1),)


def test_standardisation_keeps_stereo() -> None:
    salt = chem.standardise(LEVOMILNACIPRAN + ".Cl")
    assert salt.parent_smiles == chem.canonical_smiles(LEVOMILNACIPRAN)
    from rdkit.Chem import rdCIPLabeler

    parent = Chem.Mol(salt.parent)
    rdCIPLabeler.AssignCIPLabels(parent)
    labels = {
        a.GetDegree(): a.GetProp("_CIPCode") for a in parent.GetAtoms() if a.HasProp("_CIPCode")
    }
    assert labels == {4: "S", 3: "R"}  # C1 (quaternary) is S, C2 (CH) is R: (1S,2R)
    ids = chem.identifiers(salt.parent)
    assert ids.inchikey == "GJJFMKBJSRMPLA-DZGCQCFKSA-N"  # levomilnacipran's, not the racemate's
    # double-bond geometry too (fumarate salt of a chiral amine: both kept)
    fumarate = chem.standardise("OC(=O)/C=C/C(=O)O.CN1CCC[C@H]1c1cccnc1")
    assert fumarate.parent_smiles == "CN1CCC[C@H]1c1cccnc1"
    assert fumarate.counterions == (("O=C(O)/C=C/C(=O)O", 1),)


def test_sodium_benzoate_does_not_vanish() -> None:
    for spelling in ("O=C([O-])c1ccccc1.[Na+]", "O=C(O[Na])c1ccccc1", "[Na+].[O-]C(=O)c1ccccc1"):
        result = chem.standardise(spelling)
        assert result.parent_smiles == "O=C(O)c1ccccc1", spelling
        assert result.counterions == (("[Na+]", 1),), spelling


def test_when_every_fragment_is_on_the_salt_list_the_largest_organic_one_is_the_parent() -> None:
    acetate = chem.standardise("CC(=O)[O-].[Na+]")  # acetate and sodium are both on the list
    assert acetate.parent_smiles == "CC(=O)O"
    assert acetate.counterions == (("[Na+]", 1),)
    assert chem.standardise("CCO").parent_smiles == "CCO"  # a solvent alone is its own parent
    assert chem.standardise("O").parent_smiles == "O"


def test_stoichiometry_is_counted() -> None:
    hemisulfate = chem.standardise("OS(=O)(=O)O.CNC.CNC")
    assert hemisulfate.parent_smiles == "CNC"
    assert hemisulfate.parent_count == 2
    assert hemisulfate.counterions == (("O=S(=O)(O)O", 1),)
    dihydrate = chem.standardise("O.O.Cc1ccccc1N")
    assert dihydrate.counterions == (("O", 2),)
    dihydrochloride = chem.standardise("Cl.Cl.NCCCCN")
    assert dihydrochloride.counterions == (("Cl", 2),)


def test_zwitterion_parent_is_neutral() -> None:
    glycine = chem.standardise("[NH3+]CC(=O)[O-]")
    assert glycine.parent_smiles == "NCC(=O)O"
    assert glycine.standardised_smiles == "[NH3+]CC(=O)[O-]"


def test_counter_ion_not_on_the_salt_list_still_leaves_the_largest_fragment() -> None:
    tosylate = chem.standardise("Cc1ccc(S(=O)(=O)[O-])cc1.CCN(CC)C(=O)C1(CC1C[NH3+])c1ccccc1")
    assert tosylate.parent_smiles == chem.canonical_smiles(MILNACIPRAN)
    assert tosylate.counterions == (("Cc1ccc(S(=O)(=O)O)cc1", 1),)


def test_normalisation_fixes_charge_separated_groups() -> None:
    nitro = chem.standardise("C[N+](=O)[O-]")
    assert nitro.parent_smiles == "C[N+](=O)[O-]"
    assert chem.standardise("CN(=O)=O").parent_smiles == "C[N+](=O)[O-]"
    # RDKit (like MolVS) writes sulfoxides charge-separated; both spellings meet there
    assert (
        chem.standardise("CS(C)=O").parent_smiles == chem.standardise("C[S+]([O-])C").parent_smiles
    )


# --- identifiers ------------------------------------------------------------------------------


def test_milnacipran_identifiers() -> None:
    ids = chem.identifiers(MILNACIPRAN)
    assert ids.formula == "C15H22N2O"
    assert ids.inchikey.startswith("GJJFMKBJSRMPLA-")
    assert ids.inchikey == "GJJFMKBJSRMPLA-UHFFFAOYSA-N"
    assert ids.inchi.startswith("InChI=1S/C15H22N2O/")
    assert ids.smiles == "CCN(CC)C(=O)C1(c2ccccc2)CC1CN"
    assert set(ids.hash_layers) == {
        "CANONICAL_SMILES",
        "ESCAPE",
        "FORMULA",
        "NO_STEREO_SMILES",
        "NO_STEREO_TAUTOMER_HASH",
        "SGROUP_DATA",
        "TAUTOMER_HASH",
    }
    assert ids.hash_layers["FORMULA"] == "C15H22N2O"
    for digest in (ids.registration_hash, ids.tautomer_hash, ids.no_stereo_hash):
        assert len(digest) == 40
        int(digest, 16)


def test_identifiers_accept_a_mol_and_text_alike() -> None:
    assert chem.identifiers(Chem.MolFromSmiles(MILNACIPRAN)) == chem.identifiers(MILNACIPRAN)


def test_registration_hash_layers_separate_stereo_and_tautomers() -> None:
    racemic = chem.identifiers(MILNACIPRAN)
    levo = chem.identifiers(LEVOMILNACIPRAN)
    assert levo.registration_hash != racemic.registration_hash
    assert levo.no_stereo_hash == racemic.no_stereo_hash
    enol = chem.identifiers("Oc1ccncc1")
    keto = chem.identifiers("O=C1C=CNC=C1")
    assert enol.registration_hash != keto.registration_hash
    assert enol.tautomer_hash == keto.tautomer_hash
    assert enol.inchikey == keto.inchikey  # standard InChI is tautomer-aware here too
    # different compounds differ at every strictness
    other = chem.identifiers("CCN(CC)C(=O)C1(CC1CN)c1ccccc1C")
    assert other.tautomer_hash != racemic.tautomer_hash
    assert other.no_stereo_hash != racemic.no_stereo_hash


def test_inchi_warning_is_reported_not_printed(capfd: pytest.CaptureFixture[str]) -> None:
    ids = chem.identifiers("CC(N)C(=O)O")  # alanine, undefined stereocentre
    assert "undefined stereo" in ids.inchi_warning.lower()
    assert capfd.readouterr().err == ""


def test_charged_formula_is_hill_with_charge() -> None:
    assert chem.identifiers("O=C([O-])c1ccccc1").formula == "C7H5O2-"


# --- fingerprints and substructure ------------------------------------------------------------


def test_fingerprint_round_trip_and_tanimoto() -> None:
    data = chem.fingerprint(MILNACIPRAN)
    assert isinstance(data, bytes)
    bits = chem.fingerprint_from_bytes(data)
    assert bits.GetNumBits() == chem.FINGERPRINT_BITS
    from rdkit.Chem import rdFingerprintGenerator

    reference = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048).GetFingerprint(
        Chem.MolFromSmiles(MILNACIPRAN)
    )
    assert list(bits.GetOnBits()) == list(reference.GetOnBits())
    assert chem.tanimoto(data, chem.fingerprint(MILNACIPRAN_HCL.split(".")[0])) == 1.0
    close = chem.tanimoto(data, chem.fingerprint("CCN(CC)C(=O)C1(CC1CN)c1ccccc1C"))
    far = chem.tanimoto(data, chem.fingerprint("c1ccncc1"))
    assert 0.0 <= far < close < 1.0


def test_bad_fingerprint_bytes_raise() -> None:
    with pytest.raises(InvalidStructure, match="fingerprint"):
        chem.fingerprint_from_bytes(b"not a fingerprint")


def test_substructure_match() -> None:
    assert chem.substructure_match(MILNACIPRAN, "C(=O)N(CC)CC")
    assert chem.substructure_match(MILNACIPRAN, "[NX3;H2]")  # the primary amine
    assert not chem.substructure_match(MILNACIPRAN, "c1ccncc1")
    assert chem.substructure_match(Chem.MolFromSmiles(MILNACIPRAN), Chem.MolFromSmarts("C1CC1"))
    assert chem.substructure_match("C[C@H](N)O", "C[C@@H](N)O", chirality=False)
    assert not chem.substructure_match("C[C@H](N)O", "C[C@@H](N)O", chirality=True)


@pytest.mark.parametrize("smarts", ["[C", "C(", "", "[$(C]"])
def test_bad_smarts_raise(smarts: str, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InvalidStructure, match="SMARTS"):
        chem.substructure_match(MILNACIPRAN, smarts)
    assert capfd.readouterr().err == ""


# --- drawing ----------------------------------------------------------------------------------


def test_draw_svg_and_png() -> None:
    svg = chem.draw(MILNACIPRAN).decode()
    assert svg.lstrip().startswith("<?xml")
    assert "</svg>" in svg
    png = chem.draw([MILNACIPRAN, MILNACIPRAN_HCL, "c1ccccc1O"], fmt="png", legends=["a", "b", "c"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # a three-panel grid is three panels wide (IHDR width at bytes 16..20)
    assert int.from_bytes(png[16:20], "big") == 900
    grid = chem.draw([MILNACIPRAN, "CCO"]).decode()
    assert "class='legend'" in grid  # several structures get legends (the inputs) by default
    assert "class='legend'" not in svg


def test_draw_rejects_bad_input() -> None:
    with pytest.raises(InvalidStructure):
        chem.draw(["CCO", "C1CC"])
    with pytest.raises(InvalidStructure, match="nothing to draw"):
        chem.draw([])


# --- property tests ---------------------------------------------------------------------------

_ATOMS = st.sampled_from(
    ["C", "N", "O", "S", "F", "Cl", "c1ccccc1", "C(=O)", "[C@@H](C)", "C#N", "/C=C/", "/C=C\\"]
)


@st.composite
def _smiles(draw: st.DrawFn) -> str:
    parts = draw(st.lists(_ATOMS, min_size=1, max_size=8))
    text = "".join(parts)
    if draw(st.booleans()):
        text = f"C1CC{text}C1"
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_smiles())
def test_canonical_smiles_round_trip_is_stable(smiles: str) -> None:
    try:
        first = chem.canonical_smiles(smiles)
    except InvalidStructure:
        return  # over-valent combinations are fine to reject; the property is about valid ones
    assert chem.canonical_smiles(first) == first
    assert chem.identifiers(first).registration_hash == chem.identifiers(smiles).registration_hash


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
@example("0000" + "\x80" * 10 + "\u0800" * 2 + "\U00010000" * 3)
def test_parse_either_reads_or_raises_invalid_structure(text: str) -> None:
    # Found by this test: RDKit's echo of a bad SMILES can split a UTF-8 character.
    try:
        mol = chem.parse(text)
    except InvalidStructure as error:
        message = str(error)
    else:
        assert mol.GetNumAtoms() > 0
        return
    assert message
    assert "\n" not in message


def test_public_names_resolve_lazily() -> None:
    import registry

    assert registry.Standardised is chem.Standardised
    assert registry.Identifiers is chem.Identifiers
    from registry.descriptor_models import Descriptors

    assert registry.Descriptors is Descriptors


CLEANUP_CASES = [
    MILNACIPRAN_HCL,
    "O=C(O[Na])c1ccccc1",
    "C[N+](=O)[O-].CN(=O)=O",
    "[NH3+]CC(=O)[O-]",
    "OC(=O)/C=C/C(=O)O.CN1CCC[C@H]1c1cccnc1",
    "[2H]C([2H])([2H])Oc1ccccc1",
    "C[S+]([O-])C",
    "O=C([O-])CC(=O)O",
    "[Na+].[Cl-]",
    "CC(C)(C)[N+]([O-])=Cc1ccccc1",
    "Oc1ccc(cc1)S(=O)(=O)[O-].[K+]",
    "C1=CC=CC=C1[Mg]Br",
]


@pytest.mark.parametrize("smiles", CLEANUP_CASES)
def test_cleanup_equals_rdkits_cleanup(smiles: str) -> None:
    from rdkit.Chem.MolStandardize import rdMolStandardize

    mol = Chem.MolFromSmiles(smiles)
    assert Chem.MolToSmiles(chem.cleanup(mol)) == Chem.MolToSmiles(rdMolStandardize.Cleanup(mol))


_ISOTOPE = re.compile(r"\[\d+")


@cache
def _pubchem_rows() -> list[PubChemRow]:
    """The `chemicals` package's PubChem table (71k rows), read once for these tests."""
    return list(iter_pubchem_rows())


def _pubchem_sample() -> list[str]:
    salts: list[str] = []
    others: list[str] = []
    for row in _pubchem_rows():
        bucket = salts if "." in row.smiles else others
        if row.smiles and len(bucket) < 150 and row.cid % 7 == 0:
            bucket.append(row.smiles)
        if len(salts) == len(others) == 150:
            break
    return salts + others


def test_cleanup_and_parent_on_real_pubchem_structures() -> None:
    from rdkit.Chem.MolStandardize import rdMolStandardize

    sample = _pubchem_sample()
    assert len(sample) == 300
    split = 0
    for smiles in sample:
        try:
            mol = chem.parse(smiles)
        except InvalidStructure:
            continue
        expected = Chem.MolToSmiles(rdMolStandardize.Cleanup(mol))
        assert Chem.MolToSmiles(chem.cleanup(mol)) == expected, smiles
        result = chem.standardise(mol)
        assert result.parent.GetNumAtoms() > 0, smiles  # nothing vanishes
        fragments = len(Chem.GetMolFrags(result.standardised))
        assert result.parent_count + sum(n for _, n in result.counterions) == fragments, smiles
        assert "." not in result.parent_smiles, smiles
        split += result.is_salt
    assert split >= 140  # the multi-component half really splits


def test_hydrochlorides_in_pubchem_split_into_their_free_bases() -> None:
    """Real PubChem hydrochlorides (the `chemicals` table): parent + HCl adds up to the salt."""
    rows = _pubchem_rows()
    by_key = {row.inchikey: row for row in rows}
    salts = [r for r in rows if r.smiles.endswith(".Cl") and r.smiles.count(".") == 1][:300]
    assert len(salts) == 300
    with_free_base = 0
    for salt in salts:
        result = chem.standardise(salt.smiles)
        assert result.counterions == (("Cl", 1),), salt.cid
        # the parent's formula plus HCl is the salt's formula PubChem reports
        assert chem.formula(result.parent_smiles + ".Cl") == salt.formula, salt.cid
        free_base = by_key.get(chem.identifiers(result.parent).inchikey)
        if free_base is not None:
            with_free_base += 1
            # PubChem's own record of the free base, stereo included, is our parent
            assert chem.canonical_smiles(free_base.smiles) == result.parent_smiles, salt.cid
    assert with_free_base >= 150  # PubChem has the free base of most of them


def test_formulas_agree_with_pubchem_including_inorganics_and_isotopes() -> None:
    """Hill order as PubChem writes it, checked on the `chemicals` package's PubChem table:
    every compound without carbon or with isotopes, and every 50th of the rest."""
    checked = special = 0
    for row in _pubchem_rows():
        is_special = not row.formula.startswith("C") or _ISOTOPE.search(row.smiles) is not None
        if not (is_special or row.cid % 50 == 0):
            continue
        try:
            ours = chem.formula(row.smiles)
        except InvalidStructure:
            continue  # 17 of PubChem's SMILES do not sanitise in RDKit
        assert ours == row.formula, (row.cid, row.smiles)
        checked += 1
        special += is_special
    assert special > 1000
    assert checked > 2000


def test_double_bond_stereo_survives_parsing() -> None:
    # PubChem CID 734154, (E)-2-methoxycinnamic acid: its InChIKey carries the E geometry
    smiles = "COC1=CC=CC=C1/C=C/C(=O)O"
    assert chem.identifiers(smiles).inchikey == "FEGVSPGUHMGGBO-VOTSOKGWSA-N"
    assert chem.canonical_smiles(smiles) == "COc1ccccc1/C=C/C(=O)O"
    # through a Molfile (2D coordinates carry the geometry) and an InChI too
    block = Chem.MolToMolBlock(Chem.MolFromSmiles(smiles))
    assert chem.identifiers(block).inchikey == "FEGVSPGUHMGGBO-VOTSOKGWSA-N"
    inchi = chem.identifiers(smiles).inchi
    assert chem.canonical_smiles(inchi) == "COc1ccccc1/C=C/C(=O)O"
    z = chem.identifiers("COC1=CC=CC=C1/C=C\\C(=O)O")
    assert z.inchikey != "FEGVSPGUHMGGBO-VOTSOKGWSA-N"
    assert z.no_stereo_hash == chem.identifiers(smiles).no_stereo_hash


# Halogen oxoanions (chlorite, chlorate, iodate): PubChem computed the InChI from its record with
# the charge as a removed proton (/p-1); from the SMILES the charge sits on an oxygen (/q-1; RDKit
# also writes Cl=O as [Cl+2]-[O-]), and InChI keeps those apart. Only these may differ.
HALOGEN_OXOANION = Chem.MolFromSmarts("[Cl,Br,I]~[OX1]")


def test_inchikeys_agree_with_pubchem_on_a_sample_of_its_table() -> None:
    checked = 0
    differ = []
    for row in _pubchem_rows():
        if row.cid % 101:
            continue
        try:
            ids = chem.identifiers(row.smiles)
        except InvalidStructure:
            continue
        checked += 1
        if ids.inchikey != row.inchikey:
            differ.append(row)
    assert checked > 600
    for row in differ:
        assert chem.parse(row.smiles).HasSubstructMatch(HALOGEN_OXOANION), (row.cid, row.smiles)
    assert len(differ) <= checked // 100


def test_computed_inchikeys_have_the_standard_shape_and_agree_with_pubchem() -> None:
    checked = agreed = 0
    for row in _pubchem_rows()[::250]:
        try:
            ids = chem.identifiers(row.smiles)
        except InvalidStructure:
            continue
        if not ids.inchikey:
            continue  # InChI cannot represent the structure
        assert INCHIKEY.fullmatch(ids.inchikey), (row.cid, ids.inchikey)
        checked += 1
        agreed += ids.inchikey == row.inchikey
    assert checked > 200
    assert agreed > 0.95 * checked, (agreed, checked)
