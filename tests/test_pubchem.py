"""The PubChem client against the fake server: retries, limits, cache, offline, CAS numbers."""

from __future__ import annotations

import ast
import json
import socket
import threading
from pathlib import Path

import pytest
from fake_pubchem import DATA, FakeCompound, FakePubChem

from registry import cas
from registry.config import Settings
from registry.errors import PubChemError, PubChemUnavailable
from registry.identifiers import classify
from registry.sources.chain import lookup, lookup_many
from registry.sources.pubchem import (
    PubChemClient,
    PubChemSource,
    RateLimiter,
    cache_clear,
    cache_info,
    cas_from_synonyms,
)
from registry.sources.reference import ReferenceSource


def client(settings: Settings, **kwargs: object) -> PubChemClient:
    # A private limiter per test keeps tests independent; the rate test checks the limiter.
    return PubChemClient(settings, limiter=RateLimiter(1000, 100000), **kwargs)  # type: ignore[arg-type]


def test_recorded_name_lookup(settings: Settings, pubchem: FakePubChem) -> None:
    [candidates] = client(settings).candidates([classify("benzene")])
    assert [c.cid for c in candidates] == [241]
    assert candidates[0].inchikey == "UHOVQNZJYSORNB-UHFFFAOYSA-N"
    assert candidates[0].formula == "C6H6"
    assert candidates[0].source == "pubchem"
    # one CID search, one properties POST, one synonyms POST
    assert [m for _, m, _ in pubchem.requests] == ["POST", "POST", "POST"]


@pytest.mark.parametrize("fault", ["503-json", "503-html", "504", "drop", "stall"])
def test_retries_then_success(settings: Settings, pubchem: FakePubChem, fault: str) -> None:
    pubchem.fail(fault, times=2)
    assert client(settings).cids("name", "benzene") == [241]
    assert len(pubchem.requests) == 3


def test_retry_after_is_honoured(settings: Settings, pubchem: FakePubChem) -> None:
    waits: list[float] = []
    pubchem.fail("503-json", times=1, retry_after=0.25)
    assert client(settings, sleep=waits.append).cids("name", "benzene") == [241]
    assert len(waits) == 1
    assert waits[0] >= 0.25


def test_backoff_grows_and_failure_is_bounded(settings: Settings, pubchem: FakePubChem) -> None:
    waits: list[float] = []
    pubchem.fail("503-html", times=50)
    with pytest.raises(PubChemUnavailable, match="503"):
        client(settings, sleep=waits.append).cids("name", "benzene")
    assert len(pubchem.requests) == settings.pubchem_retries + 1
    assert len(waits) == settings.pubchem_retries
    caps = [settings.pubchem_backoff * 2**i for i in range(len(waits))]
    assert all(0 <= w <= cap for w, cap in zip(waits, caps, strict=True))


def test_down_pubchem_still_gives_the_offline_answer(
    settings: Settings, pubchem: FakePubChem
) -> None:
    pubchem.fail("504", times=50)
    sources = [ReferenceSource(settings), PubChemSource(settings, client(settings))]
    result = lookup("caffeine", settings, sources, exhaustive=True)
    assert [c.source for c in result.candidates] == ["reference"]
    assert result.candidates[0].cid == 2519
    assert any("pubchem" in w and "504" in w for w in result.warnings)
    with pytest.raises(PubChemUnavailable):
        lookup("benzene-that-nobody-knows", settings, sources)


def test_client_errors_are_translated(settings: Settings, pubchem: FakePubChem) -> None:
    c = client(settings)
    with pytest.raises(PubChemError, match="400"):
        c.get_json(c.url("compound", "cid", "aergaerhg", "description", "JSON"))
    assert c.get_json(c.url("compound", "name", "srthrthsr", "description", "JSON")) is None
    pubchem.fail("malformed", times=1)
    with pytest.raises(PubChemError, match="malformed"):
        c.properties([241])
    c.properties([241])  # the garbled answer was not cached: asked again, now fine
    assert len(pubchem.requests) == 4


