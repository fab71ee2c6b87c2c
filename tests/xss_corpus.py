"""The cross-site scripting corpus: the vectors in tests/data/xss-vectors.txt (their sources
and licence are at the top of that file and of each group in it), each also behind the
usual break-outs from an attribute, a text area, a title, a comment or a list.

Used by tests/test_xss_corpus.py (every page, server side), tests/test_xss_admin.py (the
admin, the CSV export, the JSON API, emails) and tests/browser/test_xss_browser.py (the same
pages in Chromium).

The file's format: one vector a line; a line that is "#" or starts with "# " is a comment
(so `#{alert(1)}` is a vector); `{U+XXXX}` stands for that character, so that line
separators, carriage returns and invisible characters fit on one line; lines are split on
"\\n" only (str.splitlines would also split at U+2028, which is a vector here).
"""

import re
from functools import cache
from pathlib import Path

VECTORS = Path(__file__).parent / "data" / "xss-vectors.txt"
BREAKOUTS = ["", '">', "'>", "</textarea>", "</title>", "-->", "</p></li>"]
# The first vectors of the file (its original set) go behind every break-out; each later
# one goes in as it is and behind one break-out, taken in turn, so that every break-out
# meets every group without multiplying the corpus (and the time to build it) by seven.
EVERY_BREAKOUT = 95
_CHARACTER = re.compile(r"\{U\+([0-9A-Fa-f]{4,6})\}")


def _expand(line: str) -> str:
    return _CHARACTER.sub(lambda m: chr(int(m.group(1), 16)), line)


def _is_comment(line: str) -> bool:
    return line == "#" or line.startswith("# ")


@cache
def vectors() -> tuple[str, ...]:
    """Every distinct vector of the file, in its order."""
    lines = VECTORS.read_text(encoding="utf-8").split("\n")
    seen: dict[str, None] = {}
    for line in lines:
        if line and not _is_comment(line):
            seen.setdefault(_expand(line), None)
    return tuple(seen)


@cache
def pairs() -> tuple[tuple[str, str], ...]:
    """(vector, payload) for every payload, once, in a stable order (a failure names the
    same one next time)."""
    seen: dict[str, str] = {}
    for number, vector in enumerate(vectors()):
        if number < EVERY_BREAKOUT:
            prefixes = BREAKOUTS
        else:
            prefixes = ["", BREAKOUTS[1 + number % (len(BREAKOUTS) - 1)]]
        for prefix in prefixes:
            seen.setdefault(prefix + vector, vector)
    return tuple((vector, payload) for payload, vector in seen.items())


def corpus() -> tuple[str, ...]:
    """Every payload, once, in a stable order."""
    return tuple(payload for _, payload in pairs())


def spread(count: int) -> list[str]:
    """`count` vectors taken evenly from the whole file, so that a field with room for a
    few (rules, token names) still meets every group."""
    every = vectors()
    step = max(1, len(every) // count)
    return list(every[::step][:count])


def is_markup(payload: str) -> bool:
    """Whether the payload would become markup if it reached the page unescaped."""
    return any(ch in payload for ch in "<>\"'")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_a_formula(cell: str) -> bool:
    """Whether a spreadsheet would take the cell for a formula (OWASP, "CSV Injection")."""
    return cell.startswith(FORMULA_STARTS)
