"""The in-process WSGI requests the `*_wsgi.py` profiles make: one environ as a WSGI server
builds it, and one call that collects the answer. No HTTP and no threads, so what they
time is the application's own CPU."""

import sys
from io import BytesIO
from typing import Any

Environ = dict[str, Any]


def environ(path: str, query: str = "", *, multithread: bool = False,
            **headers: str) -> Environ:
    """A GET of `path?query`; `headers` as keyword names (accept_encoding="gzip")."""
    env: Environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1", "wsgi.input": BytesIO(), "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http", "wsgi.version": (1, 0), "wsgi.multithread": multithread,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    env.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    return env


def call(app: Any, env: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request on a fresh input stream: (status, headers, body)."""
    got: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
        got[:] = [status, headers]

    result = app(dict(env, **{"wsgi.input": BytesIO()}), start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return got[0], got[1], body
