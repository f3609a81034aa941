"""PubChem's computed and experimental properties through the library, against the fake server.

The fake server replays real recordings (tests/data/pubchem/): property tables derived from the
recorded compound records, and the recorded PUG-View records of CIDs 241, 5742, 7840 and 8037.
"""

from __future__ import annotations

import pytest
from fake_pubchem import FakePubChem

import registry
from registry.config import Settings
from registry.errors import NotFound, PubChemUnavailable
from registry.identifiers import classify
from registry.service.pubchem_properties import properties, properties_many
from registry.sources.pubchem import PubChemClient
from registry.sources.pubchem.translation import COMPUTED

CIDS = [241, 7840, 8037, 5742]


def _views(pubchem: FakePubChem) -> list[str]:
    return pubchem.view_requests()


def test_computed_properties_ride_in_the_one_property_request(
    settings: Settings, pubchem: FakePubChem
) -> None:
    client = PubChemClient(settings)
    (candidates,) = client.candidates([classify("1-bromopropane")])
    paths = [path for _, _, path in pubchem.requests]
    assert len(paths) == 3  # CID search, the property POST, the synonyms POST: nothing more
    assert sum("/property/" in p for p in paths) == 1
    (candidate,) = candidates
    values = {p.name: (p.value, p.unit) for p in candidate.properties}
    assert list(values) == list(COMPUTED)  # every computed property, in PUG-REST's spelling
    assert values["XLogP"] == (2.1, "")
    assert values["TPSA"] == (0.0, "Å²")
    assert values["ExactMass"] == (121.97311, "Da")
    assert values["RotatableBondCount"] == (1.0, "")
    for p in candidate.properties:
        assert (p.source, p.cid, p.kind) == ("pubchem", 7840, "computed")
        assert p.retrieved == candidate.retrieved != ""
    pubchem.reset()
    client.candidates([classify("1-bromopropane")])
    assert pubchem.requests == []  # cached with the rest


def test_experimental_is_one_pug_view_request_per_cid(
    settings: Settings, pubchem: FakePubChem
) -> None:
    results = properties_many([*CIDS, 241], settings, experimental=True)
    assert _views(pubchem) == [
        f"/rest/pug_view/data/compound/{cid}/JSON?heading=Experimental+Properties" for cid in CIDS
    ]
    assert [r.cid for r in results] == [*CIDS, 241]
    assert [len(r.experimental) for r in results] == [97, 59, 22, 6, 97]
    assert all(r.hazards == () and r.error == "" for r in results)
    benzene = results[0]
    assert benzene.name == "benzene"
    melting = [p for p in benzene.experimental if p.name == "Melting Point"]
    assert [p.text for p in melting][:2] == ["41.9 °F (NTP, 1992)", "5.5 °C"]
    assert all(p.retrieved and p.cid == 241 for p in benzene.experimental)


def test_hazards_alone_ask_for_the_ghs_section(settings: Settings, pubchem: FakePubChem) -> None:
    result = properties(8037, settings, hazards=True)
    assert _views(pubchem) == ["/rest/pug_view/data/compound/8037/JSON?heading=GHS+Classification"]
    assert result.experimental == ()
    assert len(result.hazards) == 4
    assert result.hazards[0].signal == "Danger"
    assert set(result.hazards[0].codes) == {"H225", "H302", "H314", "H332"}


def test_both_ask_for_the_whole_record_once(settings: Settings, pubchem: FakePubChem) -> None:
    result = properties("benzene", settings, experimental=True, hazards=True)
    assert _views(pubchem) == ["/rest/pug_view/data/compound/241/JSON"]
    assert len(result.experimental) == 97
    assert len(result.hazards) == 7


def test_a_repeat_makes_no_request(settings: Settings, pubchem: FakePubChem) -> None:
    first = properties_many(["benzene", "1-bromopropane", 8037], settings, experimental=True)
    assert pubchem.requests
    pubchem.reset()
    again = properties_many(["benzene", "1-bromopropane", 8037], settings, experimental=True)
    assert pubchem.requests == []
    assert again == first


