"""A stand-in publisher's website for the demo, served on its own port (its own origin).

Placeholder: the embed issue replaces it with a page that embeds the thread.
"""

from collections.abc import Callable, Iterable
from typing import Any


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"The demo publisher page is not built yet.\n"]
