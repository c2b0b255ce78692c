"""Fuzzing the whole HTTP API on the real server: methods, paths, query strings, headers and
bodies (JSON, forms, bytes) in any combination. Whatever comes in: no 500, every response
under /api is JSON with the security headers, and the server stays healthy."""
from __future__ import annotations

import http.client
import json
from urllib.parse import quote, urlencode, urlsplit

from hypothesis import HealthCheck, example, given, settings as hypothesis_settings, strategies as st

from nlp_service.web.headers import SECURITY_HEADERS, is_api_path

PATHS = ["/api/search", "/api/search/", "/api/stats", "/api/documents", "/api/documents/1", "/api/questions/5",
         "/api/questions/0", "/api/documents/99999999999999999999", "/api", "/api/", "/api//stats", "//api/stats",
         "/api/%00", "/api/search%2f..", "/health", "/api/documents/1/../../stats", "/api/trend", "/api/commitments",
         "/api/dossier", "/feeds/search.atom", "/toezeggingen", "/nieuwe-brief", "/"]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND"]
PARAMS = ["q", "k", "since", "until", "party", "author", "source", "sort", "mode", "text", "title", "x"]
HEADER_NAMES = ["Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Content-Type", "Cookie",
                "Origin", "Referer", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded",
                "Range", "If-None-Match", "If-Modified-Since", "Expect", "User-Agent", "X-Custom"]
CONTENT_TYPES = ["application/json", "application/json; charset=latin-1", "application/x-www-form-urlencoded",
                 "multipart/form-data", "multipart/form-data; boundary=x", "text/plain", "application/xml", "",
                 "application/vnd.api+json", "*/*"]
NASTY = ['"', "*", "...", "\u200b", "NEAR(a b)", "'; DROP TABLE documents; --", "../../etc/passwd", "%00", "\x00",
         "\u202e", "\ufeff", "\U0001F600", "1_0", "+5", "\u0663", "20200101", "2020-W01-1", "9" * 400, "x" * 3000]

text = st.one_of(st.text(max_size=200), st.sampled_from(NASTY))
# what http.client can put in a header value: Latin-1 without control characters
header_value = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_categories=("Cc",)), max_size=80)
headers = st.dictionaries(st.sampled_from(HEADER_NAMES), st.one_of(header_value, st.sampled_from(
    ["100-continue", "Bearer x", "Bearer ", "basic Zm9vOmJhcg==", "bytes=0-10", "gzip, br"])), max_size=4)
query_string = st.dictionaries(st.sampled_from(PARAMS), text, max_size=5).map(lambda p: urlencode(p))
json_value = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text,
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                          max_leaves=10)
json_body = st.one_of(st.dictionaries(st.sampled_from(PARAMS), json_value, max_size=5), json_value).map(
    lambda v: json.dumps(v).encode())
body = st.one_of(st.none(), json_body, query_string.map(str.encode), st.binary(max_size=300),
                 st.sampled_from([b"[" * 3000 + b"]" * 3000, b'{"q": "woning"', b"\xff\xfe{}", b"{}" * 1000]))
path = st.one_of(st.sampled_from(PATHS), st.text(max_size=30).map(lambda t: "/api/" + quote(t, safe="/")))


def send(base_url: str, method: str, target: str, headers: dict, body: bytes | None) -> tuple[int, http.client.HTTPMessage, bytes]:
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def store_fingerprint(engine) -> tuple:
    return engine.store.counts(), engine.store.get_meta("last_indexed"), engine.generation().id


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(METHODS), path=path, query=query_string, headers=headers,
       content_type=st.sampled_from(CONTENT_TYPES), body=body)
@example(method="GET", path="/api", query="", headers={}, content_type="", body=None)
@example(method="OPTIONS", path="/api/search", query="", headers={"Origin": "https://elders.example"},
         content_type="", body=None)
@example(method="GET", path="/api/stats", query="", headers={"Expect": "100-continue"}, content_type="", body=None)
@example(method="POST", path="/api/search", query="", headers={}, content_type="application/json",
         body=b'{"q": ' + b"[" * 3000 + b"]" * 3000 + b"}")
@example(method="POST", path="/api/search", query="", headers={}, content_type="text/plain", body=b'{"q": "woning"}')
@example(method="GET", path="/api/search", query="q=woning&author=" + "x" * 50_000, headers={}, content_type="",
         body=None)
def test_fuzzed_requests_get_no_500_and_json_under_api(base_url, engine, method, path, query, headers,
                                                        content_type, body):
    before = store_fingerprint(engine)
    all_headers = {**headers, **({"Content-Type": content_type} if content_type and body is not None else {})}
    status, reply_headers, reply_body = send(base_url, method, path + ("?" + query if query else ""), all_headers, body)
    assert status < 500, (status, reply_body[:300])
    for name, value in SECURITY_HEADERS.items():
        assert reply_headers[name] == value, (name, status, path)
    if is_api_path(urlsplit(path).path):
        assert reply_headers.get_content_type() == "application/json", (status, path, reply_body[:200])
        if method != "HEAD":
            data = json.loads(reply_body)
            assert status < 400 or set(data) == {"error"}
    assert send(base_url, "GET", "/health", {}, None)[0] == 200
    assert store_fingerprint(engine) == before
