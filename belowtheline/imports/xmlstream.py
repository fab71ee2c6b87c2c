"""Streaming an export's XML safely: defusedxml's iterparse, records one at a time.

defusedxml refuses what makes XML hostile — a DTD (and with it entity expansion bombs
such as "billion laughs"), external entities, which could read local files or reach the
network — before a single record is used. Neither Disqus nor WordPress writes a DTD, so a
file that has one is refused whole. Every parse failure becomes `ImportRefused` naming
the line and column expat stopped at; since the service publishes only after the whole
file has been read, a file broken at its last line imports nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from belowtheline.imports.errors import ImportRefused


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def events(path: Path) -> Iterator[tuple[str, Element, int]]:
    """(event, element, depth) for start and end events; the caller clears what it used.

    Depth 0 is the root element."""
    depth = -1
    handle: BinaryIO
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ImportRefused("file_unreadable", f"cannot read the file ({exc.strerror}).") \
            from None
    with handle:
        if not handle.read(1):
            raise ImportRefused("file_empty", "the file is empty.")
        handle.seek(0)
        try:
            for event, element in iterparse(handle, events=("start", "end"),
                                            forbid_dtd=True, forbid_entities=True,
                                            forbid_external=True):
                if event == "start":
                    depth += 1
                    yield event, element, depth
                else:
                    yield event, element, depth
                    depth -= 1
        except ParseError as exc:
            line, column = getattr(exc, "position", (0, 0))
            reason = str(exc).split(":")[0]
            raise ImportRefused(
                "file_not_well_formed",
                f"the file is not well-formed XML at line {line}, column {column + 1} "
                f"({reason}); it may be truncated or damaged.",
            ) from None
        except DefusedXmlException as exc:
            raise ImportRefused(
                "file_hostile",
                f"the file declares a DTD, entities or external references ({type(exc).__name__}),"
                " which exports never do: refused as possibly hostile (an entity-expansion "
                "bomb or an external entity).",
            ) from None


def text_of(element: Element | None) -> str:
    return (element.text or "") if element is not None else ""
