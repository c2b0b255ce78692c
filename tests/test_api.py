"""The JSON API over the real session index: view logic through Flask's test client (``client``),
the HTTP stack (bodies, methods, paths, headers, uploads, limits) through the real server."""
from __future__ import annotations

import datetime as dt
import json
import operator
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings as hypothesis_settings, strategies as st
from live_server import API_TOKEN, call, multipart, post_json

from nlp_service.locking import WriteLock
from nlp_service.query_input import searchable_text
from nlp_service.service import Service
from nlp_service.store import name_key
from nlp_service.web import create_app
from nlp_service.web.server import serve_in_thread

pytestmark = pytest.mark.model
LEIDEN_QUERY = "scheefwonen sociale huurwoningen"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}

# A council question in the Leiden layout, about a subject no other document has.
UPLOAD_TEXT = """Indiendatum: 12 mei 2021

Door: Jan Jansen

Vragen:

  1. Is het college bekend met de zeemeeuwenoverlast in de Haarlemmerstraat?
  2. Is het college bereid afvalzakken door meeuwbestendige containers te vervangen?

Jan Jansen
Partij Sleutelstad

Antwoorddatum: 1 juni 2021

Is het college bekend met de zeemeeuwenoverlast in de Haarlemmerstraat?

Antwoord: Ja. Ondernemers melden sinds dit voorjaar meer zeemeeuwenoverlast.

Is het college bereid afvalzakken door meeuwbestendige containers te vervangen?

Antwoord: Ja, in het najaar komen er twintig meeuwbestendige containers.
"""


def search(target, **params):
    return call(target, "/api/search", params=params)


def assert_error(reply, status: int) -> str:
    """The reply is a JSON error with this status and no traceback; returns the message."""
    assert reply.status == status, (reply.status, reply.body[:300])
    data = reply.json()
    assert set(data) == {"error"} and data["error"]
    assert b"Traceback" not in reply.body
    return data["error"]


# --- search ------------------------------------------------------------------


def test_search_finds_the_leiden_document_first(base_url):
    reply = search(base_url, q=LEIDEN_QUERY)
    assert reply.status == 200
    data = reply.json()
    assert data["query"] == LEIDEN_QUERY
    first = data["results"][0]
    assert first["document"]["source"] == "leiden"
    assert set(first) == {"score", "match", "document", "question", "answer", "matched", "snippet", "more"}
    assert all(set(m) == {"score", "match", "question", "answer", "matched", "snippet"} for m in first["more"])
    assert {"id", "number", "text"} <= set(first["question"])
    assert "<mark>" in first["snippet"]


def test_search_returns_the_cores_response(client, service):
    """The API adds nothing and drops nothing: it is SearchResponse.to_dict(with_snippet=True)."""
    expected = service.search(service.make_request(LEIDEN_QUERY, k=5)).to_dict(with_snippet=True)
    assert search(client, q=LEIDEN_QUERY, k=5).json() == expected


def test_snippets_are_escaped_apart_from_marks(client):
    for result in search(client, q="<b>woningen</b> & huur", k=20).json()["results"]:
        assert "<" not in re.sub(r"</?mark>", "", result["snippet"])


