"""The serving limit: the exact bytes of our hot page and API answer, from memory.

A minimal ASGI app under granian: no routing beyond a dict, no framework, headers built
once. Whatever this serves per second is the most any Python app on this machine could
serve for those bytes; ours is reported as a fraction of it.

BENCH_LIMIT_DIR names a directory of files: page.html and api.json (the hot thread), and
page-300.html, api-300.json, page-30.html, api-30.json (the smaller threads of case (b)),
served at /page, /api, /page-300 and so on.
"""

import os
from pathlib import Path

_DIR = Path(os.environ.get("BENCH_LIMIT_DIR", "var/bench/limit"))
_TYPES = {".html": b"text/html; charset=utf-8", ".json": b"application/json; charset=utf-8"}
_BODIES = {}
for _file in sorted(_DIR.iterdir()):
    if _file.suffix not in _TYPES:
        continue
    _path, _type, _body = "/" + _file.stem, _TYPES[_file.suffix], _file.read_bytes()
    _BODIES[_path] = (
        {"type": "http.response.start", "status": 200,
         "headers": [(b"content-type", _type), (b"content-length", str(len(_body)).encode())]},
        {"type": "http.response.body", "body": _body},
    )
_MISSING = (
    {"type": "http.response.start", "status": 404, "headers": [(b"content-length", b"0")]},
    {"type": "http.response.body", "body": b""},
)


async def app(scope, receive, send):  # noqa: ANN001, ANN201 - the ASGI signature
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    start, body = _BODIES.get(scope["path"], _MISSING)
    await send(start)
    await send(body)


_WSGI = {path: (f"{start['status']} OK" if start["status"] == 200 else "404 Not Found",
                [(k.decode(), v.decode()) for k, v in start["headers"]], [body["body"]])
         for path, (start, body) in [*_BODIES.items(), ("", _MISSING)]}


def wsgi_app(environ, start_response):  # noqa: ANN001, ANN201 - the WSGI signature
    """The same bytes through granian's WSGI interface, which our server uses: the fairer
    limit for a WSGI app (no event loop between the socket and the bytes)."""
    status, headers, body = _WSGI.get(environ["PATH_INFO"], _WSGI[""])
    start_response(status, headers)
    return body