def test_503_on_the_third_pug_view_request_leaves_the_others(
    settings: Settings, pubchem: FakePubChem
) -> None:
    once = settings.replace(pubchem_retries=0)
    properties_many(CIDS, once)  # the computed properties, cached first
    pubchem.reset()
    pubchem.fail_view(3, "503-json")
    results = properties_many(CIDS, once, experimental=True)
    assert len(_views(pubchem)) == 4
    assert [r.error == "" for r in results] == [True, True, False, True]
    failed = results[2]
    assert failed.unavailable
    assert failed.cid == 8037
    assert "PUG-View record of CID 8037" in failed.error
    assert "PUGREST.ServerBusy" in failed.error or "503" in failed.error
    assert failed.computed  # what was answered is kept
    assert [len(r.experimental) for r in results] == [97, 59, 0, 6]
    assert results.failed == (failed,)
    # Asking again asks only for what is missing: the answered ones come from the cache.
    pubchem.reset()
    again = properties_many(CIDS, once, experimental=True)
    assert _views(pubchem) == [
        "/rest/pug_view/data/compound/8037/JSON?heading=Experimental+Properties"
    ]
    assert again.failed == ()
    assert len(again[2].experimental) == 22


def test_a_503_is_retried_within_the_budget(settings: Settings, pubchem: FakePubChem) -> None:
    pubchem.fail_view(3, "503-html")
    results = properties_many(CIDS, settings, experimental=True)
    assert results.failed == ()
    assert len(_views(pubchem)) == 5  # the third asked twice


def test_pubchem_down_stops_asking_after_three_failures(
    settings: Settings, pubchem: FakePubChem
) -> None:
    once = settings.replace(pubchem_retries=0)
    properties_many(CIDS, once)
    pubchem.reset()
    for n in range(1, 5):
        pubchem.fail_view(n, "504")
    results = properties_many(CIDS, once, experimental=True)
    assert len(_views(pubchem)) == 3
    assert all(r.unavailable for r in results)
    assert "not asked: PubChem unavailable" in results[3].error


def test_offline_answers_from_the_cache(settings: Settings, pubchem: FakePubChem) -> None:
    online = properties_many(["benzene", 7840], settings, experimental=True, hazards=True)
    pubchem.reset()
    offline = settings.replace(offline=True)
    again = properties_many(["benzene", 7840], offline, experimental=True, hazards=True)
    assert pubchem.requests == []
    assert again == online


def test_offline_without_a_cached_answer_names_what_is_missing(
    settings: Settings, pubchem: FakePubChem
) -> None:
    properties(8037, settings)  # computed only
    offline = settings.replace(offline=True)
    assert properties(8037, offline).computed  # cached
    with pytest.raises(PubChemUnavailable, match=r"PUG-View record of CID 8037.*offline"):
        properties(8037, offline, experimental=True)
    with pytest.raises(PubChemUnavailable, match=r"computed properties of CID 5742.*offline"):
        properties(5742, offline)
    results = properties_many([8037, 5742], offline)
    assert [r.unavailable for r in results] == [False, True]


def test_unknown_queries(settings: Settings, pubchem: FakePubChem) -> None:
    with pytest.raises(NotFound, match="PubChem knows no compound for 'no such thing'"):
        properties("no such thing", settings)
    results = properties_many(["no such thing", 241], settings)
    assert results[0].error
    assert not results[0].unavailable
    assert results[0].cid is None
    assert results[1].error == ""


def test_a_cid_without_pug_view_data_is_empty_not_an_error(
    settings: Settings, pubchem: FakePubChem
) -> None:
    result = properties(962, settings, experimental=True)  # water: no recorded PUG-View record
    assert result.error == ""
    assert result.experimental == ()
    assert result.computed


def test_frames(settings: Settings, pubchem: FakePubChem) -> None:
    results = properties_many(["benzene", 8037], settings, experimental=True, hazards=True)
    frame = results.to_frame()
    assert list(frame["cid"]) == [241, 8037]
    assert list(frame["XLogP"]) == [2.1, 0.3]
    assert frame.loc[0, "Melting Point"].startswith("41.9 °F (NTP, 1992); 5.5 °C")
    assert frame.loc[1, "GHS Hazard Statements"] == "H225 H302 H314 H332 H312 H318 H331 H370"
    one = results[0].to_frame()
    assert len(one) == 14 + 97
    assert {"name", "value", "unit", "text", "conditions", "reference", "retrieved", "cid"} <= set(
        one.columns
    )


def test_public_api(settings: Settings, pubchem: FakePubChem) -> None:
    assert registry.properties is properties
    assert registry.properties_many is properties_many
    result = registry.properties("CID 7840", settings)
    assert result.cid == 7840
    assert {d.pubchem_name for d in result.comparison} == {
        "TPSA",
        "XLogP",
        "HBondDonorCount",
        "HBondAcceptorCount",
        "RotatableBondCount",
        "ExactMass",
        "HeavyAtomCount",
        "Charge",
    }