def test_search_by_post_takes_json_and_form_bodies(base_url):
    by_get = search(base_url, q=LEIDEN_QUERY, k=3).json()
    assert post_json(base_url, "/api/search", {"q": LEIDEN_QUERY, "k": 3}).json() == by_get
    form = call(base_url, "/api/search", "POST", body=f"q={quote(LEIDEN_QUERY)}&k=3".encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.json() == by_get


def test_party_filter_keeps_only_that_party(client, service):
    party = service.store.facet("party")[0][0]
    results = search(client, q="woningen gemeente", party=party, k=20).json()["results"]
    assert results
    assert all(party.lower() in (p.lower() for p in r["document"]["parties"]) for r in results)


def test_date_collection_and_k_filters(client):
    results = search(client, q="vragen over de trein", since="2017-01-01", until="2017-12-31",
                     source="dekamer-2017", k=7).json()["results"]
    assert 0 < len(results) <= 7
    assert all("2017-01-01" <= r["document"]["submitted"] <= "2017-12-31" for r in results)
    assert all(r["document"]["source"] == "dekamer-2017" for r in results)


def test_sort_by_date_puts_newest_first(client):
    """Newest first among the direct matches; the related results follow, by relevance."""
    results = search(client, q="woningen", sort="date", k=20).json()["results"]
    direct = [r for r in results if r["match"] == "direct"]
    dates = [r["document"]["submitted"] or "" for r in direct]
    assert len(set(dates)) > 1 and dates == sorted(dates, reverse=True)
    assert results[: len(direct)] == direct


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_every_mode_answers(client, mode):
    assert search(client, q=LEIDEN_QUERY, mode=mode).json()["results"]


@pytest.mark.parametrize("params", [
    {},
    {"q": ""},
    {"q": "   \n\t "},
    {"q": "x" * 5001},
    {"q": "woning", "k": "0"},
    {"q": "woning", "k": "-3"},
    {"q": "woning", "k": "101"},
    {"q": "woning", "k": "tien"},
    {"q": "woning", "k": "1.5"},
    {"q": "woning", "since": "gisteren"},
    {"q": "woning", "until": "2020-02-30"},
    {"q": "woning", "since": "2021-01-01", "until": "2020-01-01"},
    {"q": "woning", "sort": "random"},
    {"q": "woning", "mode": "magic"},
], ids=lambda p: ",".join(f"{k}={v[:12]!r}" for k, v in p.items()) or "no-params")
def test_bad_search_parameters_are_400(client, params):
    assert_error(search(client, **params), 400)


def test_bad_search_bodies_are_400(client):
    assert_error(post_json(client, "/api/search", ["woning"]), 400)
    assert_error(post_json(client, "/api/search", {"q": ["woning"]}), 400)
    assert_error(post_json(client, "/api/search", {"q": "woning", "k": True}), 400)


def test_json_bodies_with_unpaired_surrogates_are_400(base_url, writable_url):
    """JSON may escape a lone surrogate; no UTF-8 text (store, index, hash) can hold one."""
    for body in ({"q": "woning \ud800"}, {"q": "woning", "party": "\udc80"}):
        assert "surrogate" in assert_error(post_json(base_url, "/api/search", body), 400)
    reply = post_json(writable_url, "/api/documents", {"text": "Klopt dit \ud800?"}, headers=AUTH)
    assert "surrogate" in assert_error(reply, 400)


# --- documents and questions -------------------------------------------------


def leiden_hit(target) -> dict:
    return search(target, q=LEIDEN_QUERY, k=1).json()["results"][0]


def test_document_has_every_question_and_answer(client):
    doc_id = leiden_hit(client)["document"]["id"]
    doc = call(client, f"/api/documents/{doc_id}").json()
    assert doc["id"] == doc_id and doc["source"] == "leiden"
    assert doc["authors"] == ["Maarten Kersten"] and doc["submitted"] == "2020-02-03"
    assert [q["number"] for q in doc["questions"]] == [str(i) for i in range(1, 7)]
    assert all(q["answer"] for q in doc["questions"])


def test_question_has_its_document_and_five_precedents(client):
    hit = leiden_hit(client)
    data = call(client, f"/api/questions/{hit['question']['id']}").json()
    assert data["id"] == hit["question"]["id"] and data["answer"]
    assert data["document"]["id"] == hit["document"]["id"]
    assert len(data["similar"]) == 5
    assert all(s["document"]["id"] != hit["document"]["id"] for s in data["similar"])


@pytest.mark.parametrize("path", [
    "/api/documents/999999999",
    "/api/documents/0",
    "/api/documents/99999999999999999999999999",
    "/api/documents/abc",
    "/api/documents/-1",
    "/api/documents/1.5",
    "/api/documents/../../etc/passwd",
    "/api/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/api/questions/999999999",
    "/api/questions/x",
    "/api/nothing-here",
])
def test_unknown_ids_and_routes_are_404(base_url, path):
    assert_error(call(base_url, path), 404)


@pytest.mark.parametrize("method,path", [
    ("DELETE", "/api/documents/1"),
    ("PUT", "/api/search"),
    ("POST", "/api/stats"),
    ("POST", "/health"),
])
def test_wrong_methods_are_405_with_allow(base_url, method, path):
    reply = call(base_url, path, method)
    assert_error(reply, 405)
    assert reply.headers["Allow"]


# --- stats and health --------------------------------------------------------


def test_stats_counts_collections_and_years(client):
    data = call(client, "/api/stats").json()
    assert data["counts"]["documents"] > 100
    assert {"source": "leiden", "year": "2020", "documents": 1} in data["by_collection_and_year"]
    assert data["last_indexed"]
    assert data["index"]["units"] == data["counts"]["units"]


def test_health_reports_index_documents_and_model(base_url, service):
    import sqlite3

    data = call(base_url, "/health").json()
    assert data["status"] == "ok"
    assert set(data) == {"status", "index", "documents", "units", "model_id", "dense_coverage"}  # the documented fields
    assert data["dense_coverage"] == 1.0, "an index built whole"
    # documents and units against independent sources: /api/stats and a direct SQL count on the store file
    stats = call(base_url, "/api/stats").json()
    with sqlite3.connect(f"file:{service.settings.paths.store}?mode=ro", uri=True) as conn:
        sql_documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        sql_units = conn.execute("SELECT count(*) FROM units").fetchone()[0]
    assert data["documents"] == stats["counts"]["documents"] == sql_documents > 100
    assert data["units"] == stats["counts"]["units"] == sql_units > data["documents"]
    assert data["model_id"] == service.engine.generation().manifest.model_id
    assert data["model_id"].startswith(service.settings.model_id)
    assert data["index"] == service.engine.generation().id


def test_without_an_index_health_and_search_are_503(tmp_path, service):
    settings = service.settings.replace(home=tmp_path / "empty-home")
    client = create_app(Service(settings, encoder=service.encoder)).test_client()
    assert call(client, "/health").json()["status"] == "unavailable"
    assert call(client, "/health").status == 503
    assert "ingest" in assert_error(search(client, q="woning"), 503)
    assert "error" in call(client, "/api/stats").json()["index"]


# --- headers and unexpected errors --------------------------------------------


def test_security_headers_and_no_cors_by_default(base_url):
    for path in ("/api/stats", "/", "/api/documents/999999999"):
        headers = call(base_url, path, headers={"Origin": "https://elders.example"}).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "Access-Control-Allow-Origin" not in headers


def test_cors_allows_only_configured_origins(service):
    app = create_app(Service(service.settings.replace(cors_origins="https://raad.example.nl, https://intern.example"),
                             encoder=service.encoder))
    with serve_in_thread(app) as url:
        allowed = call(url, "/api/stats", headers={"Origin": "https://raad.example.nl"}).headers
        assert allowed["Access-Control-Allow-Origin"] == "https://raad.example.nl"
        other = call(url, "/api/stats", headers={"Origin": "https://evil.example"}).headers
        assert "Access-Control-Allow-Origin" not in other
        preflight = call(url, "/api/search", "OPTIONS", headers={
            "Origin": "https://intern.example", "Access-Control-Request-Method": "POST"})
        assert preflight.status == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == "https://intern.example"
        assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
        assert "Access-Control-Allow-Origin" not in call(url, "/", headers={"Origin": "https://raad.example.nl"}).headers


class BrokenService(Service):
    def stats(self):
        raise RuntimeError("secret internal detail")


def test_unexpected_errors_are_500_json_without_the_trace(service):
    reply = call(create_app(BrokenService(service.settings, encoder=service.encoder)).test_client(), "/api/stats")
    assert assert_error(reply, 500) == "internal server error"
    assert b"secret" not in reply.body


# --- uploads -----------------------------------------------------------------


def upload_file(url: str, filename: str, content: bytes, fields: dict | None = None, headers: dict | None = None):
    body, multipart_headers = multipart(fields or {}, filename, content)
    return call(url, "/api/documents", "POST", body=body, headers={**multipart_headers, **(AUTH if headers is None else headers)})


def test_writing_is_403_when_no_token_is_configured(base_url):
    message = assert_error(upload_file(base_url, "vragen.txt", UPLOAD_TEXT.encode()), 403)
    assert "NLP_SERVICE_API_TOKEN" in message


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": f"Basic {API_TOKEN}"},
    {"Authorization": "Bearer"},
    {"Authorization": f"Bearer {API_TOKEN}x"},
    {"Authorization": "Bearer t\u00f6ken".encode("utf-8").decode("latin-1")},
], ids=["none", "wrong", "basic", "empty", "longer", "non-ascii"])
def test_a_missing_or_wrong_token_is_401(writable_url, headers):
    reply = upload_file(writable_url, "vragen.txt", UPLOAD_TEXT.encode(), headers=headers)
    assert_error(reply, 401)
    assert reply.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_an_uploaded_file_is_stored_indexed_and_found(writable_url):
    reply = upload_file(writable_url, "raadsvragen meeuwen.txt", UPLOAD_TEXT.encode())
    assert reply.status == 201, reply.body
    data = reply.json()
    assert data["report"]["added"] == 1 and not data["report"]["failed"]
    [doc_id] = data["ids"]
    doc = call(writable_url, f"/api/documents/{doc_id}").json()
    assert [q["number"] for q in doc["questions"]] == ["1", "2"]
    assert "twintig meeuwbestendige containers" in " ".join(q["answer"] or "" for q in doc["questions"])
    for mode in ("lexical", "dense", "hybrid"):  # in both indexes of the new generation
        hits = search(writable_url, q="zeemeeuwenoverlast Haarlemmerstraat", mode=mode, k=5).json()["results"]
        assert doc_id in [h["document"]["id"] for h in hits], mode
    assert search(writable_url, q="zeemeeuwenoverlast", mode="lexical").json()["results"][0]["document"]["id"] == doc_id
    # The same bytes again: the same document, unchanged.
    again = upload_file(writable_url, "andere naam.txt", UPLOAD_TEXT.encode()).json()
    assert again["ids"] == [doc_id] and again["report"]["unchanged"] == 1


