"""A fake PubChem PUG-REST server for tests and benchmarks: real recordings, scripted faults.

A ``ThreadingHTTPServer`` on 127.0.0.1 (free port) in a daemon thread. It answers:

* recorded requests verbatim (``tests/data/pubchem/replay_index.jsonl``), whether asked by GET
  with the identifier in the path or by POST with a ``namespace=value`` form body (pubchempy's
  and our client's way);
* the derived operations our client uses (``cids``, ``property/...``, ``synonyms``) from a
  compound table built from those recordings (computed properties such as XLogP and TPSA from
  the recorded PC_Compounds records and PUG-View records), plus optional extra compounds (the
  benchmark adds rows of the ``chemicals`` table, with generated PC_Compounds records);
* PUG-View records (``/rest/pug_view/data/compound/<cid>/JSON``, optionally ``?heading=``, the
  record pruned to the sections under that heading as PubChem does; 404 when it has none);
* scripted faults for the next N requests: 503 with a JSON or HTML body (with Retry-After), 504,
  a stall past the client's timeout, a dropped connection, malformed JSON; or a fault on the
  n-th PUG-View request only (:meth:`FakePubChem.fail_view`).

Every request is recorded with its monotonic arrival time in ``requests``.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pubchempy
from fake_pubchem_records import VIEW_COMPUTED, computed_of, pruned, recorded_smiles, view_facts

DATA = Path(__file__).parent / "data" / "pubchem"
GREEN = (
    "Request Count status: Green (1%), Request Time status: Green (0%), Service status: Green (7%)"
)
HTML_BUSY = (
    b"<html><head><title>503 Service Unavailable</title></head><body>Server busy</body></html>"
)


@dataclass
class FakeCompound:
    cid: int
    title: str
    formula: str = ""
    weight: float | None = None
    smiles: str = ""
    inchi: str = ""
    inchikey: str = ""
    iupac: str = ""
    synonyms: list[str] = field(default_factory=list)
    computed: dict[str, Any] = field(default_factory=dict)

    def properties(self) -> dict[str, Any]:
        return {
            **self.computed,
            "CID": self.cid,
            "Title": self.title,
            "MolecularFormula": self.formula,
            "MolecularWeight": str(self.weight) if self.weight is not None else None,
            "IsomericSMILES": self.smiles,
            "InChI": self.inchi,
            "InChIKey": self.inchikey,
            "IUPACName": self.iupac,
        }

    def record(self) -> dict[str, Any]:
        """A minimal PC_Compounds record pubchempy.Compound can read."""

        def prop(label: str, value: Any, name: str | None = None) -> dict[str, Any]:
            urn: dict[str, Any] = {"label": label}
            if name:
                urn["name"] = name
            key = "sval" if isinstance(value, str) else "fval"
            return {"urn": urn, "value": {key: value}}

        return {
            "id": {"id": {"cid": self.cid}},
            "atoms": {"aid": [], "element": []},
            "props": [
                prop("IUPAC Name", self.iupac, "Preferred"),
                prop("InChI", self.inchi, "Standard"),
                prop("InChIKey", self.inchikey, "Standard"),
                prop("Molecular Formula", self.formula),
                prop("Molecular Weight", str(self.weight or "")),
                prop("SMILES", self.smiles, "Isomeric"),
            ],
        }


def _normalise(method: str, path: str, body: bytes) -> str:
    """A request as 'compound/<namespace>/<identifier>/<operation...>/json', lower case."""
    path = urllib.parse.unquote(path.split("?", 1)[0])
    parts = [p for p in path.split("/rest/pug/", 1)[-1].split("/") if p]
    if method == "POST" and body:
        form = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)
        if form and len(parts) >= 2:
            parts.insert(2, form[0][1])
    if len(parts) > 3 and parts[3].lower() == "record":
        del parts[3]  # ".../record/JSON" is the default operation
    return "/".join(parts).lower()


class FakePubChem:
    """The server; use as a context manager or call start()/stop()."""

    def __init__(self, extra: Iterable[FakeCompound] = (), *, stall_seconds: float = 2.0) -> None:
        self.replay: dict[str, tuple[int, bytes, str]] = {}
        self.compounds: dict[int, FakeCompound] = {}
        self.names: dict[tuple[str, str], list[int]] = {}
        self.requests: list[tuple[float, str, str]] = []
        self.faults: list[tuple[str, float | None]] = []
        self.views: dict[int, dict[str, Any]] = {}
        self.view_faults: dict[int, str] = {}
        self.view_count = 0
        self.throttle = GREEN
        self.stall_seconds = stall_seconds
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._load_recordings()
        for compound in extra:
            self.add(compound)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- data ---------------------------------------------------------------------------------

    def add(self, compound: FakeCompound, *names: str) -> None:
        self.compounds[compound.cid] = compound
        for name in {compound.title, *names, *compound.synonyms}:
            cids = self.names.setdefault(("name", name.lower()), [])
            if compound.cid not in cids:
                cids.append(compound.cid)
        if compound.inchikey:
            self.names.setdefault(("inchikey", compound.inchikey.lower()), []).append(compound.cid)

    def _load_recordings(self) -> None:
        for line in (DATA / "replay_index.jsonl").read_text().splitlines():
            entry = json.loads(line)
            body = (DATA / entry["body_path"]).read_bytes()
            url = entry["url"]
            if "/pug_view/" in url:
                self._load_view(json.loads(body)["Record"])
                continue
            key = _normalise(entry["method"], urllib.parse.urlsplit(url).path, b"")
            self.replay[key] = (entry["status"], body, entry["content_type"])
            if entry["status"] != 200 or not entry["content_type"].endswith("json"):
                continue
            data = json.loads(body)
            if not isinstance(data, dict):  # cheminfo files hold the bare PC_Compounds array
                data = {"PC_Compounds": data}
                self.replay[key] = (200, json.dumps(data).encode(), "application/json")
            parts = key.split("/")
            for record in data.get("PC_Compounds", []):
                parsed = pubchempy.Compound(record)
                if not parsed.cid:
                    continue
                compound = self.compounds.get(parsed.cid) or FakeCompound(
                    cid=parsed.cid,
                    title=parts[2] if parts[1] == "name" else parsed.iupac_name or "",
                    formula=parsed.molecular_formula or "",
                    weight=float(parsed.molecular_weight or 0),
                    smiles=parsed.smiles or recorded_smiles(record),
                    inchi=parsed.inchi or "",
                    inchikey=parsed.inchikey or "",
                    iupac=parsed.iupac_name or "",
                )
                compound.computed = {**computed_of(parsed), **compound.computed}
                self.compounds[parsed.cid] = compound
                cids = self.names.setdefault((parts[1], parts[2]), [])
                if parsed.cid not in cids:
                    cids.append(parsed.cid)
            for info in data.get("InformationList", {}).get("Information", []):
                if "Synonym" in info and info["CID"] in self.compounds:
                    self.compounds[info["CID"]].synonyms = list(info["Synonym"])
                    self.compounds[info["CID"]].title = info["Synonym"][0]
        # The recorded synonyms of CID 1318 came with a SMILES query, recorded separately.
        key = "compound/smiles/c1=cc2=c(c3=c(c=cc=n3)c=c2)n=c1/synonyms/json"
        if key in self.replay:
            info = json.loads(self.replay[key][1])["InformationList"]["Information"][0]
            self.add(
                FakeCompound(
                    cid=info["CID"], title=info["Synonym"][0], synonyms=list(info["Synonym"])
                )
            )

    def _load_view(self, record: dict[str, Any]) -> None:
        """A PUG-View record: served as recorded, and its identity and computed properties."""
        cid = int(record["RecordNumber"])
        self.views[cid] = record
        facts = view_facts(record)
        if "InChIKey" not in facts:
            return  # a single section (the GHS one of 643785): no compound to describe
        compound = self.compounds.get(cid) or FakeCompound(
            cid=cid,
            title=str(record.get("RecordTitle", "")),
            formula=facts.get("Molecular Formula", ""),
            weight=facts.get("Molecular Weight"),
            smiles=facts.get("Canonical SMILES", facts.get("SMILES", "")),
            inchi=facts.get("InChI", ""),
            inchikey=facts.get("InChIKey", ""),
            iupac=facts.get("IUPAC Name", ""),
            synonyms=list(facts.get("Depositor-Supplied Synonyms", [])),
        )
        for heading, name in VIEW_COMPUTED.items():
            if heading in facts:
                compound.computed.setdefault(name, facts[heading])
        self.add(compound)

    # -- control ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/rest/pug"

    def fail(self, kind: str, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``times`` requests with a fault: 503-json, 503-html, 504, stall,
        drop or malformed."""
        with self._lock:
            self.faults.extend([(kind, retry_after)] * times)

    def fail_view(self, nth: int, kind: str = "503-json") -> None:
        """Answer the ``nth`` PUG-View request from now (1 = the next) with a fault."""
        with self._lock:
            self.view_faults[self.view_count + nth] = kind

    def view_requests(self) -> list[str]:
        """The paths of the PUG-View requests received, in order."""
        return [path for _, _, path in self.requests if "/pug_view/" in path]

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.view_faults.clear()
            self.requests.clear()
            self.throttle = GREEN

    def start(self) -> FakePubChem:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():  # shutdown() waits for a loop that never started otherwise
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> FakePubChem:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- answers ------------------------------------------------------------------------------

    def view(self, path: str) -> tuple[int, bytes]:
        """A PUG-View answer: the record, pruned to ``?heading=`` when given."""
        split = urllib.parse.urlsplit(path)
        parts = [p for p in urllib.parse.unquote(split.path).split("/") if p]
        heading = dict(urllib.parse.parse_qsl(split.query)).get("heading")
        try:
            cid = int(parts[parts.index("compound") + 1])
        except (ValueError, IndexError):
            return _fault(400, "PUGVIEW.BadRequest", "Invalid record number")
        record = self.views.get(cid)
        if record is not None and heading:
            record = pruned(record, heading.lower())
        if record is None:
            return _fault(404, "PUGVIEW.NotFound", "No data found")
        return 200, json.dumps({"Record": record}).encode()

    def answer(self, key: str) -> tuple[int, bytes]:
        if key in self.replay:
            status, body, _ = self.replay[key]
            return status, body
        parts = key.split("/")
        if len(parts) < 4 or parts[0] != "compound":
            return _fault(400, "PUGREST.BadRequest", "Unsupported request")
        namespace, identifier, operation = parts[1], parts[2], parts[3:-1]
        if namespace == "cid":
            try:
                cids = [int(c) for c in identifier.split(",") if c]
            except ValueError:
                return _fault(400, "PUGREST.BadRequest", "Missing CID list")
        else:
            cids = list(self.names.get((namespace, identifier), []))
        known = [c for c in cids if c in self.compounds]
        unbalanced = identifier.count("[") != identifier.count("]") or identifier.count(
            "("
        ) != identifier.count(")")
        if not known and namespace == "smiles" and unbalanced:
            return _fault(400, "PUGREST.BadRequest", "Unable to standardize the given structure")
        if not known:
            return _fault(404, "PUGREST.NotFound", "No CID found")
        if not operation:
            records = [self.compounds[c].record() for c in known]
            return 200, json.dumps({"PC_Compounds": records}).encode()
        if operation == ["cids"]:
            return 200, json.dumps({"IdentifierList": {"CID": known}}).encode()
        if operation[0] == "property":
            wanted = ["CID", *operation[1].split(",")] if len(operation) > 1 else ["CID"]
            table = []
            for c in known:
                props = {k.lower(): (k, v) for k, v in self.compounds[c].properties().items()}
                table.append(dict(props[w.lower()] for w in wanted if w.lower() in props))
            return 200, json.dumps({"PropertyTable": {"Properties": table}}).encode()
        if operation == ["synonyms"]:
            infos = [
                {"CID": c, "Synonym": self.compounds[c].synonyms}
                for c in known
                if self.compounds[c].synonyms
            ]
            if not infos:
                return _fault(404, "PUGREST.NotFound", "No synonyms found")
            return 200, json.dumps({"InformationList": {"Information": infos}}).encode()
        return _fault(400, "PUGREST.BadRequest", "Unsupported operation")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                is_view = "/pug_view/" in self.path
                with fake._lock:
                    fake.requests.append((time.monotonic(), method, self.path))
                    fault = fake.faults.pop(0) if fake.faults else None
                    if is_view:
                        fake.view_count += 1
                        kind = fake.view_faults.pop(fake.view_count, None)
                        fault = fault or ((kind, None) if kind else None)
                if fault is not None:
                    self._fault(*fault)
                    return
                if is_view:
                    status, content = fake.view(self.path)
                else:
                    status, content = fake.answer(_normalise(method, self.path, body))
                self._send(status, content, "application/json")

            def _send(self, status: int, content: bytes, ctype: str, **headers: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(content)))
                self.send_header("X-Throttling-Control", fake.throttle)
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(content)

            def _fault(self, kind: str, retry_after: float | None) -> None:
                extra = {"Retry_After": f"{retry_after:g}"} if retry_after is not None else {}
                if kind == "503-json":
                    _, content = _fault(
                        503, "PUGREST.ServerBusy", "Too many requests or server too busy"
                    )
                    self._send(503, content, "application/json", **extra)
                elif kind == "503-html":
                    self._send(503, HTML_BUSY, "text/html", **extra)
                elif kind == "504":
                    _, content = _fault(504, "PUGREST.Timeout", "The request timed out")
                    self._send(504, content, "application/json")
                elif kind == "stall":
                    fake._stop.wait(fake.stall_seconds)
                    self.close_connection = True
                elif kind == "drop":
                    self.close_connection = True  # no status line at all
                elif kind == "malformed":
                    self._send(200, b'{"PropertyTable": {"Properties": [', "application/json")
                else:
                    raise ValueError(kind)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


def _fault(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"Fault": {"Code": code, "Message": message, "Details": []}}).encode()


def compounds_from_chemicals(count: int, start: int = 0) -> list[FakeCompound]:
    """Consistent fake PubChem compounds from rows of the ``chemicals`` PubChem table."""
    from registry.sources.chemicals_data import iter_pubchem_rows

    out = []
    for i, row in enumerate(iter_pubchem_rows()):
        if i < start:
            continue
        if len(out) == count:
            break
        if not row.common_name:
            continue
        out.append(
            FakeCompound(
                cid=row.cid,
                title=row.common_name,
                formula=row.formula,
                weight=row.molecular_weight,
                smiles=row.smiles,
                inchi=row.inchi,
                inchikey=row.inchikey,
                iupac=row.iupac_name,
                synonyms=list(row.synonyms),
            )
        )
    return out