def test_unknown_name_is_empty_and_cached(settings: Settings, pubchem: FakePubChem) -> None:
    assert client(settings).candidates([classify("no such compound xyz")]) == [[]]
    assert client(settings).candidates([classify("no such compound xyz")]) == [[]]
    assert len(pubchem.requests) == 1


def test_cached_repeat_makes_zero_requests(settings: Settings, pubchem: FakePubChem) -> None:
    queries = [classify(q) for q in ("benzene", "50-01-1", "CCCBr")]
    first = client(settings).candidates(queries)
    made = len(pubchem.requests)
    assert made > 0
    assert [[c.cid for c in cs] for cs in first] == [[241], [5742], [7840]]
    again = client(settings).candidates(queries)
    assert again == first
    assert len(pubchem.requests) == made
    # The cache also answers offline, dated, and can be inspected and cleared.
    offline = client(settings.replace(offline=True)).candidates(queries)
    assert offline == first
    info = cache_info(settings)
    assert info.entries == made
    assert info.oldest is not None
    assert cache_clear(settings) == made
    assert cache_info(settings).entries == 0


def test_properties_are_batched(settings: Settings, pubchem: FakePubChem) -> None:
    props, _ = client(settings).properties([241, 7840, 5742, 962, 22247451])
    assert sorted(props) == [241, 962, 5742, 7840, 22247451]
    assert len(pubchem.requests) == 1