def test_an_uploaded_json_text_keeps_its_title_id_and_collection(writable_url):
    reply = post_json(writable_url, "/api/documents", {
        "text": UPLOAD_TEXT, "title": "Meeuwen in de binnenstad", "external_id": "rv-2021-042",
        "source": "leiden-uploads"}, headers=AUTH)
    assert reply.status == 201, reply.body
    [doc_id] = reply.json()["ids"]
    doc = call(writable_url, f"/api/documents/{doc_id}").json()
    assert (doc["title"], doc["external_id"], doc["source"]) == ("Meeuwen in de binnenstad", "rv-2021-042", "leiden-uploads")
    hits = search(writable_url, q="meeuwbestendige containers", source="leiden-uploads").json()["results"]
    assert {h["document"]["id"] for h in hits} == {doc_id}


def test_an_upload_reads_only_its_bytes_never_the_path_it_names(writable_url):
    reply = upload_file(writable_url, "../../../../etc/passwd.txt", UPLOAD_TEXT.replace("Haarlemmerstraat", "Breestraat").encode())
    assert reply.status == 201, reply.body
    doc = call(writable_url, f"/api/documents/{reply.json()['ids'][0]}").json()
    assert "Breestraat" in doc["questions"][0]["text"]
    assert "root:" not in reply.text + str(doc)
    assert "passwd" not in doc["external_id"] + doc["title"] and "/" not in doc["external_id"]


