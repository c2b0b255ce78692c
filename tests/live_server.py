"""One tiny client for both ways the tests reach the web app (fixtures: conftest.py): a base URL
of the real server (waitress in a thread: the HTTP stack), or Flask's test client (view logic,
no sockets). Either way a request comes back as a :class:`Reply`."""
from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

#: the upload token of the writable test server (conftest.py)
API_TOKEN = "test-token-5f3a"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        assert self.content_type == "application/json", (self.status, self.body[:300])
        return json.loads(self.body)


def call(target, path: str, method: str = "GET", params: dict | None = None,
         body: bytes | None = None, headers: dict | None = None, timeout: float = 120) -> Reply:
    """One request to ``target`` (a base URL or a Flask test client): any status comes back as a
    Reply, nothing raises on 4xx/5xx."""
    if not isinstance(target, str):
        response = target.open(path, method=method, query_string=params, data=body, headers=headers or {})
        return Reply(response.status_code, response.headers, response.get_data())
    url = urlsplit(target)
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
