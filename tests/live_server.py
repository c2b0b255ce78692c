"""The real HTTP server (waitress in a thread) over the session index, and a tiny HTTP client.

Imported by the web test modules; each gets its own server on a free loopback port.
"""
from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest

from nlp_service.search import SearchEngine
from nlp_service.web import create_app
from nlp_service.web.server import serve_in_thread

API_TOKEN = "test-token-5f3a"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        assert self.headers.get_content_type() == "application/json", (self.status, self.body[:300])
        return json.loads(self.body)


def call(base_url: str, path: str, method: str = "GET", params: dict | None = None,
         body: bytes | None = None, headers: dict | None = None, timeout: float = 120) -> Reply:
    """One request with http.client: any status comes back as a Reply, nothing raises on 4xx/5xx."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        target = path + ("?" + urlencode(params) if params else "")
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def post_json(base_url: str, path: str, data, headers: dict | None = None) -> Reply:
    return call(base_url, path, "POST", body=json.dumps(data).encode(),
                headers={"Content-Type": "application/json", **(headers or {})})


def multipart(fields: dict[str, str], filename: str, content: bytes,
              content_type: str = "application/octet-stream") -> tuple[bytes, dict]:
    """A multipart/form-data body with ``fields`` and one file in the field ``file``."""
    boundary = "----nlp-service-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@pytest.fixture(scope="module")
def base_url(engine) -> str:
    """The read-only server over the session index; writing is off (no token)."""
    app = create_app(engine.settings.replace(api_token=""), engine)
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def writable_url(writable_settings, engine) -> str:
    """A server with writing on (token ``API_TOKEN``, 1 MB uploads) over a private copy of the index."""
    settings = writable_settings.replace(api_token=API_TOKEN, max_upload_mb=1)
    app = create_app(settings, SearchEngine(settings, encoder=engine.encoder))
    with serve_in_thread(app) as url:
        yield url