@pytest.mark.parametrize("filename,content,status", [
    ("programma.exe", b"MZ\x90\x00binary", 415),
    ("vragen", UPLOAD_TEXT.encode(), 415),
    ("vragen.tar.gz", b"\x1f\x8b\x08", 415),
    ("leeg.txt", b"", 422),
    ("leeg.txt", b"  \n\n ", 422),
    ("kapot.pdf", b"this is no pdf at all", 422),
    ("kapot.docx", b"PK\x03\x04 not really a docx", 422),
    ("groot.txt", b"a" * (1024 * 1024 + 1000), 413),
])
def test_bad_uploads_get_their_status(writable_url, filename, content, status):
    assert_error(upload_file(writable_url, filename, content), status)


def test_an_uploaded_export_reports_the_records_that_did_not_parse(writable_url):
    lines = [json.dumps({"doc_id": "meeuw-1", "question": "Meeuwen\n\nHoeveel meeuwen broeden op de Breestraat?"}),
             "{not json", json.dumps({"doc_id": "meeuw-3", "question": "Meeuwen\n\nKlopt dit \udc80?"})]
    reply = upload_file(writable_url, "export.jsonl", "\n".join(lines).encode())
    assert reply.status == 201, reply.body
    report = reply.json()["report"]
    assert report["added"] + report["unchanged"] == 1
    assert [name for name, _ in report["failed"]] == ["export.jsonl", "export.jsonl"]
    assert ":2: bad record" in report["failed"][0][1] and ":3: bad record" in report["failed"][1][1]


