"""The formats `btl import FORMAT FILE --site SLUG` understands, and where each one lives.

Entries are "module:function" strings loaded only when used, so that a format whose code is
absent (or broken) refuses its own imports with a clear message instead of breaking the
command for the others. Every entry is called as

    function(path: Path, *, site_slug: str, progress: Progress, **options) -> ImportSummary

where `options` holds only what the format declares it takes (`base_url` for Isso).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from belowtheline.imports.errors import ImportRefused
from belowtheline.imports.progress import Progress
from belowtheline.imports.summary import ImportSummary

Importer = Callable[..., ImportSummary]


@dataclass(frozen=True)
class Format:
    target: str  # "module:function"
    description: str
    options: frozenset[str] = frozenset()


FORMATS: dict[str, Format] = {
    "disqus": Format("belowtheline.imports.service:import_disqus",
                     "a Disqus XML export (threads, posts, authors)"),
    "wordpress": Format("belowtheline.imports.service:import_wordpress",
                        "a WordPress WXR export (1.0, 1.1 or 1.2): posts and pages with "
                        "their comments"),
    "isso": Format("belowtheline.imports.service:import_isso",
                   "an Isso SQLite database (comments.db)", frozenset({"base_url"})),
    "btl": Format("belowtheline.portability.restore:import_site",
                  "a `btl export` file: a whole site, restored into an empty install"),
}


def load_importer(name: str) -> Importer:
    """The function behind a format, or ImportRefused saying why it cannot be used."""
    try:
        entry = FORMATS[name]
    except KeyError:
        raise ImportRefused("unknown_format", f"Unknown format {name!r}: choose one of "
                            f"{', '.join(FORMATS)}.") from None
    module_name, _, attr = entry.target.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)
    except ModuleNotFoundError as exc:
        # Only the format's own module missing means "not available"; a module it
        # imports being absent is a broken install, which must not be disguised.
        if not exc.name or not module_name.startswith(exc.name):
            raise
        raise ImportRefused("format_not_available",
                            f"Importing {name!r} files is not available in this install "
                            f"({entry.target} is missing).") from None
    except AttributeError:
        raise ImportRefused("format_not_available",
                            f"Importing {name!r} files is not available in this install "
                            f"({entry.target} is missing).") from None


def run_import(name: str, path: Path, *, site_slug: str, progress: Progress,
               **options: object) -> ImportSummary:
    importer = load_importer(name)
    wanted = {k: v for k, v in options.items() if k in FORMATS[name].options and v is not None}
    return importer(path, site_slug=site_slug, progress=progress, **wanted)
