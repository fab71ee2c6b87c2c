"""The cross-site scripting corpus: the vectors in tests/data/xss-vectors.txt (their source
and licence are at the top of that file), each also behind the usual break-outs from an
attribute, a text area, a title, a script or a comment, and wrapped in bidi controls.

Used by tests/test_xss_corpus.py (every page, server side) and
tests/browser/test_xss_browser.py (the same pages in Chromium).
"""

from functools import cache
from pathlib import Path

VECTORS = Path(__file__).parent / "data" / "xss-vectors.txt"
BREAKOUTS = ["", '">', "'>", "</textarea>", "</title>", "-->", "</p></li>"]


@cache
def vectors() -> tuple[str, ...]:
    lines = VECTORS.read_text(encoding="utf-8").splitlines()
    return tuple(line for line in lines if line and not line.startswith("#"))


@cache
def corpus() -> tuple[str, ...]:
    """Every payload, once, in a stable order (a failure names the same one next time)."""
    seen: dict[str, None] = {}
    for vector in vectors():
        for prefix in BREAKOUTS:
            seen.setdefault(prefix + vector, None)
    return tuple(seen)


def is_markup(payload: str) -> bool:
    """Whether the payload would become markup if it reached the page unescaped."""
    return any(ch in payload for ch in "<>\"'")