def test_bad_upload_requests_get_their_status(writable_url):
    assert_error(call(writable_url, "/api/documents", "POST", body=UPLOAD_TEXT.encode(),
                      headers={**AUTH, "Content-Type": "text/plain"}), 415)
    body, headers = multipart({"source": "x"}, "vragen.txt", b"")
    body = body.replace(b'name="file"', b'name="bestand"')
    assert_error(call(writable_url, "/api/documents", "POST", body=body, headers={**headers, **AUTH}), 400)
    assert_error(post_json(writable_url, "/api/documents", {"title": "geen tekst"}, headers=AUTH), 400)
    assert_error(post_json(writable_url, "/api/documents", {"text": "  "}, headers=AUTH), 400)
    assert_error(post_json(writable_url, "/api/documents", [UPLOAD_TEXT], headers=AUTH), 400)
    assert_error(post_json(writable_url, "/api/documents", {"text": UPLOAD_TEXT, "source": "../etc"}, headers=AUTH), 400)
    assert_error(upload_file(writable_url, "vragen.txt", UPLOAD_TEXT.encode(), {"source": "a/b"}), 400)


def test_an_upload_while_another_writer_runs_is_409(writable_url, writable_settings):
    with WriteLock(writable_settings.home, "test ingest"):
        message = assert_error(upload_file(writable_url, "vragen.txt", UPLOAD_TEXT.encode()), 409)
    assert "another writer" in message
    assert upload_file(writable_url, "vragen.txt", UPLOAD_TEXT.encode()).status == 201


# --- fuzzing -----------------------------------------------------------------

NASTY = ['"', '""', "*", "woning*", "NEAR(woning huur, 2)", "woning NEAR huur", "a OR b AND NOT c", "^woning",
         "'; DROP TABLE documents; --", "1; DELETE FROM units", "../../etc/passwd", "/etc/passwd", "%00",
         "\x00", "\u202e", "\ufeff", "𝔴𝔬𝔫𝔦𝔫𝔤", "ＷＯＮＩＮＧ", "{}", "[]", "null", "-1", "1e309", "9" * 5000]
any_text = st.one_of(st.text(max_size=300), st.sampled_from(NASTY),
                     st.text(st.characters(max_codepoint=0x1F), max_size=30))
numbers = st.integers(-10**30, 10**30).map(str)
search_parameters = st.fixed_dictionaries({}, optional={
    "q": any_text, "k": st.one_of(numbers, any_text), "since": any_text, "until": any_text,
    "party": any_text, "author": any_text, "source": any_text,
    "sort": st.one_of(st.sampled_from(["relevance", "date"]), any_text),
    "mode": st.one_of(st.sampled_from(["hybrid", "lexical", "dense"]), any_text),
})


def store_fingerprint(service) -> tuple:
    return service.store.counts(), service.store.get_meta("last_indexed"), service.engine.generation().id


@hypothesis_settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=search_parameters)
@example(params={"q": "x" * 1_000_000})
@example(params={"q": "woning", "k": "9" * 5000})
@example(params={"q": '" OR 1=1 --', "party": "'; DROP TABLE documents; --", "source": "../../etc/passwd"})
def test_fuzzed_search_parameters_get_200_or_a_4xx(client, service, params):
    before = store_fingerprint(service)
    reply = search(client, **params)
    if reply.status == 200:
        assert_answers_the_request(params, reply.json())
    else:
        assert 400 <= reply.status < 500
        assert reply.json()["error"]
    assert call(client, "/health").status == 200
    assert store_fingerprint(service) == before