def test_offline_never_opens_a_socket(
    settings: Settings, pubchem: FakePubChem, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened in offline mode")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    offline = settings.replace(offline=True)
    with pytest.raises(PubChemUnavailable, match="offline"):
        client(offline).cids("name", "benzene")
    result = lookup("50-78-2", offline)  # default chain, offline: the index answers
    assert result.candidates[0].name == "aspirin"
    assert "pubchem" not in result.sources
    assert pubchem.requests == []


def test_rate_limit_is_never_exceeded(settings: Settings, pubchem: FakePubChem) -> None:
    limiter = RateLimiter(5, 400)
    shared = PubChemClient(settings, limiter=limiter)
    names = [f"name {i}" for i in range(14)]

    def work(part: list[str]) -> None:
        for name in part:
            shared.cids("name", name)

    threads = [threading.Thread(target=work, args=(names[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times = sorted(t for t, _, _ in pubchem.requests)
    assert len(times) == len(names)
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t - start < 1.0) <= 5


def test_throttling_header_slows_down() -> None:
    limiter = RateLimiter(5, 400)
    limiter.observe(None)
    assert limiter.level == "green"
    limiter.observe(
        "Request Count status: Yellow (60%), Request Time status: Green (0%), "
        "Service status: Red (85%)"
    )
    assert limiter.level == "red"
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    paced = RateLimiter(5, 400, clock=lambda: clock[0], sleep=sleep)
    paced.observe("Request Count status: Yellow (60%)")
    paced.release(paced.acquire())
    paced.release(paced.acquire())
    assert slept
    assert slept[0] == pytest.approx(0.5)


def test_minute_limit_waits() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(1000, 3, clock=lambda: clock[0], sleep=sleep, margin=0.0)
    for _ in range(4):
        limiter.release(limiter.acquire())
    assert slept == [pytest.approx(60.0)]


def test_a_request_in_flight_counts_until_it_completes() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds
        if clock[0] >= 5.0 and slow.time == float("inf"):  # the slow request completes
            limiter.release(slow)

    limiter = RateLimiter(1, 100, clock=lambda: clock[0], sleep=sleep, margin=0.0)
    slow = limiter.acquire()
    limiter.acquire()  # waits while the first is in flight, then a full second after it ends
    assert clock[0] == pytest.approx(6.0, abs=0.02)


# --- CAS numbers from synonyms (real synonym lists) -------------------------------------------


def test_cas_from_recorded_synonyms() -> None:
    body = json.loads((DATA / "chemistry_tools_bodies" / "16_200.json").read_text())
    synonyms = body["InformationList"]["Information"][0]["Synonym"]
    assert "CAS-66-71-7" in synonyms
    assert "EINECS 200-629-2" in synonyms
    found = cas_from_synonyms(synonyms)
    assert [c.number for c in found] == ["66-71-7"]
    assert found[0].valid


def _expected_rows() -> list[tuple[int, list[str]]]:
    lines = (DATA / "pubchempy_cas_from_synonyms_expected.tsv").read_text().splitlines()[2:]
    return [(int(c), ast.literal_eval(v)) for c, v in (line.split("\t") for line in lines)]


@pytest.mark.parametrize(("cid", "expected"), _expected_rows())
def test_cas_extraction_matches_pubchempy_notebook(cid: int, expected: list[str]) -> None:
    # The notebook kept duplicates and checksum failures; we keep every number once, in order,
    # and flag the ones whose check digit fails instead of dropping or preferring any.
    noisy = ["Compound " + str(cid), *expected, *(f"CAS-{n}" for n in expected), "200-001-8"]
    found = cas_from_synonyms(noisy)
    assert [c.number for c in found] == list(dict.fromkeys(expected))
    for c in found:
        assert c.valid == cas.is_valid(c.number)


def test_checksum_failures_are_kept_and_flagged() -> None:
    rows = dict(_expected_rows())
    found = {c.number: c.valid for c in cas_from_synonyms(rows[424947])}
    assert found == {"7790-38-7": True, "90-38-7": False}
    found = {c.number: c.valid for c in cas_from_synonyms(rows[5462715])}
    assert found == {"24-61-4": False, "14024-61-4": True}


# --- flags from the chain -----------------------------------------------------------------------


def test_ambiguous_inchikey_gives_every_cid(settings: Settings, pubchem: FakePubChem) -> None:
    # Recorded: PubChem maps water's InChIKey to CIDs 962 and 22247451.
    sources = [ReferenceSource(settings), PubChemSource(settings, client(settings))]
    result = lookup("XLYOFNOQVPJJNP-UHFFFAOYSA-N", settings, sources)
    assert [c.cid for c in result.candidates] == [962, 22247451]
    assert result.ambiguous
    assert not result.conflict


def test_conflict_between_sources_for_one_cas(settings: Settings, pubchem: FakePubChem) -> None:
    # PubChem drift: a record claiming caffeine's CAS number with another structure.
    pubchem.add(
        FakeCompound(
            cid=99999001,
            title="caffeine citrate",
            formula="C14H18N4O9",
            inchikey="RCQXSQPPHJPGOF-UHFFFAOYSA-N",
            synonyms=["caffeine citrate", "58-08-2"],
        )
    )
    sources = [ReferenceSource(settings), PubChemSource(settings, client(settings))]
    result = lookup("58-08-2", settings, sources, exhaustive=True)
    assert [c.source for c in result.candidates] == ["reference", "pubchem"]
    assert result.conflict
    agreeing = lookup("58-08-2", settings, sources)  # the index alone: no conflict
    assert not agreeing.conflict


def test_salt_parent_relation(settings: Settings) -> None:
    results = lookup_many(["50-01-1", "guanidine"], settings, [ReferenceSource(settings)])
    salt = results[0].candidates[0]
    parent = results[1].candidates[0]
    from registry.sources.chain import flags

    _, _, pairs = flags(classify("guanidine"), [salt, parent])
    assert salt.smiles == "C(=N)(N)N.Cl"
    assert pairs == ((0, 1),)


@pytest.mark.online
def test_real_pubchem(tmp_path: Path) -> None:
    settings = Settings.from_env(
        cache_dir=tmp_path, data_dir=tmp_path, db_url=f"sqlite:///{tmp_path / 'r.sqlite'}"
    )
    [candidates] = PubChemClient(settings).candidates([classify("aspirin")])
    assert candidates[0].cid == 2244
    assert "50-78-2" in candidates[0].cas_numbers


def test_many_queries_with_pubchem_down_keep_the_answers(
    settings: Settings, pubchem: FakePubChem
) -> None:
    pubchem.fail("504", times=100)
    source = PubChemSource(settings, client(settings))
    chain = [ReferenceSource(settings), source]
    first = lookup_many(["caffeine", "unknown thing 1", "unknown thing 2"], settings, chain)
    assert first[0].candidates[0].cid == 2519
    assert not first[0].warnings  # answered by the index: PubChem not asked
    assert not first[1].found
    assert "504" in first[1].warnings[0]
    assert len(pubchem.requests) == settings.pubchem_retries + 1
    # PubChem proved down: later batches of the same run fail at once, without new waits.
    again = lookup_many(["unknown thing 3"], settings, chain)
    assert "not retried" in again[0].warnings[0]
    assert len(pubchem.requests) == settings.pubchem_retries + 1


def test_full_records_parsed_by_pubchempy(settings: Settings, pubchem: FakePubChem) -> None:
    # The recorded body of GET compound/name/benzene/json, asked pubchempy's way (POST).
    [benzene] = client(settings).compounds("name", "benzene")
    assert benzene.cid == 241
    assert benzene.molecular_formula == "C6H6"
    assert len(benzene.atoms) == 12
    # A SMILES PubChem has no compound for: a record without a CID, as recorded.
    [unknown] = client(settings).compounds("smiles", "COOOOOOOOOOC")
    assert unknown.cid is None


def test_a_registry_source_plugs_in_first(settings: Settings) -> None:
    from registry.identifiers import Query
    from registry.models import Candidate
    from registry.sources.chain import default_sources

    class Mine:
        name = "registry"

        def find_many(self, queries: list[Query]) -> list[list[Candidate]]:
            return [
                [Candidate("registry", "2026-01-01", "my caffeine", cid=2519)]
                if q.value == "caffeine"
                else []
                for q in queries
            ]

    chain = default_sources(settings.replace(offline=True), first=[Mine()])
    assert [s.name for s in chain] == ["registry", "reference"]
    own, other = lookup_many(["caffeine", "aspirin"], settings, chain)
    assert [c.source for c in own.candidates] == ["registry"]
    assert [c.source for c in other.candidates] == ["reference"]
    both = lookup("caffeine", settings, chain, exhaustive=True)
    assert [c.source for c in both.candidates] == ["registry", "reference"]


def test_unparseable_smiles_is_not_found_and_garbage_is_an_error(
    settings: Settings, pubchem: FakePubChem
) -> None:
    c = client(settings)
    # The fake answers 400 for a SMILES it has no entry for, like PubChem for unparseable ones.
    query = classify("C1CC[N")
    assert query.kind == "smiles"
    assert c.candidates([query]) == [[]]
    assert c.candidates([query]) == [[]]
    assert len(pubchem.requests) == 2  # a 400 is not cached: it may be a passing fault
    pubchem.fail("malformed", times=1)
    with pytest.raises(PubChemError, match="malformed"):
        c.candidates([classify("benzene")])


def test_plain_text_fault_body_is_translated(settings: Settings, pubchem: FakePubChem) -> None:
    c = client(settings)
    url = c.url("compound", "smiles", "%3Cunparseable%3E", "record", "SDF")
    with pytest.raises(PubChemError, match="400 Bad Request"):
        c.get_json(url)


def test_registry_lookup_asks_the_registry_first(settings: Settings, tmp_path: Path) -> None:
    from registry.service import Registry

    offline = settings.replace(offline=True, db_url=f"sqlite:///{tmp_path / 'own.sqlite'}")
    with Registry.open(settings=offline) as registry:  # seeded with the bundled records
        mine = registry.lookup("92623-85-3")
        assert [c.source for c in mine.candidates] == ["registry"]
        assert mine.candidates[0].name == "milnacipran"
        other = registry.lookup("caffeine")
        assert [c.source for c in other.candidates] == ["reference"]


def test_only_the_translation_module_imports_pubchempy() -> None:
    import registry

    package = Path(registry.__file__).parent
    importers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if any(
            line.split()[:2] in (["import", "pubchempy"], ["from", "pubchempy"])
            for line in path.read_text().splitlines()
        )
    )
    assert importers == ["sources/pubchem/translation.py"]