def assert_answers_the_request(params: dict, data: dict) -> None:
    """A 200 answers what was asked: at most k results of the documented shape, each passing the
    filters, best first unless sorted by date."""
    assert data["query"] == searchable_text(params["q"])
    results = data["results"]
    assert len(results) <= int(params.get("k") or 10)
    for result in results:
        assert set(result) == {"score", "match", "document", "question", "answer", "matched", "snippet"}
        document = result["document"]
        if (params.get("source") or "").strip():
            assert document["source"] == params["source"].strip()
        if (params.get("party") or "").strip():
            assert name_key(params["party"].strip()) in [name_key(p) for p in document["parties"]]
        for name, keep in (("since", operator.ge), ("until", operator.le)):
            if params.get(name):
                assert document["submitted"] and keep(document["submitted"], dt.date.fromisoformat(params[name]).isoformat())
    if (params.get("sort") or "relevance") == "relevance":
        scores = [r["score"] for r in results]
        assert scores == sorted(scores, reverse=True)


def test_a_one_megabyte_query_by_post_is_413_json(base_url):
    assert "larger than" in assert_error(post_json(base_url, "/api/search", {"q": "woning " * 150_000}), 413)


@hypothesis_settings(max_examples=40, deadline=None)
@given(name=st.one_of(st.text(max_size=50), st.sampled_from(["../../etc/passwd", "..", "%00", "1 OR 1=1", "1;"])))
def test_fuzzed_document_paths_get_200_or_404_json(base_url, name):
    reply = call(base_url, "/api/documents/" + quote(name, safe=""))
    assert reply.status in (200, 404)
    assert reply.json()
    assert reply.status == 404 or re.fullmatch(r"[0-9]{1,18}", name)


# --- the serve command -------------------------------------------------------


def serve_command(settings, *args: str) -> list[str]:
    return [sys.executable, "-m", "nlp_service.cli", "--home", str(settings.home),
            "--model-dir", str(settings.model_dir), "serve", *args]


def read_line_with(proc: subprocess.Popen, marker: str, timeout: float = 180) -> str:
    """The first stdout line containing ``marker`` (the server loads the model first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1)
        line = proc.stdout.readline() if ready else ""
        if marker in line:
            return line
        if proc.poll() is not None and not ready:
            break
    raise AssertionError(f"no {marker!r} from the server; stderr: {proc.stderr.read()[-2000:]}")


def test_serve_warms_up_prints_its_address_and_serves(indexed_settings):
    # A suite started in the background (`cmd &` in a script) inherits SIGINT ignored, and so would
    # the server: give it the terminal's default, as a user pressing Ctrl+C has.
    proc = subprocess.Popen(serve_command(indexed_settings, "--port", "0", "--threads", "2"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = read_line_with(proc, "Serving on http://127.0.0.1:")
        url = line.split("Serving on ", 1)[1].strip()
        assert call(url, "/health").json()["status"] == "ok"
        assert search(url, q=LEIDEN_QUERY, k=1).json()["results"][0]["document"]["source"] == "leiden"
    finally:
        proc.send_signal(signal.SIGINT)
        # communicate, not wait: it drains both pipes, so a chatty server cannot block on a full pipe
        try:
            _, err = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            pytest.fail(f"the server did not stop within 90 s of Ctrl+C; stderr ends: {err[-2000:]}")
    assert proc.returncode == 0, err[-2000:]


def test_serve_without_an_index_says_so_without_a_traceback(indexed_settings, tmp_path):
    result = subprocess.run(serve_command(indexed_settings.replace(home=tmp_path / "nothing")),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "no store in" in result.stderr and "nlp-service ingest" in result.stderr  # as search and stats say
    assert "Traceback" not in result.stderr


def test_serve_on_a_taken_port_says_so_without_a_traceback(indexed_settings):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(serve_command(indexed_settings, "--port", str(port)),
                                capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}: the port is already in use" in result.stderr
    assert "Traceback" not in result.stderr
